/**
 * The PostgreSQL adapter against a real PostgreSQL (one fresh schema for this file):
 * what the HTTP contract suite cannot see from outside — migrations run by several
 * instances at once, all-or-nothing mutations, the conditional writes that lose races
 * to other processes, and one audit chain however many processes append to it.
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartState, LineState, Product } from '@cart/core';
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
  AlreadyExistsError,
  WriteConflictError,
  type AuditEntry,
  type MutationDecision,
  type MutationPlan,
  type MutationSnapshot,
  type MutationWrite,
} from '../port.ts';
import { firstSearchPathEntry } from './postgres-migrations.ts';
import { PostgresStorage } from './postgres-storage.ts';

const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping the PostgreSQL adapter tests: ${unavailable}`);

const AT = '2026-11-28T10:00:00.000Z';
const LATER = '2026-12-28T10:00:00.000Z';

const tokenHash = (id: string) => createHash('sha256').update(id).digest();

function entry(action: string, cartId: string | null = null, detail = {}): AuditEntry {
  return {
    at: AT,
    actorType: cartId === null ? 'admin' : 'cart',
    actorId: cartId ?? 'admin',
    requestId: randomUUID(),
    clientAddress: '127.0.0.1',
    action,
    cartId,
    beforeVersion: null,
    afterVersion: null,
    detail,
  };
}

function cartState(overrides: Partial<CartState> = {}): CartState {
  return {
    id: randomUUID(),
    version: 1,
    status: 'active',
    currency: 'USD',
    lines: [],
    discounts: [],
    note: '',
    email: null,
    createdAt: AT,
    updatedAt: AT,
    expiresAt: LATER,
    ...overrides,
  };
}

function line(product: Product, quantity: number): LineState {
  return {
    id: randomUUID(),
    productId: product.id,
    sku: product.sku,
    name: product.name,
    quantity,
    unitPrice: product.price,
    attributes: { size: 'L', colour: 'blue' },
  };
}

function productFixture(overrides: Partial<Product> = {}): Product {
  const id = randomUUID();
  return {
    id,
    sku: `SKU-${id.slice(0, 8)}`,
    name: 'Mug',
    description: '',
    price: { amount: 1000, currency: 'USD' },
    stock: null,
    maxPerOrder: null,
    imageUrl: null,
    ...overrides,
  };
}

const plan = (cartId: string, more: Partial<MutationPlan> = {}): MutationPlan => ({
  cartId,
  productIds: [],
  discountCodes: [],
  actionIds: [],
  idempotencyId: null,
  ...more,
});

/** A decision that writes `w` (plus whatever else is given) and answers the new cart. */
const writes =
  (
    w: Partial<MutationWrite> & { cart: CartState },
    idempotency: MutationDecision<CartState>['idempotency'] = null,
  ) =>
  (): MutationDecision<CartState> => ({
    reply: w.cart,
    write: { expectedVersion: null, appliedActionIds: [], audit: [], events: [], ...w },
    idempotency,
  });

/** The next version of a cart, as a change would write it. */
function next(state: CartState, more: Partial<MutationWrite> = {}): MutationWrite {
  return {
    cart: { ...state, version: state.version + 1, updatedAt: AT },
    expectedVersion: state.version,
    appliedActionIds: [],
    audit: [
      {
        ...entry('cart.change', state.id),
        beforeVersion: state.version,
        afterVersion: state.version + 1,
      },
    ],
    events: [{ at: AT, type: 'quantity_changed', cartId: state.id }],
    ...more,
  };
}

function idempotencyRecord(id = randomUUID()) {
  return { id, fingerprint: 'f', payload: 'sealed', createdAt: AT, expiresAt: LATER };
}

