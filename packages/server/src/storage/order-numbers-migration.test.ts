/**
 * Migration 008 (order numbers) on a database that a server of schema 007 wrote, in both
 * dialects: the orders placed before are numbered in the order they were placed (by
 * time, then id), and the next order gets the number after them; a number is unique.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_ROOT } from '../paths.ts';
import {
  createTestSchema,
  postgresUnavailable,
  type TestSchema,
} from '../../test/support/postgres.ts';
import { TEST_AUDIT_KEYS } from '../../test/storage-contract/fixtures.ts';
import { PostgresStorage } from './postgres/storage.ts';
import { SqliteStorage } from './sqlite/storage.ts';

/** The SQL files of a dialect up to 007, in order, as its runner reads them. */
function migrationsUpTo007(dialect: 'sqlite' | 'postgres') {
  const dir = join(SERVER_ROOT, 'src', 'storage', dialect, 'migrations');
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f) && Number(f.slice(0, 3)) <= 7)
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

const SCHEMA_MIGRATIONS =
  'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';
const AT = '2026-01-01T00:00:00.000Z';

/** Orders as schema 007 stored them (id, placed at), listed out of the order placed. */
const ORDERS: [string, string][] = [
  ['order-c', '2026-03-01T00:00:00.000Z'],
  ['order-b', '2026-02-01T00:00:00.000Z'],
  ['order-a', '2026-02-01T00:00:00.000Z'],
];
const INSERT_ORDER = `INSERT INTO orders (id, cart_id, total_amount, currency, cart, created_at)
  VALUES ($1, $2, 1000, 'USD', '{}', $3)`;
/** Numbered by time, then by id. */
const NUMBERED = [
  { id: 'order-a', number: 1 },
  { id: 'order-b', number: 2 },
  { id: 'order-c', number: 3 },
];

const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping migration 008 on PostgreSQL: ${unavailable}`);

describe('migration 008 on a database of schema 007', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cart-008-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'cart.db');
    const old = new Database(path);
    old.exec(SCHEMA_MIGRATIONS);
    for (const m of migrationsUpTo007('sqlite')) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, AT);
    }
    for (const [id, at] of ORDERS)
      old.prepare(INSERT_ORDER.replace(/\$\d/g, '?')).run(id, `cart-${id}`, at);
    old.close();

    const storage = new SqliteStorage(path, { auditKeys: TEST_AUDIT_KEYS });
    cleanups.push(() => storage.close());
    const peek = new Database(path);
    cleanups.push(() => void peek.close());
    expect(peek.prepare('SELECT id, number FROM orders ORDER BY number').all()).toEqual(NUMBERED);
    expect(() =>
      peek
        .prepare(
          `INSERT INTO orders (id, number, cart_id, total_amount, currency, cart, created_at)
           VALUES ('twin', 3, 'cart-twin', 1, 'USD', '{}', '${AT}')`,
        )
        .run(),
    ).toThrow(/UNIQUE/);
  });

  it.skipIf(unavailable !== null)('PostgreSQL', async () => {
    const schema: TestSchema = await createTestSchema();
    cleanups.push(() => schema.drop());
    const old = new pg.Client({ connectionString: schema.databaseUrl });
    await old.connect();
    cleanups.push(() => old.end());
    await old.query('BEGIN');
    await old.query(SCHEMA_MIGRATIONS);
    for (const m of migrationsUpTo007('postgres')) {
      await old.query(m.sql);
      await old.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [m.version, m.name, AT]);
    }
    for (const [id, at] of ORDERS) await old.query(INSERT_ORDER, [id, `cart-${id}`, at]);
    await old.query('COMMIT');

    const storage = new PostgresStorage({
      connectionString: schema.databaseUrl,
      poolMax: 2,
      auditKeys: TEST_AUDIT_KEYS,
    });
    cleanups.push(() => storage.close());
    await storage.migrate();
    const numbered = await old.query<{ id: string; number: string }>(
      'SELECT id, number FROM orders ORDER BY number',
    );
    expect(numbered.rows.map((r) => ({ id: r.id, number: Number(r.number) }))).toEqual(NUMBERED);
    // The sequence goes on after them.
    const next = await old.query<{ n: string }>("SELECT nextval('order_numbers') AS n");
    expect(Number(next.rows[0]?.n)).toBe(4);
    await expect(
      old.query(
        `INSERT INTO orders (id, number, cart_id, total_amount, currency, cart, created_at)
         VALUES ('twin', 3, 'cart-twin', 1, 'USD', '{}', '${AT}')`,
      ),
    ).rejects.toThrow(/duplicate key/);
  });
});
