// Over 400 lines on purpose: one PostgreSQL schema per run, shared by the contract and
// the PostgreSQL-only tests (round trips, queues, group commits, several instances).
/**
 * The PostgreSQL adapter against a real PostgreSQL: the storage contract on a fresh
 * schema, then what only PostgreSQL has — several instances migrating one schema at once,
 * schemas chosen through search_path, conditional writes losing races to other
 * processes, deadlock retries, broken connections, and one audit chain however many
 * processes append to it.
 *
 * On a developer's machine without PostgreSQL these tests are skipped with a warning; on
 * CI (CI=true) `postgresUnavailable` throws, so the file fails instead. One file, over
 * 400 lines, on purpose: every test here shares one schema and the helpers that watch
 * its sessions (`waitForLockWaiters`).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../audit/chain.ts';
import {
  createTestSchema,
  dropSchema,
  newSchemaName,
  postgresUnavailable,
  schemaUrl,
  testUser,
  type TestSchema,
} from '../../../test/support/postgres.ts';
import {
  cartState,
  createCart,
  entry,
  idempotencyRecord,
  line,
  next,
  plan,
  productFixture,
  tokenHash,
  writes,
  AT,
  TEST_AUDIT_KEYS,
} from '../../../test/storage-contract/fixtures.ts';
import { WriteConflictError, type AnalyticsEvent, type OrderRecord } from '../port.ts';
import { defineStorageContract } from '../../../test/storage-contract/storage-contract.ts';
import { isStorageUnavailable } from '../unavailable.ts';
import { firstSearchPathEntry } from './migrations.ts';
import { pgTypes } from './connection.ts';
import { PostgresStorage } from './storage.ts';

const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping the PostgreSQL adapter tests: ${unavailable}`);

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
  cart: unknown;
  created_at: string;
}

describe.skipIf(unavailable !== null)('PostgresStorage', () => {
  defineStorageContract('postgres', async () => {
    const schema = await createTestSchema();
    const others: TestSchema[] = [];
    const opened: PostgresStorage[] = [];
    const open = async (auditKeys = TEST_AUDIT_KEYS, databaseUrl = schema.databaseUrl) => {
      const s = new PostgresStorage({ connectionString: databaseUrl, poolMax: 4, auditKeys });
      opened.push(s);
      await s.migrate();
      return s;
    };
    const storage = await open();
    // A pool of its own, with the adapter's type parsers, for what the port never reads.
    const peek = new pg.Pool({ connectionString: schema.databaseUrl, max: 2, types: pgTypes });
    return {
      storage,
      reopen: (auditKeys) => open(auditKeys),
      async emptyDatabase(instances) {
        const other = await createTestSchema();
        others.push(other);
        const adapters: PostgresStorage[] = [];
        for (let i = 0; i < instances; i++)
          adapters.push(await open(TEST_AUDIT_KEYS, other.databaseUrl));
        return adapters;
      },
      events: async (cartId) =>
        (
          await peek.query<EventRow>(
            'SELECT * FROM analytics_events WHERE cart_id = $1 ORDER BY id',
            [cartId],
          )
        ).rows.map((r): AnalyticsEvent => ({
          at: r.at,
          type: r.type,
          cartId: r.cart_id,
          productId: r.product_id,
          quantity: r.quantity,
          amount: r.amount,
          currency: r.currency as AnalyticsEvent['currency'],
        })),
      orders: async (cartId) =>
        (await peek.query<OrderRow>('SELECT * FROM orders WHERE cart_id = $1', [cartId])).rows.map(
          (r): OrderRecord => ({
            id: r.id,
            number: r.number,
            cartId: r.cart_id,
            total: r.total_amount,
            currency: r.currency,
            cart: r.cart,
            createdAt: r.created_at,
          }),
        ),
      async cleanup() {
        await Promise.all([...opened.map((s) => s.close()), peek.end()]);
        await Promise.all([schema, ...others].map((s) => s.drop()));
      },
    };
  });
});

describe.skipIf(unavailable !== null)('PostgresStorage, PostgreSQL only', () => {
  let schema: TestSchema;
  let a: PostgresStorage;
  let b: PostgresStorage;
  let raw: pg.Pool;

  beforeAll(async () => {
    schema = await createTestSchema();
    // Named after the schema, so that lock waits of this file's sessions can be told apart.
    const url = `${schema.databaseUrl}&application_name=${schema.schema}`;
    a = new PostgresStorage({ connectionString: url, auditKeys: TEST_AUDIT_KEYS });
    b = new PostgresStorage({ connectionString: url, auditKeys: TEST_AUDIT_KEYS });
    await Promise.all([a.migrate(), b.migrate()]);
    raw = new pg.Pool({ connectionString: schema.databaseUrl, max: 4 });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), raw?.end()]);
    await schema?.drop();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await raw.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]?.n);

  describe('migrations', () => {
    it('apply once when several instances start at once, and again is a no-op', async () => {
      const user = await testUser();
      const fresh = newSchemaName();
      const bystander = await createTestSchema();
      // The first schema in search_path does not exist yet: migrate creates it, and
      // nothing at all in the second one.
      const url = schemaUrl(user, `${fresh},${bystander.schema}`);
      const instances = [1, 2, 3].map(
        () => new PostgresStorage({ connectionString: url, auditKeys: TEST_AUDIT_KEYS }),
      );
      try {
        await Promise.all(instances.map((s) => s.migrate()));
        await instances[0]?.migrate();
        const inFresh = await raw.query<{ version: number; name: string }>(
          `SELECT version, name FROM ${fresh}.schema_migrations`,
        );
        expect(inFresh.rows).toEqual([
          { version: 1, name: '001_init.sql' },
          { version: 2, name: '002_monitoring.sql' },
          { version: 3, name: '003_idempotency_per_cart.sql' },
          { version: 4, name: '004_audit_keys.sql' },
          { version: 5, name: '005_shared_secrets.sql' },
          { version: 6, name: '006_audit_chain_head.sql' },
          { version: 7, name: '007_regions.sql' },
          { version: 8, name: '008_order_numbers.sql' },
          { version: 9, name: '009_refusals.sql' },
        ]);
        const leaked = await raw.query(
          'SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1',
          [bystander.schema],
        );
        expect(leaked.rows).toEqual([]);
        expect(await instances[1]?.countProducts()).toBe(0);
      } finally {
        await Promise.all(instances.map((s) => s.close()));
        await dropSchema(fresh);
        await bystander.drop();
      }
    });

    it('reads the schema from search_path as PostgreSQL does', () => {
      expect(firstSearchPathEntry('cart_a, public')).toBe('cart_a');
      expect(firstSearchPathEntry('"$user", public')).toBe('$user');
      expect(firstSearchPathEntry('"Odd, ""Name""",x')).toBe('Odd, "Name"');
      expect(firstSearchPathEntry('Shop')).toBe('shop');
      expect(firstSearchPathEntry('  ')).toBeNull();
    });

    it('migrates into the first schema that exists when search_path starts with "$user"', async () => {
      const user = await testUser();
      const target = await createTestSchema();
      const s = new PostgresStorage({
        auditKeys: TEST_AUDIT_KEYS,
        connectionString: schemaUrl(user, `"$user",${target.schema}`),
      });
      try {
        await s.migrate();
        const applied = await raw.query<{ version: number }>(
          `SELECT version FROM ${target.schema}.schema_migrations`,
        );
        expect(applied.rows).toEqual([
          { version: 1 },
          { version: 2 },
          { version: 3 },
          { version: 4 },
          { version: 5 },
          { version: 6 },
          { version: 7 },
          { version: 8 },
          { version: 9 },
        ]);
        expect(await s.countProducts()).toBe(0);
      } finally {
        await s.close();
        await target.drop();
      }
    });

    it('refuses to migrate when search_path names no schema that exists', async () => {
      const user = await testUser();
      const s = new PostgresStorage({
        auditKeys: TEST_AUDIT_KEYS,
        connectionString: `${schemaUrl(user, '"$user"')}&application_name=nouser`,
      });
      try {
        await expect(s.migrate()).rejects.toThrow(/no schema to migrate/);
      } finally {
        await s.close();
      }
    });
  });

  describe('mutate across processes', () => {
    it('lets one of two processes take the last unit; the other gets a stock conflict', async () => {
      const p = productFixture({ stock: 1 });
      await a.createProduct(p, entry('admin.product.create'));
      const carts = [cartState({ lines: [line(p, 1)] }), cartState({ lines: [line(p, 1)] })];
      for (const c of carts) await createCart(a, c);
      // Hold the product row so that both checkouts read stock 1 and then queue on it.
      const holder = await raw.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [p.id]);
      const results = Promise.allSettled(
        carts.map((c, i) =>
          (i === 0 ? a : b).mutate(
            plan(c.id),
            writes(
              next(c, {
                cart: { ...c, version: 2, status: 'checked_out' },
                reserveStock: [{ productId: p.id, quantity: 1 }],
              }),
            ),
          ),
        ),
      );
      await waitForLockWaiters(2);
      await holder.query('COMMIT');
      holder.release();
      const settled = await results;
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = settled.find((r) => r.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(WriteConflictError);
      expect((lost?.reason as WriteConflictError).reason).toBe('stock');
      expect((await a.getProduct(p.id))?.stock).toBe(0);
    });

    it('lets one of two processes commit an Idempotency-Key; the other gets a conflict', async () => {
      const key = randomUUID();
      // An uncommitted insert of the key: both mutations see no record, then queue on it.
      const holder = await raw.connect();
      await holder.query('BEGIN');
      await holder.query(
        "INSERT INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at) VALUES ($1, 'x', 'x', $2, $2)",
        [key, AT],
      );
      const carts = [cartState(), cartState()];
      const results = Promise.allSettled(
        carts.map((c, i) =>
          (i === 0 ? a : b).mutate(
            plan(c.id, { idempotencyId: key }),
            writes(
              { cart: c, tokenHash: tokenHash(c.id), audit: [entry('cart.create', c.id)] },
              idempotencyRecord(key),
            ),
          ),
        ),
      );
      await waitForLockWaiters(2);
      await holder.query('ROLLBACK');
      holder.release();
      const settled = await results;
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = settled.find((r) => r.status === 'rejected');
      expect((lost?.reason as WriteConflictError).reason).toBe('idempotency');
      // The loser's cart was rolled back with it.
      expect((await Promise.all(carts.map((c) => a.getCart(c.id)))).filter(Boolean)).toHaveLength(
        1,
      );
    });

    it('lets one of two processes create under one Idempotency-Key; the other gets the key, not the sku', async () => {
      const key = randomUUID();
      const holder = await raw.connect();
      await holder.query('BEGIN');
      await holder.query(
        "INSERT INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at) VALUES ($1, 'x', 'x', $2, $2)",
        [key, AT],
      );
      // The same request on two instances: same sku, same key, a product id each.
      const sku = productFixture().sku;
      const results = Promise.allSettled(
        [a, b].map((s) =>
          s.createProduct(
            productFixture({ sku }),
            entry('admin.product.create'),
            idempotencyRecord(key),
          ),
        ),
      );
      await waitForLockWaiters(2);
      await holder.query('ROLLBACK');
      holder.release();
      const settled = await results;
      expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = settled.find((r) => r.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(WriteConflictError);
      expect((lost?.reason as WriteConflictError).reason).toBe('idempotency');
    });

    it('runs a transaction again when PostgreSQL breaks a deadlock with it', async () => {
      const p = productFixture({ stock: 5 });
      await a.createProduct(p, entry('admin.product.create'));
      const state = cartState({ lines: [line(p, 1)] });
      await createCart(a, state);
      // Another session holds the product and then wants the cart, which the mutation
      // holds while it waits for the product: a cycle. That session waits longer before
      // it looks for deadlocks, so the mutation is the one PostgreSQL aborts.
      const other = await raw.connect();
      await other.query("SET deadlock_timeout = '10s'");
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [p.id]);
      let decisions = 0;
      const mutation = a.mutate(plan(state.id), (snap) => {
        decisions += 1;
        const current = snap.cart?.state ?? state;
        return {
          reply: current.version + 1,
          write: next(current, { reserveStock: [{ productId: p.id, quantity: 1 }] }),
          idempotency: null,
        };
      });
      await waitForLockWaiters(1);
      await other.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [state.id]);
      await other.query('COMMIT');
      other.release();
      expect(await mutation).toBe(2);
      expect(decisions).toBe(2);
      expect((await a.getProduct(p.id))?.stock).toBe(4);
    });

    it('serializes 50 concurrent changes of one cart through two processes: none lost', async () => {
      const state = cartState();
      await createCart(a, state);
      const versions = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? a : b).mutate(plan(state.id, { actionIds: [`n${i}`] }), (snap) => {
            const current = snap.cart?.state ?? state;
            return {
              reply: current.version + 1,
              write: next(current, { appliedActionIds: [`n${i}`] }),
              idempotency: null,
            };
          }),
        ),
      );
      expect([...versions].sort((x, y) => x - y)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 2),
      );
      expect((await a.getCart(state.id))?.state.version).toBe(51);
      expect(await count('cart_applied_actions WHERE cart_id = $1', [state.id])).toBe(50);
    });

    it('merges two carts into each other at once without a deadlock', async () => {
      const x = cartState();
      const y = cartState();
      await createCart(a, x);
      await createCart(a, y);
      const merge = (s: PostgresStorage, target: string, source: string) =>
        s.mutate(plan(target, { sourceCartId: source }), (snap) => {
          const t = snap.cart?.state ?? x;
          const src = snap.source?.state ?? y;
          return {
            reply: null,
            write: {
              ...next(t),
              source: { state: { ...src, version: src.version + 1 }, expectedVersion: src.version },
            },
            idempotency: null,
          };
        });
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? merge(a, x.id, y.id) : merge(b, y.id, x.id))),
      );
      expect((await a.getCart(x.id))?.state.version).toBe(11);
      expect((await a.getCart(y.id))?.state.version).toBe(11);
    });

    it('discards a connection that breaks mid-transaction, and passes the failure on', async () => {
      const state = await createCart(a);
      // Hold the cart, so that the mutation waits on its lock; then end its session.
      const holder = await raw.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [state.id]);
      const mutation = a.mutate(plan(state.id), writes(next(state))).catch((e: unknown) => e);
      await waitForLockWaiters(1);
      await raw.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = $1",
        [schema.schema],
      );
      const error = await mutation;
      await holder.query('ROLLBACK');
      holder.release();
      expect(isStorageUnavailable(error)).toBe(true);
      // The broken connection left the pool; the adapter goes on with a new one.
      expect(await a.ping()).toBe(true);
      expect((await a.getCart(state.id))?.state.version).toBe(1);
      await a.mutate(plan(state.id), writes(next(state)));
      expect((await a.getCart(state.id))?.state.version).toBe(2);
    });

    it('outlives connections killed at any moment: each call answers or rejects', async () => {
      // Killed at random, a connection sometimes dies in the instant the pool hands it
      // over, before anyone has queried on it: the process must not end.
      const name = `${schema.schema}_killed`;
      const victim = new PostgresStorage({
        auditKeys: TEST_AUDIT_KEYS,
        connectionString: `${schema.databaseUrl}&application_name=${name}`,
        poolMax: 6,
      });
      const carts = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createCart(a)));
      let killing = true;
      const killer = (async () => {
        while (killing) {
          await raw.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
            [name],
          );
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        const outcomes = await Promise.all(
          carts.map(async (c) => {
            const seen: string[] = [];
            for (let i = 0; i < 40; i++) {
              const done = await victim
                .mutate(plan(c.id), (snap) => ({
                  reply: 'ok',
                  write: next(snap.cart?.state ?? c),
                  idempotency: null,
                }))
                .catch((e: unknown) => (isStorageUnavailable(e) ? 'unavailable' : String(e)));
              seen.push(done);
            }
            return seen;
          }),
        );
        expect(outcomes.flat().filter((o) => o !== 'ok' && o !== 'unavailable')).toEqual([]);
      } finally {
        killing = false;
        await killer;
      }
      // Once the killing stops, the pool has replaced what it lost.
      try {
        const [c] = carts as [(typeof carts)[number]];
        const current = (await victim.getCart(c.id))?.state ?? c;
        expect(await victim.mutate(plan(c.id), writes(next(current)))).toMatchObject({ id: c.id });
      } finally {
        await victim.close();
      }
    });
  });

  describe('mutate within one process', () => {
    /** An adapter of its own, so that its connections and statements are only these tests'. */
    let s: PostgresStorage;
    let statements: string[] = [];
    let checkedOut = 0;
    let mostCheckedOut = 0;

    beforeAll(async () => {
      s = new PostgresStorage({
        connectionString: `${schema.databaseUrl}&application_name=${schema.schema}`,
        auditKeys: TEST_AUDIT_KEYS,
        poolMax: 6,
      });
      // The pool is private: tests watch it to see what a mutation costs.
      const pool = (s as unknown as { pool: pg.Pool }).pool;
      pool.on('acquire', () => {
        checkedOut += 1;
        mostCheckedOut = Math.max(mostCheckedOut, checkedOut);
      });
      pool.on('release', () => {
        checkedOut -= 1;
      });
      // Every statement sent on the adapter's connections, by name (or text).
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        const sent = (...args: unknown[]) => {
          const [config] = args;
          statements.push(
            typeof config === 'string' ? config : ((config as { name?: string }).name ?? '?'),
          );
          return query(...args);
        };
        client.query = sent as typeof client.query;
      });
      await s.migrate();
    });

    afterAll(async () => {
      await s?.close();
    });

    const watch = () => {
      statements = [];
      mostCheckedOut = checkedOut;
    };

    it('changes a line under an Idempotency-Key in five round trips, BEGIN and COMMIT included', async () => {
      const p = productFixture();
      await s.createProduct(p, entry('admin.product.create'));
      const state = await createCart(s, cartState({ lines: [line(p, 1)] }));
      const key = randomUUID();
      watch();
      const reply = await s.mutate(
        plan(state.id, { productIds: [p.id], idempotencyId: key }),
        (snap) => {
          const current = snap.cart?.state ?? state;
          const [first] = current.lines;
          if (!first || !snap.products.get(p.id)) throw new Error('the snapshot lacks the line');
          return {
            reply: current.version + 1,
            write: next(current, {
              cart: {
                ...current,
                version: current.version + 1,
                lines: [{ ...first, quantity: 3 }],
              },
              events: [{ at: AT, type: 'quantity_changed', cartId: state.id, quantity: 2 }],
            }),
            idempotency: idempotencyRecord(key, { cartId: state.id }),
            answersPerCart: 10,
          };
        },
      );
      expect(reply).toBe(2);
      expect(statements).toEqual([
        'BEGIN ISOLATION LEVEL READ COMMITTED',
        'cart-load-waiting',
        'cart-write',
        'audit-insert',
        'COMMIT',
      ]);
      expect((await s.getCart(state.id))?.state.lines[0]?.quantity).toBe(3);
      expect(await s.getIdempotency(key)).toMatchObject({ id: key, cartId: state.id });
      // A decision that writes nothing costs the load alone.
      watch();
      await s.mutate(plan(state.id), () => ({ reply: null, write: null, idempotency: null }));
      expect(statements).toEqual([
        'BEGIN ISOLATION LEVEL READ COMMITTED',
        'cart-load-waiting',
        'COMMIT',
      ]);
    });

    it('queues concurrent changes of one cart in the process: one connection, in order, none lost', async () => {
      const state = await createCart(s);
      watch();
      const decided: number[] = [];
      const versions = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s.mutate(plan(state.id, { actionIds: [`q${i}`] }), (snap) => {
            decided.push(i);
            const current = snap.cart?.state ?? state;
            return {
              reply: current.version + 1,
              write: next(current, { appliedActionIds: [`q${i}`] }),
              idempotency: null,
            };
          }),
        ),
      );
      const sent = [...statements];
      expect(mostCheckedOut).toBe(1);
      expect(decided).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect((await s.getCart(state.id))?.state.version).toBe(21);
      expect(await count('cart_applied_actions WHERE cart_id = $1', [state.id])).toBe(20);
      // The first took over the 19 queued behind it: one transaction, two round trips
      // each, one audit append and one commit for all.
      expect(sent).toEqual([
        'BEGIN ISOLATION LEVEL READ COMMITTED',
        ...Array.from({ length: 20 }, () => ['cart-load-waiting', 'cart-write']).flat(),
        'audit-head',
        'audit-insert',
        'COMMIT',
      ]);
      const chain = await verifyChain(
        (after, limit) => s.readAuditChain(after, limit),
        s.auditKeys,
      );
      expect(chain.ok).toBe(true);
    });

    it('redoes a chain that lost a race one by one, in order: each meets its own outcome', async () => {
      const state = await createCart(s);
      const before = { ...s.groups.stats };
      const settled = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          s.mutate(plan(state.id), (snap) => {
            const current = snap.cart?.state ?? state;
            if (i === 1) throw new Error('decided badly');
            // The fourth writes from a version it never saw: a lost race, in any run.
            const from = i === 3 ? { ...current, version: 99 } : current;
            return { reply: current.version + 1, write: next(from), idempotency: null };
          }),
        ),
      );
      expect(s.groups.stats.redone - before.redone).toBe(4);
      expect(settled.map((r): unknown => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual([
        2,
        new Error('decided badly'),
        3,
        new WriteConflictError('version', state.id),
        4,
      ]);
      expect((await s.getCart(state.id))?.state.version).toBe(4);
    });

    it('commits changes of many carts arriving together as one group: one round trip per step', async () => {
      const carts = await Promise.all(Array.from({ length: 30 }, () => createCart(s)));
      const before = { ...s.groups.stats };
      watch();
      const keys = carts.map(() => randomUUID());
      const versions = await Promise.all(
        carts.map((c, i) =>
          s.mutate(plan(c.id, { idempotencyId: keys[i] ?? null }), (snap) => ({
            reply: (snap.cart?.state.version ?? 0) + 1,
            write: next(snap.cart?.state ?? c),
            idempotency: idempotencyRecord(keys[i], { cartId: c.id }),
            answersPerCart: 10,
          })),
        ),
      );
      expect(versions).toEqual(carts.map(() => 2));
      expect(s.groups.stats.groups - before.groups).toBe(1);
      expect(s.groups.stats.grouped - before.grouped).toBe(30);
      expect(statements).toEqual([
        'BEGIN ISOLATION LEVEL READ COMMITTED',
        'cart-load-skipping',
        'cart-write',
        'audit-insert',
        'COMMIT',
      ]);
      expect(mostCheckedOut).toBe(1);
      for (const c of carts) expect((await s.getCart(c.id))?.state.version).toBe(2);
      expect(await count('idempotency_keys WHERE id = ANY($1)', [keys])).toBe(30);
      const chain = await verifyChain(
        (after, limit) => s.readAuditChain(after, limit),
        s.auditKeys,
      );
      expect(chain.ok).toBe(true);
    });

    it('runs a cart with changes queued behind it as a chain beside the group of the others', async () => {
      const carts = await Promise.all(Array.from({ length: 6 }, () => createCart(s)));
      const [hot] = carts;
      if (!hot) throw new Error('no cart');
      const before = { ...s.groups.stats };
      const change = (c: typeof hot) =>
        s.mutate(plan(c.id), (snap) => ({
          reply: (snap.cart?.state.version ?? 0) + 1,
          write: next(snap.cart?.state ?? c),
          idempotency: null,
        }));
      const replies = await Promise.all([
        ...carts.map((c) => change(c)),
        ...Array.from({ length: 4 }, () => change(hot)),
      ]);
      expect(replies).toEqual([2, 2, 2, 2, 2, 2, 3, 4, 5, 6]);
      expect(s.groups.stats.chains - before.chains).toBe(1);
      expect(s.groups.stats.chained - before.chained).toBe(5);
      expect(s.groups.stats.groups - before.groups).toBe(1);
      expect(s.groups.stats.grouped - before.grouped).toBe(5);
      expect((await s.getCart(hot.id))?.state.version).toBe(6);
    });

    it('redoes a group that lost a race one by one: each meets its own outcome', async () => {
      const p = productFixture({ stock: 1 });
      await s.createProduct(p, entry('admin.product.create'));
      const carts = [cartState({ lines: [line(p, 1)] }), cartState({ lines: [line(p, 1)] })];
      for (const c of carts) await createCart(s, c);
      const before = { ...s.groups.stats };
      // Both decide on one snapshot, with one unit on hand: together they ask for two.
      const settled = await Promise.allSettled(
        carts.map((c) =>
          s.mutate(
            plan(c.id, { productIds: [p.id] }),
            writes(
              next(c, {
                cart: { ...c, version: 2, status: 'checked_out' },
                reserveStock: [{ productId: p.id, quantity: 1 }],
              }),
            ),
          ),
        ),
      );
      expect(s.groups.stats.redone - before.redone).toBe(2);
      expect(settled.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = settled.find((r) => r.status === 'rejected');
      expect(lost?.reason).toMatchObject({ reason: 'stock', subject: p.id });
      expect((await s.getProduct(p.id))?.stock).toBe(0);
    });

    it('runs a change whose cart another transaction holds on its own; the group goes on', async () => {
      const [held, x, y] = await Promise.all([createCart(s), createCart(s), createCart(s)]);
      const holder = await raw.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [held.id]);
      const change = (c: typeof held) =>
        s.mutate(plan(c.id), (snap) => ({
          reply: snap.cart?.state.version ?? 0,
          write: next(snap.cart?.state ?? c),
          idempotency: null,
        }));
      let heldDone = false;
      const waiting = change(held).then((v) => {
        heldDone = true;
        return v;
      });
      expect(await Promise.all([change(x), change(y)])).toEqual([1, 1]);
      await waitForLockWaiters(1);
      expect(heldDone).toBe(false);
      await holder.query('COMMIT');
      holder.release();
      expect(await waiting).toBe(1);
      expect((await s.getCart(held.id))?.state.version).toBe(2);
    });

    it('reads again, under the lock, what the previous holder committed while it waited', async () => {
      const state = await createCart(s);
      // Another process changes the cart (a new version, an applied action id) and
      // commits while the mutation waits for the cart: its statement's snapshot is older.
      const holder = await raw.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [state.id]);
      await holder.query(
        "UPDATE carts SET version = 2, state = jsonb_set(state, '{version}', '2') WHERE id = $1",
        [state.id],
      );
      await holder.query(
        "INSERT INTO cart_applied_actions (cart_id, action_id) VALUES ($1, 'late')",
        [state.id],
      );
      const seen = s.mutate(plan(state.id, { actionIds: ['late'] }), (snap) => ({
        reply: snap,
        write: null,
        idempotency: null,
      }));
      await waitForLockWaiters(1);
      await holder.query('COMMIT');
      holder.release();
      const snapshot = await seen;
      expect(snapshot.cart?.state.version).toBe(2);
      expect([...snapshot.appliedActionIds]).toEqual(['late']);
    });
  });

  describe('audit chain', () => {
    it('stays one unbroken chain when two processes append at once', async () => {
      const state = cartState();
      await createCart(a, state);
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        const s = i % 2 ? a : b;
        if (i % 4 === 0)
          work.push(s.createProduct(productFixture(), entry('admin.product.create', null, { i })));
        else if (i % 4 === 1)
          work.push(
            s.createDiscount(
              {
                code: `AC${i}X${randomUUID().slice(0, 6).toUpperCase()}`,
                kind: 'fixed',
                value: 1,
                minSubtotal: null,
                startsAt: null,
                endsAt: null,
                usageLimit: null,
                combinable: true,
              },
              entry('admin.discount.create'),
            ),
          );
        else
          work.push(
            s.mutate(plan(state.id), (snap) => ({
              reply: null,
              write: next(snap.cart?.state ?? state, {
                audit: [
                  entry('cart.a', state.id, { i }),
                  entry('cart.b', state.id, { nested: { z: 1, a: [i] } }),
                ],
              }),
              idempotency: null,
            })),
          );
      }
      await Promise.all(work);
      const total = await count('audit_log');
      const result = await verifyChain(
        (after, limit) => b.readAuditChain(after, limit),
        b.auditKeys,
        {
          pageSize: 7,
        },
      );
      expect(result).toMatchObject({ ok: true, count: total });
    });

    it('refuses updates, deletes and truncation in the database itself', async () => {
      await a.createProduct(productFixture(), entry('admin.product.create'));
      await expect(raw.query("UPDATE audit_log SET action = 'x'")).rejects.toThrow(/append-only/);
      await expect(raw.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      await expect(raw.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    });
  });

  describe('lifecycle', () => {
    it('answers ping false, without throwing, when nothing listens', async () => {
      const s = new PostgresStorage({
        auditKeys: TEST_AUDIT_KEYS,
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        connectionTimeoutMs: 1000,
      });
      try {
        expect(await s.ping()).toBe(false);
      } finally {
        await s.close();
      }
    });
  });

  /** Waits until `n` sessions of this file's adapters wait for a lock. */
  async function waitForLockWaiters(n: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const { rows } = await raw.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = $1",
        [schema.schema],
      );
      if (Number(rows[0]?.n) >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`fewer than ${n} sessions waited for a lock`);
  }
});