describe.skipIf(unavailable !== null)('PostgresStorage', () => {
  let schema: TestSchema;
  let a: PostgresStorage;
  let b: PostgresStorage;
  let raw: pg.Pool;

  beforeAll(async () => {
    schema = await createTestSchema();
    // Named after the schema, so that lock waits of this file's sessions can be told apart.
    const url = `${schema.databaseUrl}&application_name=${schema.schema}`;
    a = new PostgresStorage({ connectionString: url });
    b = new PostgresStorage({ connectionString: url });
    await Promise.all([a.migrate(), b.migrate()]);
    raw = new pg.Pool({ connectionString: schema.databaseUrl, max: 4 });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), raw?.end()]);
    await schema?.drop();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await raw.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]?.n);

  const createCart = (state = cartState()) =>
    a.mutate(
      plan(state.id),
      writes({
        cart: state,
        tokenHash: tokenHash(state.id),
        audit: [{ ...entry('cart.create', state.id), afterVersion: 1 }],
        events: [{ at: AT, type: 'cart_created', cartId: state.id }],
      }),
    );

  describe('migrations', () => {
    it('apply once when several instances start at once, and again is a no-op', async () => {
      const user = await testUser();
      const fresh = newSchemaName();
      const bystander = await createTestSchema();
      // The first schema in search_path does not exist yet: migrate creates it, and
      // nothing at all in the second one.
      const url = schemaUrl(user, `${fresh},${bystander.schema}`);
      const instances = [1, 2, 3].map(() => new PostgresStorage({ connectionString: url }));
      try {
        await Promise.all(instances.map((s) => s.migrate()));
        await instances[0]?.migrate();
        const inFresh = await raw.query<{ version: number; name: string }>(
          `SELECT version, name FROM ${fresh}.schema_migrations`,
        );
        expect(inFresh.rows).toEqual([{ version: 1, name: '001_init.sql' }]);
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

    it('refuses to migrate when search_path names no schema that exists', async () => {
      const user = await testUser();
      const s = new PostgresStorage({
        connectionString: `${schemaUrl(user, '"$user"')}&application_name=nouser`,
      });
      try {
        await expect(s.migrate()).rejects.toThrow(/no schema to migrate/);
      } finally {
        await s.close();
      }
    });
  });

  describe('round trips', () => {
    it('keeps products exact: big amounts as numbers, paging, unique skus', async () => {
      const p = productFixture({
        price: { amount: 10_000_000_000, currency: 'USD' },
        stock: 7,
        maxPerOrder: 3,
        imageUrl: 'https://example.com/m.png',
      });
      const before = await count('audit_log');
      await expect(a.createProduct(p, entry('admin.product.create'))).resolves.toEqual(p);
      expect(await b.getProduct(p.id)).toEqual(p);
      expect(typeof (await b.countProducts())).toBe('number');
      await expect(
        a.createProduct({ ...productFixture(), sku: p.sku }, entry('admin.product.create')),
      ).rejects.toBeInstanceOf(AlreadyExistsError);

      const other = productFixture();
      await a.createProduct(other, entry('admin.product.create'));
      await expect(
        a.updateProduct(other.id, { ...other, sku: p.sku }, entry('admin.product.update')),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      const { id: _, ...input } = other;
      expect(
        await a.updateProduct(other.id, { ...input, stock: 0 }, entry('admin.product.update')),
      ).toEqual({
        ...other,
        stock: 0,
      });
      expect(await a.updateProduct('nope', input, entry('admin.product.update'))).toBeNull();
      expect(await a.deleteProduct('nope', entry('admin.product.delete'))).toBe(false);
      // Two creations and one update; refusals and misses leave no record.
      expect(await count('audit_log')).toBe(before + 3);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await b.listProducts(1, cursor);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual((await a.listProducts(1000, null)).items.map((i) => i.id));
      expect(seen).toContain(p.id);

      expect(await a.deleteProduct(other.id, entry('admin.product.delete'))).toBe(true);
      expect(await a.getProduct(other.id)).toBeNull();
    });

    it('keeps discounts exact, and codes unique', async () => {
      const code = `RT${randomUUID().slice(0, 8).toUpperCase()}`;
      const input = {
        code,
        kind: 'fixed' as const,
        value: 500,
        minSubtotal: 2000,
        startsAt: AT,
        endsAt: LATER,
        usageLimit: 3,
        combinable: false,
      };
      await a.createDiscount(input, entry('admin.discount.create'));
      expect(await b.getDiscount(code)).toEqual({ ...input, timesUsed: 0 });
      expect((await b.listDiscounts(100, null)).items).toContainEqual({ ...input, timesUsed: 0 });
      await expect(a.createDiscount(input, entry('admin.discount.create'))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect(await a.deleteDiscount(code, entry('admin.discount.delete'))).toBe(true);
      expect(await a.deleteDiscount(code, entry('admin.discount.delete'))).toBe(false);
      expect(await a.getDiscount(code)).toBeNull();
    });

    it('returns a cart exactly as written: state, token hash, ISO timestamps', async () => {
      const p = productFixture();
      const state = cartState({
        lines: [line(p, 2)],
        note: 'tab\tand newline\n, ünïcödé ✓',
        email: 'a@example.com',
        expiresAt: '2020-01-01T00:00:00.000Z',
      });
      await createCart(state);
      const stored = await b.getCart(state.id);
      expect(stored?.state).toEqual(state);
      expect(stored?.tokenHash.equals(tokenHash(state.id))).toBe(true);
      expect(await b.getCart('missing')).toBeNull();
      expect(await b.findExpiredCarts('2021-01-01T00:00:00.000Z', 1000)).toContain(state.id);
      expect(await b.findExpiredCarts('2019-01-01T00:00:00.000Z', 1000)).not.toContain(state.id);
    });

    it('keeps idempotency records until they expire', async () => {
      const rec = { ...idempotencyRecord(), expiresAt: '2000-01-01T00:00:00.000Z' };
      const state = cartState();
      await a.mutate(plan(state.id, { idempotencyId: rec.id }), () => ({
        reply: null,
        write: null,
        idempotency: rec,
      }));
      expect(await b.getIdempotency(rec.id)).toEqual(rec);
      expect(await b.purgeIdempotency('2001-01-01T00:00:00.000Z')).toBeGreaterThanOrEqual(1);
      expect(await b.getIdempotency(rec.id)).toBeNull();
    });

    it('filters and pages the audit log', async () => {
      const state = cartState();
      await createCart(state);
      await a.mutate(plan(state.id), writes(next(state)));
      const all = await b.listAudit({ cartId: state.id, limit: 10 });
      expect(all.map((r) => r.action)).toEqual(['cart.change', 'cart.create']);
      expect(all[0]?.detail).toEqual({});
      const [newest] = all;
      const older = await b.listAudit({
        cartId: state.id,
        actorType: 'cart',
        action: 'cart.create',
        from: AT,
        to: LATER,
        beforeSeq: newest?.seq ?? 0,
        limit: 10,
      });
      expect(older.map((r) => r.action)).toEqual(['cart.create']);
      expect(await b.listAudit({ cartId: state.id, from: LATER, limit: 10 })).toEqual([]);
    });
  });

  describe('mutate', () => {
    /** Everything a mutation may write, to compare before and after. */
    async function footprint(cartId: string, productId: string, code: string, key: string) {
      const row = (
        await raw.query<{ version: string }>('SELECT version FROM carts WHERE id = $1', [cartId])
      ).rows[0];
      const stock = (
        await raw.query<{ stock: string | null }>('SELECT stock FROM products WHERE id = $1', [
          productId,
        ])
      ).rows[0];
      const used = (
        await raw.query<{ times_used: string }>(
          'SELECT times_used FROM discounts WHERE code = $1',
          [code],
        )
      ).rows[0];
      return {
        version: row?.version,
        stock: stock?.stock,
        used: used?.times_used,
        audit: await count('audit_log'),
        events: await count('analytics_events WHERE cart_id = $1', [cartId]),
        actions: await count('cart_applied_actions WHERE cart_id = $1', [cartId]),
        orders: await count('orders WHERE cart_id = $1', [cartId]),
        idempotency: await count('idempotency_keys WHERE id = $1', [key]),
      };
    }

    async function checkoutFixture(stock: number, usageLimit: number | null = null) {
      const p = productFixture({ stock });
      await a.createProduct(p, entry('admin.product.create'));
      const code = `MU${randomUUID().slice(0, 8).toUpperCase()}`;
      await a.createDiscount(
        {
          code,
          kind: 'percent',
          value: 1000,
          minSubtotal: null,
          startsAt: null,
          endsAt: null,
          usageLimit,
          combinable: true,
        },
        entry('admin.discount.create'),
      );
      const state = cartState({ lines: [line(p, 2)] });
      await createCart(state);
      return { p, code, state };
    }

    const checkoutWrite = (state: CartState, p: Product, code: string, quantity = 2) =>
      next(state, {
        cart: { ...state, version: state.version + 1, status: 'checked_out' },
        appliedActionIds: ['act-1'],
        reserveStock: [{ productId: p.id, quantity }],
        useDiscounts: [code],
        order: {
          id: randomUUID(),
          cartId: state.id,
          total: 1800,
          currency: 'USD',
          cart: state,
          createdAt: AT,
        },
      });

    it('loads the plan, the products and codes already on the carts, and locks the carts', async () => {
      const { p, code, state } = await checkoutFixture(5);
      const extra = productFixture();
      await a.createProduct(extra, entry('admin.product.create'));
      const withCode = {
        ...state,
        discounts: [
          { code, kind: 'percent' as const, value: 1000, minSubtotal: null, combinable: true },
        ],
      };
      await a.mutate(
        plan(state.id),
        writes(next(state, { cart: { ...withCode, version: 2 }, appliedActionIds: ['x1'] })),
      );
      const source = cartState();
      await createCart(source);
      let seen: MutationSnapshot | undefined;
      await b.mutate(
        plan(state.id, {
          sourceCartId: source.id,
          productIds: [extra.id, 'gone'],
          actionIds: ['x1', 'x2'],
          idempotencyId: 'k-none',
        }),
        (snap) => {
          seen = snap;
          return { reply: null, write: null, idempotency: null };
        },
      );
      expect(seen?.cart?.state.version).toBe(2);
      expect(seen?.source?.state.id).toBe(source.id);
      expect([...(seen?.products.keys() ?? [])].sort()).toEqual([extra.id, p.id].sort());
      expect(seen?.products.get(p.id)).toEqual(p);
      expect([...(seen?.discounts.keys() ?? [])]).toEqual([code]);
      expect([...(seen?.appliedActionIds ?? [])]).toEqual(['x1']);
      expect(seen?.idempotent).toBeNull();
    });

    it('commits a checkout whole: cart, ids, stock, code use, order, events, audit, idempotency', async () => {
      const { p, code, state } = await checkoutFixture(5, 1);
      const key = randomUUID();
      const before = await footprint(state.id, p.id, code, key);
      await a.mutate(plan(state.id), writes(checkoutWrite(state, p, code), idempotencyRecord(key)));
      expect(await footprint(state.id, p.id, code, key)).toEqual({
        version: '2',
        stock: '3',
        used: '1',
        audit: before.audit + 1,
        events: before.events + 1,
        actions: 1,
        orders: 1,
        idempotency: 1,
      });
    });

    it('writes nothing when the decision throws', async () => {
      const { p, code, state } = await checkoutFixture(5);
      const before = await footprint(state.id, p.id, code, 'k');
      await expect(
        a.mutate(plan(state.id), () => {
          throw new Error('decided badly');
        }),
      ).rejects.toThrow('decided badly');
      expect(await footprint(state.id, p.id, code, 'k')).toEqual(before);
    });

    it.each([
      ['stock', 1, null, null],
      ['discount', 5, 0, null],
      ['idempotency', 5, null, 'taken'],
      ['version', 5, null, null],
    ] as const)(
      'writes nothing when the %s write finds the world changed',
      async (reason, stock, limit, idem) => {
        const { p, code, state } = await checkoutFixture(stock);
        if (limit !== null)
          await raw.query('UPDATE discounts SET usage_limit = $1 WHERE code = $2', [limit, code]);
        const key = randomUUID();
        if (idem !== null) {
          await a.mutate(plan(randomUUID(), { idempotencyId: key }), () => ({
            reply: null,
            write: null,
            idempotency: idempotencyRecord(key),
          }));
        }
        const before = await footprint(state.id, p.id, code, key);
        const w = checkoutWrite(state, p, code);
        const stale = reason === 'version' ? { ...w, expectedVersion: 7 } : w;
        const error = await a
          .mutate(plan(state.id), writes(stale, idempotencyRecord(key)))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteConflictError);
        expect((error as WriteConflictError).reason).toBe(reason);
        expect(await footprint(state.id, p.id, code, key)).toEqual(before);
      },
    );

    it('lets one of two processes take the last unit; the other gets a stock conflict', async () => {
      const p = productFixture({ stock: 1 });
      await a.createProduct(p, entry('admin.product.create'));
      const carts = [cartState({ lines: [line(p, 1)] }), cartState({ lines: [line(p, 1)] })];
      for (const c of carts) await createCart(c);
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

    it('runs a transaction again when PostgreSQL breaks a deadlock with it', async () => {
      const p = productFixture({ stock: 5 });
      await a.createProduct(p, entry('admin.product.create'));
      const state = cartState({ lines: [line(p, 1)] });
      await createCart(state);
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

    it('passes on a failure that is not a conflict', async () => {
      const bad = productFixture({ price: { amount: -1, currency: 'USD' } });
      await expect(a.createProduct(bad, entry('admin.product.create'))).rejects.toMatchObject({
        code: '23514',
      });
      expect(await a.getProduct(bad.id)).toBeNull();
    });

    it('serializes 50 concurrent changes of one cart through two processes: none lost', async () => {
      const state = cartState();
      await createCart(state);
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
      await createCart(x);
      await createCart(y);
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
  });

  describe('audit chain', () => {
    it('stays one unbroken chain when two processes append at once', async () => {
      const state = cartState();
      await createCart(state);
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
      const result = await verifyChain((after, limit) => b.readAuditChain(after, limit), 7);
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
    it('answers ping while the database is up and false once closed; closing twice is harmless', async () => {
      const s = new PostgresStorage({ connectionString: schema.databaseUrl, poolMax: 1 });
      expect(await s.ping()).toBe(true);
      await s.close();
      await s.close();
      expect(await s.ping()).toBe(false);
    });

    it('answers ping false, without throwing, when nothing listens', async () => {
      const s = new PostgresStorage({
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
