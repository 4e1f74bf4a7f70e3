/**
 * Issue 10, finding 11 (in part): several instances on one database are safe by default.
 * Without SECRET, every instance used to sign CSRF tokens and dashboard sessions with a
 * random key of its own, and a logout was remembered only by the process that handled
 * it. Now, unless SECRET is set, the instances share one secret stored in the database
 * (created by whichever starts first) and one list of signed-out sessions.
 *
 * Each instance here is the real application (`buildApp`) listening on a socket of its
 * own, driven over HTTP; two of them share one SQLite file, or one PostgreSQL schema
 * created and dropped by this file. "Restarting" closes an instance and builds a new one
 * on the same database.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCart } from '@cart/core';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { ADMIN_SESSION_MAX_AGE_SECONDS } from '../../src/http/admin-session.ts';
import { SqliteStorage } from '../../src/storage/sqlite/storage.ts';
import { killAll, REPO_ROOT, startServer } from '../scale-out/processes.ts';
import { HttpClient, type Reply } from '@cart/test-support/http.ts';
import { auditKeysFor, createTestSchema, postgresUnavailable } from '../support/postgres.ts';
import { TEST_ADMIN_TOKEN } from '@cart/test-support/test-server.ts';

// On CI a missing PostgreSQL throws here: the file fails, it never skips.
const pgUnavailable = await postgresUnavailable();
if (pgUnavailable !== null)
  console.warn(`skipping the PostgreSQL shared-secret tests: ${pgUnavailable}`);

interface Instance {
  http: HttpClient;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The application on `databaseUrl`, listening on 127.0.0.1; SECRET only if `env` sets it. */
async function startInstance(databaseUrl: string, env: Record<string, string> = {}) {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    RATE_LIMITS: 'off',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    ...auditKeysFor(databaseUrl),
    ...env,
  });
  const app = await buildApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const instance: Instance = {
    http: new HttpClient(`http://127.0.0.1:${address.port}`),
    app,
    close: () => app.close(),
  };
  return instance;
}

/** A CSRF token (the value of both the cookie and the header a page sends). */
async function csrfToken(on: Instance): Promise<string> {
  const res = await on.http.get<{ token: string }>('/api/csrf');
  expect(res.status, res.text).toBe(200);
  return res.body.token;
}

async function newCart(on: Instance): Promise<CreatedCart> {
  const res = await on.http.post<CreatedCart>('/api/carts');
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** A change of a cart as the shop page makes it: cookies, CSRF token, same origin. */
function pageChange(on: Instance, cart: CreatedCart, csrf: string): Promise<Reply> {
  return on.http.patch(`/api/carts/${cart.id}`, {
    headers: {
      cookie: `cart_token=${cart.token}; csrf_token=${csrf}`,
      'x-csrf-token': csrf,
      'sec-fetch-site': 'same-origin',
    },
    body: { note: 'from the page' },
  });
}

/** Signs in to the dashboard; the `admin_session=<value>` pair for a Cookie header. */
async function signIn(on: Instance): Promise<string> {
  const res = await on.http.post('/api/admin/session', { body: { token: TEST_ADMIN_TOKEN } });
  expect(res.status, res.text).toBe(204);
  const pair = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('admin_session='));
  if (!pair) throw new Error('no admin_session cookie');
  return pair;
}

/** 200 when the session cookie is accepted, 401 when it is not. */
async function sessionStatus(on: Instance, cookie: string): Promise<number> {
  return (await on.http.get('/api/admin/session', { headers: { cookie } })).status;
}

async function signOut(on: Instance, cookie: string): Promise<void> {
  const res = await on.http.delete('/api/admin/session', { headers: { cookie } });
  expect(res.status, res.text).toBe(204);
}

/** The session id and expiry (epoch seconds) in `admin_session=v1.<id>.<expiry>.<mac>`. */
function sessionParts(cookie: string): { id: string; expiresAt: number } {
  const [, id = '', exp = ''] = cookie.slice('admin_session='.length).split('.');
  return { id, expiresAt: Number(exp) };
}

