/**
 * The SQLite adapter: the storage contract on a temporary database file (each reopen
 * opens that file again), and what only SQLite has — an in-memory database, the folder
 * created on first open, and the triggers that keep the audit log append-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CartState } from '@cart/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cartState,
  createCart,
  entry,
  next,
  plan,
  productFixture,
} from '../../../test/storage-contract/fixtures.ts';
import { WriteConflictError, type AnalyticsEvent, type OrderRecord } from '../port.ts';
import { defineStorageContract } from '../../../test/storage-contract/storage-contract.ts';
import { SqliteStorage } from './storage.ts';

interface EventRow {
  at: string;
  type: AnalyticsEvent['type'];
  cart_id: string;
  product_id: string | null;
  quantity: number | null;
  amount: number | null;
  currency: string | null;
}

interface OrderRow {
  id: string;
  number: number;
  cart_id: string;
  total_amount: number;
  currency: string;
  cart: string;
  created_at: string;
}

/** A database file in a folder that does not exist yet (the adapter creates it). */
function tempDatabase(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cart-sqlite-'));
  return {
    path: join(dir, 'nested', 'cart.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

defineStorageContract('sqlite', () => {
  const db = tempDatabase();
  const storage = new SqliteStorage(db.path);
  const opened = [storage];
  const others: { remove(): void }[] = [];
  // A second connection, read-only, for what the port writes but never reads back.
  const peek = new Database(db.path, { readonly: true });
  return Promise.resolve({
    storage,
    reopen(auditKeys) {
      const again = new SqliteStorage(db.path, auditKeys ? { auditKeys } : {});
      opened.push(again);
      return Promise.resolve(again);
    },
    events: (cartId) =>
      Promise.resolve(
        peek
          .prepare<[string], EventRow>(
            'SELECT * FROM analytics_events WHERE cart_id = ? ORDER BY id',
          )
          .all(cartId)
          .map((r): AnalyticsEvent => ({
            at: r.at,
            type: r.type,
            cartId: r.cart_id,
            productId: r.product_id,
            quantity: r.quantity,
            amount: r.amount,
            currency: r.currency as AnalyticsEvent['currency'],
          })),
      ),
    orders: (cartId) =>
      Promise.resolve(
        peek
          .prepare<[string], OrderRow>('SELECT * FROM orders WHERE cart_id = ?')
          .all(cartId)
          .map((r): OrderRecord => ({
            id: r.id,
            number: r.number,
            cartId: r.cart_id,
            total: r.total_amount,
            currency: r.currency,
            cart: JSON.parse(r.cart) as unknown,
            createdAt: r.created_at,
          })),
      ),
    emptyDatabase(instances) {
      const other = tempDatabase();
      others.push(other);
      // The first creates the file and its audit key; the others open both.
      const adapters = Array.from({ length: instances }, () => new SqliteStorage(other.path));
      opened.push(...adapters);
      return Promise.resolve(adapters);
    },
    async cleanup() {
      peek.close();
      for (const s of opened) await s.close();
      db.remove();
      for (const other of others) other.remove();
    },
  });
});

describe('SqliteStorage', () => {
  const db = tempDatabase();
  let storage: SqliteStorage;

  beforeAll(() => {
    storage = new SqliteStorage(db.path);
  });

  afterAll(async () => {
    await storage.close();
    db.remove();
  });

  it('opens an in-memory database, migrated and empty', async () => {
    const memory = new SqliteStorage(':memory:');
    try {
      expect(memory.dialect).toBe('sqlite');
      expect(await memory.countProducts()).toBe(0);
      expect(await memory.ping()).toBe(true);
    } finally {
      await memory.close();
    }
  });

  it('syncs every commit (synchronous = FULL) unless told `normal`; it answers reads from a second connection', async () => {
    const synchronous = (storage: SqliteStorage) =>
      (storage as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true });
    const full = new SqliteStorage(db.path);
    const normal = new SqliteStorage(db.path, { synchronous: 'normal' });
    try {
      expect(synchronous(full)).toBe(2);
      expect(synchronous(normal)).toBe(1);
      const { db: writer, reader } = full as unknown as Record<string, Database.Database>;
      expect(reader).not.toBe(writer);
      expect(reader?.pragma('query_only', { simple: true })).toBe(1);
    } finally {
      await full.close();
      await normal.close();
    }
  });

  it('starts a change from the state it committed last, unless the row has moved on or the change was undone', async () => {
    const own = tempDatabase();
    const storage = new SqliteStorage(own.path);
    const loaded = () =>
      storage.mutate(plan(cart.id), (snapshot) => ({
        reply: snapshot.cart?.state,
        write: null,
        idempotency: null,
      }));
    const cart = await createCart(storage, cartState());
    const second = next(cart);
    try {
      await storage.mutate(plan(cart.id), () => ({
        reply: null,
        write: second,
        idempotency: null,
      }));
      // The state committed, kept as an object: the row is not parsed again.
      const kept = await loaded();
      expect(kept).toEqual(second.cart);
      expect(await loaded()).toBe(kept);
      // A change undone after it wrote the row (a lost race: its savepoint rolls back) is
      // not remembered: the next change still starts from the committed state.
      const undone = { ...next(second.cart), expectedVersion: 99 };
      await expect(
        storage.mutate(plan(cart.id), () => ({ reply: null, write: undone, idempotency: null })),
      ).rejects.toThrow(WriteConflictError);
      expect(await loaded()).toBe(kept);
      // In one group, a change starts from the state the one before it wrote.
      const third = next(kept as CartState);
      const [, seen] = await Promise.all([
        storage.mutate(plan(cart.id), () => ({ reply: null, write: third, idempotency: null })),
        loaded(),
      ]);
      expect(seen).toEqual(third.cart);
      expect(await loaded()).toBe(seen);
      // Another connection moves the row on: the change reads the row, not the old state.
      const raw = new Database(own.path);
      try {
        const row = raw.prepare('SELECT state FROM carts WHERE id = ?').get(cart.id) as {
          state: string;
        };
        const moved = { ...(JSON.parse(row.state) as object), version: 9, note: 'moved' };
        raw
          .prepare('UPDATE carts SET version = 9, state = ? WHERE id = ?')
          .run(JSON.stringify(moved), cart.id);
      } finally {
        raw.close();
      }
      expect(await loaded()).toMatchObject({ version: 9, note: 'moved' });
    } finally {
      await storage.close();
      own.remove();
    }
  });

  it('applies each migration once, however often the file is opened', async () => {
    await new SqliteStorage(db.path).close();
    await new SqliteStorage(db.path).close();
    const raw = new Database(db.path, { readonly: true });
    try {
      expect(raw.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([
        { version: 1, name: '001_init.sql' },
        { version: 2, name: '002_monitoring.sql' },
        { version: 3, name: '003_idempotency_per_cart.sql' },
        { version: 4, name: '004_audit_keys.sql' },
        { version: 5, name: '005_shared_secrets.sql' },
        { version: 6, name: '006_idempotency_cart_order.sql' },
        { version: 7, name: '007_regions.sql' },
        { version: 8, name: '008_order_numbers.sql' },
        { version: 9, name: '009_refusals.sql' },
      ]);
    } finally {
      raw.close();
    }
  });

  it('refuses updates and deletes of the audit log in the database itself', async () => {
    await storage.createProduct(productFixture(), entry('admin.product.create'));
    const raw = new Database(db.path);
    try {
      expect(() => raw.prepare("UPDATE audit_log SET action = 'x'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    expect(await storage.readAuditChain(0, 10)).toHaveLength(1);
  });
});
