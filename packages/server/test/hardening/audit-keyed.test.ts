// Over 400 lines on purpose: one tamper story told on both databases with the same
// helpers; split, each half would repeat the attacker's tools.
/**
 * Issue 10, finding 10: tamper evidence that holds against the database's own writer.
 * Over real HTTP against the real server, then with the real commands
 * (`npm run audit:verify`, `npm run audit:checkpoint`), on SQLite and on PostgreSQL:
 *
 * - every record is an HMAC under a key that is not in the database, so a writer who
 *   edits a record and recomputes the chain with plain SHA-256 is found;
 * - a signed checkpoint finds records cut off the end, and a chain rewritten from the
 *   genesis (which a walk alone cannot tell from a legacy one);
 * - keys rotate: the first key signs, older ones verify, a missing one is named;
 * - a legacy prefix of unkeyed records is accepted and counted, but never after a keyed
 *   record;
 * - PostgreSQL without a configured key refuses to start with one line;
 * - the server's own monitor verifies with the keys, after `listen`, not before.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditChainStatus } from '@cart/core';
import { buildApp } from '../../src/app.ts';
import { canonicalJson, GENESIS_HASH } from '../../src/audit/chain.ts';
import { loadConfig } from '../../src/config.ts';
import { SqliteStorage } from '../../src/storage/sqlite/storage.ts';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../support/postgres.ts';
import { startTestServer, TEST_ADMIN_TOKEN } from '@cart/test-support/test-server.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping the PostgreSQL audit tests: ${unavailable}`);

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
const KEY_A = key('a', 0x11);
const KEY_B = key('b', 0x22);
const SECRET = 'a-shared-secret-of-at-least-32-characters';

/** Runs one of the commands (as `npm run` does) on `env`; its exit code and output. */
function run(
  command: 'audit-verify' | 'audit-checkpoint' | 'server',
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; out: string; stdout: string }> {
  const script =
    command === 'server'
      ? 'packages/server/src/server.ts'
      : `packages/server/src/cli/${command}.ts`;
  const child = spawn(
    process.execPath,
    ['--conditions=@cart/source', '--import', 'tsx', script, ...args],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'silent',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, stdout });
    }),
  );
}

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