interface Backend {
  name: string;
  skip: boolean;
  /** A fresh, empty database: its DATABASE_URL, and how to remove it. */
  create(): Promise<{ url: string; drop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite (one file)',
    skip: false,
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'cart-shared-'));
      return Promise.resolve({
        url: `sqlite:${join(dir, 'cart.db')}`,
        drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'PostgreSQL (one schema)',
    skip: pgUnavailable !== null,
    create: async () => {
      const schema = await createTestSchema();
      return { url: schema.databaseUrl, drop: () => schema.drop() };
    },
  },
];

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`several instances on ${backend.name}, no SECRET`, () => {
    let database: { url: string; drop(): Promise<void> } | undefined;
    let a: Instance;
    let b: Instance;
    const url = () => database?.url ?? '';

    /** Closes A and starts it again on the same database. */
    async function restartA(): Promise<void> {
      await a.close();
      a = await startInstance(url());
    }

    beforeAll(async () => {
      database = await backend.create();
      // Started together on an empty database: they must still agree on one secret.
      [a, b] = await Promise.all([startInstance(url()), startInstance(url())]);
    });

    afterAll(async () => {
      await Promise.all([a, b].map((i) => i?.close()));
      await database?.drop();
    });

    it('accepts a CSRF token issued by one instance on the other, and after a restart', async () => {
      const cart = await newCart(a);
      const fromA = await csrfToken(a);
      const onB = await pageChange(b, cart, fromA);
      expect(onB.status, onB.text).toBe(200);
      const fromB = await csrfToken(b);
      const onA = await pageChange(a, cart, fromB);
      expect(onA.status, onA.text).toBe(200);

      await restartA();
      const afterRestart = await pageChange(a, cart, fromA);
      expect(afterRestart.status, afterRestart.text).toBe(200);
      // Still a signed token: one the servers did not sign is refused.
      const forged = `${fromA.split('.')[0] ?? ''}.${'A'.repeat(43)}`;
      expect((await pageChange(b, cart, forged)).status).toBe(403);
    });

    it('honours a dashboard session on every instance, and after a restart', async () => {
      const cookie = await signIn(a);
      expect(await sessionStatus(b, cookie)).toBe(200);
      // A change by cookie on B, with the CSRF token A's page was given.
      const csrf = await csrfToken(a);
      const created = await b.http.post('/api/admin/products', {
        headers: {
          cookie: `${cookie}; csrf_token=${csrf}`,
          'x-csrf-token': csrf,
          'sec-fetch-site': 'same-origin',
        },
        body: {
          sku: `SHARED-${Date.now()}`,
          name: 'Shared mug',
          description: '',
          price: { amount: 1000, currency: 'USD' },
          stock: null,
          maxPerOrder: null,
          imageUrl: null,
        },
      });
      expect(created.status, created.text).toBe(201);

      await restartA();
      expect(await sessionStatus(a, cookie)).toBe(200);
    });

    it('ends a session everywhere when it signs out on one instance, for good', async () => {
      const cookie = await signIn(a);
      const other = await signIn(b);
      expect(await sessionStatus(a, cookie)).toBe(200);

      await signOut(b, cookie);
      expect(await sessionStatus(a, cookie)).toBe(401);
      expect(await sessionStatus(b, cookie)).toBe(401);
      await restartA();
      expect(await sessionStatus(a, cookie)).toBe(401);
      // Only that session: another one, from either instance, still works.
      expect(await sessionStatus(a, other)).toBe(200);
      expect(await sessionStatus(b, other)).toBe(200);
    });

    it('keeps a signed-out session on record until it would have expired, then sweeps it', async () => {
      const cookie = await signIn(b);
      await signOut(a, cookie);
      const { id, expiresAt } = sessionParts(cookie);
      expect(await a.app.storage.isAdminSessionRevoked(id)).toBe(true);
      // The sweep (any instance's) keeps it while the session could still be presented…
      await b.app.sweep(new Date((expiresAt - 60) * 1000));
      expect(await a.app.storage.isAdminSessionRevoked(id)).toBe(true);
      // …and removes it once the session has expired on its own.
      await b.app.sweep(new Date((expiresAt + 1) * 1000));
      expect(await a.app.storage.isAdminSessionRevoked(id)).toBe(false);
      expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(ADMIN_SESSION_MAX_AGE_SECONDS);
    });

    it('lets SECRET, when set, win over the stored secret', async () => {
      const SECRET = 'an-operator-chosen-secret-of-32-characters-or-more';
      const [withSecret, sibling] = await Promise.all([
        startInstance(url(), { SECRET }),
        startInstance(url(), { SECRET }),
      ]);
      const rotated = await startInstance(url(), { SECRET: `${SECRET}-rotated` });
      try {
        const cart = await newCart(withSecret);
        const token = await csrfToken(withSecret);
        const cookie = await signIn(withSecret);
        // Instances sharing SECRET accept each other's tokens and sessions…
        expect((await pageChange(sibling, cart, token)).status).toBe(200);
        expect(await sessionStatus(sibling, cookie)).toBe(200);
        // …those without it (the stored secret) or with another one do not.
        for (const other of [b, rotated]) {
          expect((await pageChange(other, cart, token)).status).toBe(403);
          expect(await sessionStatus(other, cookie)).toBe(401);
        }
        expect((await pageChange(withSecret, cart, await csrfToken(b))).status).toBe(403);
        expect(await sessionStatus(withSecret, await signIn(b))).toBe(401);
      } finally {
        await Promise.all([withSecret, sibling, rotated].map((i) => i.close()));
      }
    });
  });
}

