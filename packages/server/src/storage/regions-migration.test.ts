/**
 * Migration 007 (regions, shipping and currencies) on a database that a server of schema
 * 006 wrote, in both dialects: the migrations up to 006 applied as their runner applies
 * them, rows written as that server wrote them, then an adapter opened on it. What it
 * stored must read back as it meant it: carts in the region `default` (and adopted by the
 * default region once the first regions are seeded, with the tax rule that priced them),
 * fixed codes and codes with a minimum in USD, products sold in USD only and shipped.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Region } from '@cart/core';
import { SERVER_ROOT } from '../paths.ts';
import {
  createTestSchema,
  postgresUnavailable,
  type TestSchema,
} from '../../test/support/postgres.ts';
import { AT, LATER, TEST_AUDIT_KEYS, entry } from '../../test/storage-contract/fixtures.ts';
import type { Storage } from './port.ts';
import { PostgresStorage } from './postgres/storage.ts';
import { SqliteStorage } from './sqlite/storage.ts';

/** The SQL files of a dialect up to 006, in order, as its runner reads them. */
function migrationsUpTo006(
  dialect: 'sqlite' | 'postgres',
): { version: number; name: string; sql: string }[] {
  const dir = join(SERVER_ROOT, 'src', 'storage', dialect, 'migrations');
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f) && Number(f.slice(0, 3)) <= 6)
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f,
      sql: readFileSync(join(dir, f), 'utf8'),
    }));
}

const SCHEMA_MIGRATIONS =
  'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/** A cart as a server of schema 006 stored it: no region, tax rule, shipping; old lines and codes. */
const LEGACY_CART = {
  id: 'legacy-cart',
  version: 3,
  status: 'active',
  currency: 'USD',
  lines: [
    {
      id: 'line-1',
      productId: 'mug',
      sku: 'MUG-1',
      name: 'Mug',
      quantity: 2,
      unitPrice: { amount: 1400, currency: 'USD' },
      attributes: {},
    },
  ],
  discounts: [{ code: 'SAVE5', kind: 'fixed', value: 500, minSubtotal: null, combinable: true }],
  note: '',
  email: null,
  createdAt: AT,
  updatedAt: AT,
  expiresAt: LATER,
  appliedActionIds: ['a1'],
};

/** The rows, with positional parameters in the order of each statement. */
const ROWS: [string, unknown[]][] = [
  [
    `INSERT INTO products (id, sku, name, description, price_amount, currency, stock, max_per_order, image_url, created_at, updated_at)
     VALUES ('mug', 'MUG-1', 'Mug', '', 1400, 'USD', NULL, NULL, NULL, '${AT}', '${AT}')`,
    [],
  ],
  ...[
    ['SAVE5', 'fixed', 500, null],
    ['TEN', 'percent', 1000, null],
    ['BIG', 'percent', 2000, 15000],
  ].map(([code, kind, value, min]): [string, unknown[]] => [
    `INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit, times_used, combinable, created_at)
     VALUES ($1, $2, $3, $4, NULL, NULL, NULL, 0, $5, '${AT}')`,
    [code, kind, value, min, true],
  ]),
];

/** What every dialect must read back, and a default region seeded afterwards. */
async function expectUpgraded(storage: Storage, rawState: () => Promise<unknown>) {
  expect(await rawState()).toMatchObject({ regionId: 'default' });
  expect(await storage.getProduct('mug')).toMatchObject({
    price: { amount: 1400, currency: 'USD' },
    prices: [{ amount: 1400, currency: 'USD' }],
    // Not shipped: its orders never needed an address, and checkout keeps working.
    requiresShipping: false,
  });
  expect(await storage.getDiscount('SAVE5')).toMatchObject({ currency: 'USD' });
  expect(await storage.getDiscount('TEN')).toMatchObject({ currency: null });
  expect(await storage.getDiscount('BIG')).toMatchObject({ currency: 'USD' });
  const cart = (await storage.getCart('legacy-cart'))?.state;
  expect(cart).toEqual({
    ...LEGACY_CART,
    regionId: 'default',
    country: null,
    shippingAddress: null,
    shippingOption: null,
    taxRateBps: 0,
    taxInclusive: false,
    lines: [{ ...LEGACY_CART.lines[0], requiresShipping: false }],
    discounts: [{ ...LEGACY_CART.discounts[0], currency: null }],
  });

  // The first start's region, from CURRENCY and TAX_RATE_BPS: the cart keeps the tax it was priced with.
  const region: Region = {
    id: 'default',
    name: 'Default',
    currency: 'USD',
    countries: [],
    taxRateBps: 825,
    taxInclusive: false,
    default: true,
  };
  expect(await storage.seedRegions([{ region, audit: entry('seed.region.create') }], [])).toBe(
    true,
  );
  expect((await storage.getCart('legacy-cart'))?.state).toEqual({ ...cart, taxRateBps: 825 });
}

const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping migration 007 on PostgreSQL: ${unavailable}`);

describe('migration 007 on a database of schema 006', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cart-007-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'cart.db');
    const old = new Database(path);
    old.exec(SCHEMA_MIGRATIONS);
    for (const m of migrationsUpTo006('sqlite')) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, AT);
    }
    for (const [sql, params] of ROWS)
      old.prepare(sql.replace(/\$\d/g, '?')).run(...params.map((p) => (p === true ? 1 : p)));
    old
      .prepare(
        `INSERT INTO carts (id, token_hash, version, status, state, created_at, updated_at, expires_at)
         VALUES ('legacy-cart', x'00', 3, 'active', ?, '${AT}', '${AT}', '${LATER}')`,
      )
      .run(JSON.stringify(LEGACY_CART));
    old.close();

    const storage = new SqliteStorage(path, { auditKeys: TEST_AUDIT_KEYS });
    cleanups.push(() => storage.close());
    const peek = new Database(path, { readonly: true });
    cleanups.push(() => void peek.close());
    await expectUpgraded(storage, () =>
      Promise.resolve(
        JSON.parse(
          (peek.prepare('SELECT state FROM carts').get() as { state: string }).state,
        ) as unknown,
      ),
    );
  });

  it.skipIf(unavailable !== null)('PostgreSQL', async () => {
    const schema: TestSchema = await createTestSchema();
    cleanups.push(() => schema.drop());
    const old = new pg.Client({ connectionString: schema.databaseUrl });
    await old.connect();
    cleanups.push(() => old.end());
    await old.query('BEGIN');
    await old.query(SCHEMA_MIGRATIONS);
    for (const m of migrationsUpTo006('postgres')) {
      await old.query(m.sql);
      await old.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [m.version, m.name, AT]);
    }
    for (const [sql, params] of ROWS) await old.query(sql, params);
    await old.query(
      `INSERT INTO carts (id, token_hash, version, status, state, created_at, updated_at, expires_at)
       VALUES ('legacy-cart', '\\x00', 3, 'active', $1, '${AT}', '${AT}', '${LATER}')`,
      [JSON.stringify(LEGACY_CART)],
    );
    await old.query('COMMIT');

    const storage = new PostgresStorage({
      connectionString: schema.databaseUrl,
      poolMax: 2,
      auditKeys: TEST_AUDIT_KEYS,
    });
    cleanups.push(() => storage.close());
    await storage.migrate();
    await expectUpgraded(
      storage,
      async () => (await old.query<{ state: unknown }>('SELECT state FROM carts')).rows[0]?.state,
    );
  });
});