/** Accepted changes over HTTP: a cart (1 record) and `notes` note changes (1 each). */
async function activity(url: string, notes: number): Promise<void> {
  const cart = (await (await fetch(`${url}/api/carts`, { method: 'POST' })).json()) as {
    id: string;
    token: string;
  };
  for (let i = 0; i < notes; i++) {
    const reply = await fetch(`${url}/api/carts/${cart.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${cart.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: `note ${i}` }),
    });
    expect(reply.status, await reply.text()).toBe(200);
  }
}

interface Row {
  seq: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  client_address: string | null;
  action: string;
  cart_id: string | null;
  before_version: number | null;
  after_version: number | null;
  detail: string;
  prev_hash: string;
  hash: string;
  key_id: string | null;
}

/** The hash anyone can compute: plain SHA-256 over the record, as the chain was before keys. */
function sha256Hash(r: Row, prevHash: string): string {
  const content = canonicalJson({
    seq: Number(r.seq),
    at: r.at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    requestId: r.request_id,
    clientAddress: r.client_address,
    action: r.action,
    cartId: r.cart_id,
    beforeVersion: r.before_version === null ? null : Number(r.before_version),
    afterVersion: r.after_version === null ? null : Number(r.after_version),
    detail: JSON.parse(r.detail) as unknown,
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

/** Direct access to the database, as whoever can write it (triggers off), without the key. */
interface Attacker {
  rows(): Promise<Row[]>;
  /** Replaces the whole audit log with `rows`. */
  replace(rows: Row[]): Promise<void>;
  close(): Promise<void>;
}

const COLUMNS = [
  'seq',
  'at',
  'actor_type',
  'actor_id',
  'request_id',
  'client_address',
  'action',
  'cart_id',
  'before_version',
  'after_version',
  'detail',
  'prev_hash',
  'hash',
  'key_id',
] as const;

function sqliteAttacker(path: string): Attacker {
  const db = new Database(path);
  db.exec(
    'DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;',
  );
  return {
    rows: () => Promise.resolve(db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Row[]),
    replace(rows) {
      // The columns the table has (a database from before keys has no key_id).
      const names = new Set(
        (db.prepare('PRAGMA table_info(audit_log)').all() as { name: string }[]).map((c) => c.name),
      );
      const columns = COLUMNS.filter((c) => names.has(c));
      const insert = db.prepare(
        `INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      db.transaction(() => {
        db.exec('DELETE FROM audit_log');
        for (const r of rows) insert.run(...columns.map((c) => r[c]));
      })();
      return Promise.resolve();
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

async function postgresAttacker(url: string): Promise<Attacker> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  return {
    rows: async () =>
      (await pool.query<Row>('SELECT * FROM audit_log ORDER BY seq')).rows.map((r) => ({
        ...r,
        seq: Number(r.seq),
      })),
    async replace(rows) {
      const c = await pool.connect();
      try {
        const names = new Set(
          (
            await c.query<{ name: string }>(
              "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'audit_log' AND table_schema = current_schema()",
            )
          ).rows.map((r) => r.name),
        );
        const columns = COLUMNS.filter((col) => names.has(col));
        await c.query('BEGIN');
        await c.query('DELETE FROM audit_log');
        for (const r of rows)
          await c.query(
            `INSERT INTO audit_log (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
            columns.map((col) => r[col]),
          );
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Recomputes every hash from record `from` on with plain SHA-256 (`keyId`: what to record). */
function rehash(rows: Row[], from: number, keyId: (r: Row) => string | null): Row[] {
  const out: Row[] = [];
  for (const r of rows) {
    const prev = out.at(-1)?.hash ?? GENESIS_HASH;
    out.push(
      r.seq < from ? r : { ...r, prev_hash: prev, hash: sha256Hash(r, prev), key_id: keyId(r) },
    );
  }
  return out;
}

interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  skip: boolean;
  /** A fresh database: DATABASE_URL (and AUDIT_KEYS on PostgreSQL) and how to drop it. */
  fresh(keys?: string): Promise<{
    env: Record<string, string>;
    attacker: () => Promise<Attacker>;
    drop: () => Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: false,
    fresh(keys) {
      const dir = mkdtempSync(join(tmpdir(), 'cart-audit-keyed-'));
      const path = join(dir, 'cart.db');
      return Promise.resolve({
        // No AUDIT_KEYS: the server makes audit.key next to the database, the commands read it.
        env: { DATABASE_URL: `sqlite:${path}`, ...(keys ? { AUDIT_KEYS: keys } : {}) },
        attacker: () => Promise.resolve(sqliteAttacker(path)),
        drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'PostgreSQL',
    skip: unavailable !== null,
    async fresh(keys) {
      const schema: TestSchema = await createTestSchema();
      return {
        env: { DATABASE_URL: schema.databaseUrl, AUDIT_KEYS: keys ?? KEY_A, SECRET },
        attacker: () => postgresAttacker(schema.databaseUrl),
        drop: () => schema.drop(),
      };
    },
  },
];

describe.each(backends)('keyed audit chain on $name', (backend) => {
  describe.skipIf(backend.skip)('a writer without the key', () => {
    let db: Awaited<ReturnType<Backend['fresh']>>;
    let attacker: Attacker;
    let intact: Row[];
    const checkpointDir = mkdtempSync(join(tmpdir(), 'cart-checkpoints-'));
    const checkpoint = join(checkpointDir, 'head.json');

    beforeAll(async () => {
      db = await backend.fresh();
      const server = await startTestServer({ env: db.env });
      try {
        await activity(server.url, 3); // records 1–4
        await activity(server.url, 2); // records 5–7
      } finally {
        await server.close();
      }
      attacker = await db.attacker();
      intact = await attacker.rows();
    });

    afterAll(async () => {
      await attacker?.close();
      await db?.drop();
      rmSync(checkpointDir, { recursive: true, force: true });
    });

    /** Runs `work` on the database, then puts the intact log back. */
    async function tampered<T>(rows: Row[], work: () => Promise<T>): Promise<T> {
      await attacker.replace(rows);
      try {
        return await work();
      } finally {
        await attacker.replace(intact);
      }
    }

    it('writes every record keyed, with the key outside the database, and verifies it', async () => {
      // The default region's seed, then the activity.
      expect(intact).toHaveLength(8);
      const keyIds = new Set(intact.map((r) => r.key_id));
      expect(keyIds.size).toBe(1);
      expect([...keyIds][0]).toMatch(/^[A-Za-z0-9._-]+$/);
      if (backend.name === 'SQLite') {
        const path = db.env.DATABASE_URL?.replace(/^sqlite:/, '') ?? '';
        const keyFile = join(path, '..', 'audit.key');
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        const secret = /^[^#\s][^:]*:(\S+)$/m.exec(readFileSync(keyFile, 'utf8'))?.[1] ?? '';
        expect(Buffer.from(secret, 'base64')).toHaveLength(32);
        const file = readFileSync(path);
        expect(file.includes(Buffer.from(secret, 'base64'))).toBe(false);
        expect(file.includes(Buffer.from(secret))).toBe(false);
      }
      const { code, out } = await run('audit-verify', db.env);
      expect(out).toContain('audit chain intact: 8 records');
      expect(out).toContain('legacyRecords: 0');
      expect(code).toBe(0);
    });

    it('finds an edited record whose chain was recomputed with plain SHA-256', async () => {
      // Record 4's detail changed; 4 and every later hash recomputed, as the verifier of
      // old did: key ids kept (a), or dropped so the records pass for legacy ones (b).
      const edited = intact.map((r) =>
        r.seq === 4 ? { ...r, detail: JSON.stringify({ note: 'forged' }) } : r,
      );
      for (const keyId of [(r: Row) => r.key_id, () => null]) {
        const { code, out } = await tampered(rehash(edited, 4, keyId), () =>
          run('audit-verify', db.env),
        );
        expect(out).toContain('audit chain broken at record 4');
        expect(code).toBe(1);
      }
    });

    it('writes a signed checkpoint, and finds records at or before it cut off', async () => {
      const written = await run('audit-checkpoint', db.env, [checkpoint]);
      expect(written.code, written.out).toBe(0);
      const head = JSON.parse(readFileSync(checkpoint, 'utf8')) as Record<string, unknown>;
      expect(head).toMatchObject({
        format: 'cart-audit-checkpoint/1',
        seq: 8,
        hash: intact[7]?.hash,
        legacyRecords: 0,
        keyId: intact[7]?.key_id,
      });
      expect(head.signature).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof head.at).toBe('string');

      const holds = await run('audit-verify', db.env, ['--checkpoint', checkpoint]);
      expect(holds.out).toContain('holds: 0 records appended since');
      expect(holds.code).toBe(0);

      // The newest two records cut off: what is left still walks from the genesis.
      const [alone, against] = await tampered(intact.slice(0, 6), async () => [
        await run('audit-verify', db.env),
        await run('audit-verify', db.env, ['--checkpoint', checkpoint]),
      ]);
      expect(alone.code).toBe(0);
      expect(against.out).toContain(
        'audit chain truncated: checkpoint', // … signed record 8, but the chain now ends at record 6
      );
      expect(against.out).toContain('signed record 8, but the chain now ends at record 6');
      expect(against.code).toBe(1);
    });

    it('finds against a checkpoint a chain rewritten from the genesis as legacy records', async () => {
      // Every record re-hashed with SHA-256 and its key id dropped: a walk sees a legacy
      // chain (and says so), only the checkpoint can tell it was not.
      const rewritten = rehash(
        intact.map((r) => (r.seq === 2 ? { ...r, detail: JSON.stringify({ note: 'x' }) } : r)),
        1,
        () => null,
      );
      const [alone, against] = await tampered(rewritten, async () => [
        await run('audit-verify', db.env),
        await run('audit-verify', db.env, ['--checkpoint', checkpoint]),
      ]);
      expect(alone.out).toContain('legacyRecords: 8');
      expect(against.out).toContain('audit chain rewritten: record 8 no longer has the hash');
      expect(against.code).toBe(1);
    });

    it('refuses a checkpoint that was edited, and one it cannot read', async () => {
      const forged = join(checkpointDir, 'forged.json');
      const head = JSON.parse(readFileSync(checkpoint, 'utf8')) as Record<string, unknown>;
      writeFileSync(forged, JSON.stringify({ ...head, seq: 5, hash: intact[4]?.hash }));
      const edited = await run('audit-verify', db.env, ['--checkpoint', forged]);
      expect(edited.out).toContain('the checkpoint signature does not verify');
      expect(edited.code).toBe(1);
      writeFileSync(forged, '{"seq": 1}');
      const bad = await run('audit-verify', db.env, ['--checkpoint', forged]);
      expect(bad.out).toContain('is not a cart-audit-checkpoint/1');
      expect(bad.code).toBe(2);
    });

    it('signs no checkpoint of a broken chain', async () => {
      const edited = intact.map((r) => (r.seq === 3 ? { ...r, action: 'cart.checkout' } : r));
      const refused = await tampered(edited, () =>
        run('audit-checkpoint', db.env, [join(checkpointDir, 'never.json')]),
      );
      expect(refused.out).toContain('no checkpoint written: audit chain broken at record 3');
      expect(refused.code).toBe(1);
    });

    it('the server monitor finds the SHA-256 rewrite at start (after listen) and alerts', async () => {
      const edited = intact.map((r) =>
        r.seq === 2 ? { ...r, detail: JSON.stringify({ note: 'forged' }) } : r,
      );
      await attacker.replace(rehash(edited, 2, (r) => r.key_id));
      const server = await startTestServer({ env: db.env });
      try {
        const reply = await fetch(`${server.url}/api/admin/audit/verify?full=true`, {
          headers: admin,
        });
        const status = (await reply.json()) as AuditChainStatus;
        expect(status).toMatchObject({ intact: false, brokenAtSeq: 2, records: 1 });
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        expect(metrics).toMatch(/^cart_audit_chain_intact 0$/m);
      } finally {
        await server.close();
        await attacker.replace(intact);
      }
    });
  });

  describe.skipIf(backend.skip)('key rotation and legacy records', () => {
    it('verifies records of key a then key b with both; names the a records with b alone', async () => {
      const db = await backend.fresh(KEY_A);
      try {
        const first = await startTestServer({ env: { ...db.env, AUDIT_KEYS: KEY_A } });
        await activity(first.url, 2); // records 1–4 (the default region's seed first), key a
        await first.close();
        const second = await startTestServer({
          env: { ...db.env, AUDIT_KEYS: `${KEY_B},${KEY_A}` },
        });
        await activity(second.url, 1); // records 5–6, key b
        await second.close();

        const attacker = await db.attacker();
        expect((await attacker.rows()).map((r) => r.key_id)).toEqual([
          'a',
          'a',
          'a',
          'a',
          'b',
          'b',
        ]);
        await attacker.close();

        const both = await run('audit-verify', { ...db.env, AUDIT_KEYS: `${KEY_B},${KEY_A}` });
        expect(both.out).toContain('audit chain intact: 6 records');
        expect(both.code).toBe(0);
        const onlyB = await run('audit-verify', { ...db.env, AUDIT_KEYS: KEY_B });
        expect(onlyB.out).toContain(
          'audit chain unverifiable from record 1: 4 records, the first 1, are signed with key "a"',
        );
        expect(onlyB.code).toBe(1);
        // A checkpoint signed with b is checked with b.
        const dir = mkdtempSync(join(tmpdir(), 'cart-checkpoints-'));
        try {
          const file = join(dir, 'b.json');
          const cp = await run('audit-checkpoint', { ...db.env, AUDIT_KEYS: `${KEY_B},${KEY_A}` }, [
            file,
          ]);
          expect(cp.code, cp.out).toBe(0);
          expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ keyId: 'b', seq: 6 });
          const withA = await run('audit-verify', { ...db.env, AUDIT_KEYS: KEY_A }, [
            '--checkpoint',
            file,
          ]);
          expect(withA.out).toContain('signed with key "b", which is not in the keyring');
          expect(withA.code).toBe(1);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        await db.drop();
      }
    });

    it('accepts and counts an unkeyed legacy prefix; an unkeyed record after keyed ones is a break', async () => {
      const db = await backend.fresh(KEY_A);
      try {
        // A database from before keys: migrated, with three records hashed as they were then.
        const empty = await startTestServer({ env: db.env });
        await empty.close();
        const attacker = await db.attacker();
        const legacy: Row[] = [];
        for (let seq = 1; seq <= 3; seq++) {
          const r: Row = {
            seq,
            at: `2025-01-0${seq}T00:00:00.000Z`,
            actor_type: 'system',
            actor_id: null,
            request_id: null,
            client_address: null,
            action: 'seed.product.create',
            cart_id: null,
            before_version: null,
            after_version: null,
            detail: JSON.stringify({ productId: `p${seq}` }),
            prev_hash: legacy.at(-1)?.hash ?? GENESIS_HASH,
            hash: '',
            key_id: null,
          };
          legacy.push({ ...r, hash: sha256Hash(r, r.prev_hash) });
        }
        await attacker.replace(legacy);
        const server = await startTestServer({ env: db.env });
        await activity(server.url, 1); // records 4–5, keyed
        await server.close();

        const accepted = await run('audit-verify', db.env);
        expect(accepted.out).toContain('audit chain intact: 5 records');
        expect(accepted.out).toContain('legacyRecords: 3');
        expect(accepted.code).toBe(0);

        // Record 6 appended unkeyed after the keyed ones (a downgrade).
        const rows = await attacker.rows();
        const last = rows.at(-1) as Row;
        const extra: Row = { ...last, seq: 6, prev_hash: last.hash, key_id: null };
        await attacker.replace([...rows, { ...extra, hash: sha256Hash(extra, last.hash) }]);
        const downgraded = await run('audit-verify', db.env);
        expect(downgraded.out).toContain(
          'audit chain broken at record 6: unkeyed record after keyed ones',
        );
        expect(downgraded.code).toBe(1);
        await attacker.close();
      } finally {
        await db.drop();
      }
    });
  });
});

describe.skipIf(unavailable !== null)('PostgreSQL without an audit key', () => {
  it('refuses to start, with one line saying what to set', async () => {
    const schema = await createTestSchema();
    try {
      const { code, out } = await run('server', {
        DATABASE_URL: schema.databaseUrl,
        SECRET,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        PORT: '0',
        HOST: '127.0.0.1',
      });
      expect(code).not.toBe(0);
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('AUDIT_KEYS or AUDIT_KEY_FILE must be set with PostgreSQL');
    } finally {
      await schema.drop();
    }
  });
});

describe('the first full walk of the chain', () => {
  it('runs after listen: the server answers while it is under way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cart-audit-walk-'));
    const storage = new SqliteStorage(join(dir, 'cart.db'));
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const read = storage.readAuditChain.bind(storage);
    // The chain read is held until released: a walk the server waited for would hang here.
    storage.readAuditChain = async (after, limit) => {
      reads += 1;
      await gate;
      return read(after, limit);
    };
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    const app = await buildApp(config, { storage });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/api/carts`, { method: 'POST' })).status).toBe(201);
      expect(reads).toBeGreaterThan(0);
      expect(app.monitoring.auditChain.status).toBeNull();
      release();
      const status = await app.monitoring.auditChain.verify(true);
      // The default region's seed and the cart.
      expect(status).toMatchObject({ intact: true, records: 2 });
    } finally {
      release();
      await app.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