describe('an instance that cannot get the shared secret', () => {
  let dir: string;
  let databaseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-shared-refuse-'));
    const path = join(dir, 'cart.db');
    databaseUrl = `sqlite:${path}`;
    // A migrated database that refuses to keep a secret (as a read-only replica would).
    await new SqliteStorage(path).close();
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER no_secret BEFORE INSERT ON server_secrets
              BEGIN SELECT RAISE(ABORT, 'this database takes no writes'); END`);
    raw.close();
  });

  afterAll(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails buildApp with a message that says what to do', async () => {
    const storage = new SqliteStorage(databaseUrl.slice('sqlite:'.length));
    try {
      const config = loadConfig({
        DATABASE_URL: databaseUrl,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'silent',
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      });
      await expect(buildApp(config, { storage })).rejects.toThrow(
        /^the shared secret \(for CSRF tokens and dashboard sessions\) could not be read or stored in the database: this database takes no writes\. Fix the database, or set SECRET/,
      );
      // Nothing was stored, and the storage passed in is left open for its owner.
      const raw = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true });
      expect(raw.prepare('SELECT count(*) AS n FROM server_secrets').get()).toEqual({ n: 0 });
      raw.close();
      expect(await storage.ping()).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it('refuses to start, with one clear line, unless SECRET is set', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@cart/source', '--import', 'tsx', 'packages/server/src/server.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATABASE_URL: databaseUrl,
          PORT: '0',
          HOST: '127.0.0.1',
          SEED_DEMO: 'false',
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.once('exit', done));

    expect(code, stderr).toBe(1);
    expect(stdout).not.toContain('cart server listening');
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^cannot start: .*shared secret.*this database takes no writes.*SECRET/,
    );

    // SECRET set: the database's secret is not needed, and the same database serves.
    const server = await startServer('with SECRET', {
      DATABASE_URL: databaseUrl,
      SECRET: 'an-operator-chosen-secret-of-32-characters-or-more',
    });
    const csrf = await new HttpClient(server.url).get('/api/csrf');
    expect(csrf.status, csrf.text).toBe(200);
  }, 60_000);
});
