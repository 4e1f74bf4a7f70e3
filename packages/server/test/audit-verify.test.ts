import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

function verify(databaseUrl: string) {
  const run = spawnSync(
    process.execPath,
    ['--conditions=@cart/source', '--import', 'tsx', 'packages/server/src/cli/audit-verify.ts'],
    {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('npm run audit:verify (SQLite)', () => {
  let server: TestServer;
  let dbPath: string;

  beforeAll(async () => {
    server = await startTestServer();
    dbPath = server.databasePath;
    const auth = {
      authorization: `Bearer ${server.adminToken}`,
      'content-type': 'application/json',
    };
    const product = await fetch(`${server.url}/api/admin/products`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        sku: 'AUD-1',
        name: 'Audited',
        description: '',
        price: { amount: 500, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
      }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const cart = await fetch(`${server.url}/api/carts`, { method: 'POST' }).then(
      (r) => r.json() as Promise<{ id: string; token: string }>,
    );
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${server.url}/api/carts/${cart.id}/lines`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cart.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ productId: product.id, quantity: 1 }),
      });
      expect(r.status).toBe(200);
    }
    await server.app.close();
  });

  afterAll(() => server.close());

  it('accepts an intact chain, keyed with the audit.key made next to the database', () => {
    const { code, out } = verify(`sqlite:${dbPath}`);
    // The default region's seed, the product, the cart and its five adds.
    expect(out).toContain('audit chain intact: 8 records');
    expect(out).toContain('legacyRecords: 0');
    expect(code).toBe(0);
    expect(statSync(join(dirname(dbPath), 'audit.key')).mode & 0o777).toBe(0o600);
  });

  it('cannot verify a copy of the database without its key (and makes none)', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cart-copy-'));
    try {
      const copy = join(elsewhere, 'cart.db');
      copyFileSync(dbPath, copy);
      const { code, out } = verify(`sqlite:${copy}`);
      expect(out).toContain('audit chain unverifiable from record 1: 8 records');
      expect(code).toBe(1);
      expect(existsSync(join(elsewhere, 'audit.key'))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses updates and deletes through the database triggers', () => {
    const db = new Database(dbPath);
    try {
      expect(() => db.prepare("UPDATE audit_log SET action = 'x' WHERE seq = 1").run()).toThrow(
        /append-only/,
      );
      expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  /** A copy of the intact database with `sql` run on it, triggers dropped first (an attacker with file access). */
  function tampered(name: string, sql: string): string {
    const copy = `${dbPath}.${name}.db`;
    copyFileSync(dbPath, copy);
    const db = new Database(copy);
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    db.exec(sql);
    db.close();
    return `sqlite:${copy}`;
  }

  it('names the first edited record', () => {
    const url = tampered(
      'edited',
      `UPDATE audit_log SET detail = '{"actions":[{"type":"addLine","quantity":99}]}' WHERE seq = 4`,
    );
    const { code, out } = verify(url);
    expect(code).toBe(1);
    expect(out).toContain('broken at record 4');
  });

  it('names the record after a deleted one', () => {
    const { code, out } = verify(tampered('deleted', 'DELETE FROM audit_log WHERE seq = 3'));
    expect(code).toBe(1);
    expect(out).toContain('broken at record 4');
  });

  it('names the first of two reordered records', () => {
    // Swap the contents of records 2 and 3 (hashes included), keeping their places.
    const columns =
      'at, actor_type, actor_id, request_id, client_address, action, cart_id, before_version, after_version, detail, prev_hash, hash';
    const url = tampered(
      'reordered',
      `CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (2, 3);
       UPDATE audit_log SET (${columns}) = (SELECT ${columns} FROM t WHERE t.seq = 5 - audit_log.seq) WHERE seq IN (2, 3);`,
    );
    const { code, out } = verify(url);
    expect(code).toBe(1);
    expect(out).toContain('broken at record 2');
  });
});
