// Over 400 lines on purpose: the mutation contract is one suite that both adapters run
// unchanged; its parts share the fixtures and helpers at the top.
/**
 * Carts and `mutate`: a decision is made on a snapshot loaded in the mutation's own
 * transaction, and what it writes — cart, merge source, applied action ids, stock, code
 * uses, order, events, audit records, idempotency record — is committed together or not
 * at all. A conditional write that finds the world changed is a WriteConflictError.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CartState, Product } from '@cart/core';
import {
  WriteConflictError,
  type AnalyticsEvent,
  type MutationSnapshot,
} from '../../src/storage/port.ts';
import type { OpenedStorage, StorageUnderTest } from './storage-contract.ts';
import {
  AT,
  auditHead,
  cartState,
  createCart,
  discountInput,
  entry,
  idempotencyRecord,
  keepIdempotency,
  line,
  next,
  plan,
  productFixture,
  tokenHash,
  uniqueCode,
  writes,
} from './fixtures.ts';

/** An event as the peek reads it back: absent optional facts are stored as null. */
const asStored = (e: AnalyticsEvent): AnalyticsEvent => ({
  productId: null,
  quantity: null,
  amount: null,
  currency: null,
  ...e,
});

/** The snapshot a mutation of `cartId` would decide on, read without writing. */
async function snapshotOf(
  t: StorageUnderTest,
  cartId: string,
  more: Parameters<typeof plan>[1] = {},
): Promise<MutationSnapshot> {
  return t.storage.mutate(plan(cartId, more), (snapshot) => ({
    reply: snapshot,
    write: null,
    idempotency: null,
  }));
}

/** Everything a checkout of `cartId` may write, to compare before and after. */
async function footprint(
  t: StorageUnderTest,
  ids: { cartId: string; productId: string; code: string; key: string; actionIds: string[] },
) {
  const { storage } = t;
  return {
    cart: await storage.getCart(ids.cartId),
    product: await storage.getProduct(ids.productId),
    discount: await storage.getDiscount(ids.code),
    applied: (await snapshotOf(t, ids.cartId, { actionIds: ids.actionIds })).appliedActionIds,
    audit: await auditHead(storage),
    events: await t.events(ids.cartId),
    orders: await t.orders(ids.cartId),
    idempotency: await storage.getIdempotency(ids.key),
  };
}

/** A product with `stock`, a code with `usageLimit`, and a cart holding two of the product. */
async function checkoutFixture(t: StorageUnderTest, stock: number, usageLimit: number | null) {
  const p = productFixture({ stock });
  await t.storage.createProduct(p, entry('admin.product.create'));
  const code = uniqueCode('MU');
  await t.storage.createDiscount(
    discountInput({ code, usageLimit }),
    entry('admin.discount.create'),
  );
  const state = await createCart(t.storage, cartState({ lines: [line(p, 2)] }));
  return { p, code, state };
}

/** An order number no order of the suite's database has (they count up from 1). */
const unusedOrderNumber = () => randomInt(2 ** 40, 2 ** 47);

const checkoutWrite = (state: CartState, p: Product, code: string) =>
  next(state, {
    cart: { ...state, version: state.version + 1, status: 'checked_out' },
    appliedActionIds: ['act-1'],
    reserveStock: [{ productId: p.id, quantity: 2 }],
    useDiscounts: [code],
    order: {
      id: randomUUID(),
      number: unusedOrderNumber(),
      cartId: state.id,
      total: 1800,
      currency: 'USD',
      cart: state,
      createdAt: AT,
    },
  });

export function defineMutationContract(subject: OpenedStorage): void {
  describe('carts', () => {
    it('returns a cart exactly as written: state and token hash', async () => {
      const { storage } = await subject();
      const p = productFixture();
      const state = cartState({
        lines: [line(p, 2)],
        discounts: [
          {
            code: 'WELCOME',
            kind: 'percent',
            value: 1000,
            minSubtotal: null,
            combinable: true,
            currency: null,
          },
        ],
        note: 'tab\tand newline\n, ünïcödé ✓ "quoted"',
        email: 'a@example.com',
      });
      expect(await createCart(storage, state)).toEqual(state);
      const stored = await storage.getCart(state.id);
      expect(stored?.state).toEqual(state);
      expect(stored?.tokenHash.equals(tokenHash(state.id))).toBe(true);
      expect(await storage.getCart('missing')).toBeNull();
    });

    it('keeps the window of applied action ids with the state, in order', async () => {
      const { storage } = await subject();
      const state = await createCart(storage, cartState({ appliedActionIds: ['z', 'a', 'm'] }));
      expect((await storage.getCart(state.id))?.state.appliedActionIds).toEqual(['z', 'a', 'm']);
      await storage.mutate(
        plan(state.id),
        writes(next(state, { cart: { ...state, version: 2, appliedActionIds: ['a', 'm', 'q'] } })),
      );
      expect((await storage.getCart(state.id))?.state.appliedActionIds).toEqual(['a', 'm', 'q']);
    });

    it('reads a cart stored before appliedActionIds existed with an empty window', async () => {
      const t = await subject();
      const p = productFixture();
      const current = cartState({ lines: [line(p, 1)] });
      // The state as an earlier version wrote it: no appliedActionIds at all.
      const { appliedActionIds: _ids, ...legacy } = current;
      await createCart(t.storage, legacy as CartState);
      expect((await t.storage.getCart(current.id))?.state).toEqual(current);
      expect((await snapshotOf(t, current.id)).cart?.state).toEqual(current);
      // …and a merge source stored the old way reads the same.
      const { appliedActionIds: _sourceIds, ...legacySource } = cartState();
      await createCart(t.storage, legacySource as CartState);
      const merged = await snapshotOf(t, current.id, { sourceCartId: legacySource.id });
      expect(merged.source?.state.appliedActionIds).toEqual([]);
    });

    it('refuses to create a cart without its token hash, and writes nothing', async () => {
      const t = await subject();
      const state = cartState();
      const head = await auditHead(t.storage);
      await expect(
        t.storage.mutate(
          plan(state.id),
          writes({ cart: state, audit: [entry('cart.create', state.id)] }),
        ),
      ).rejects.toBeInstanceOf(TypeError);
      expect(await t.storage.getCart(state.id)).toBeNull();
      expect(await auditHead(t.storage)).toBe(head);
    });

    it('finds active carts whose expiry has passed, up to a limit', async () => {
      const { storage } = await subject();
      const at = (day: number) => `1990-01-0${day}T00:00:00.000Z`;
      const expired = [
        cartState({ expiresAt: at(1) }),
        // Expiring at the very instant asked about counts as expired.
        cartState({ expiresAt: at(2) }),
      ];
      const notYet = cartState({ expiresAt: at(3) });
      const done = cartState({ expiresAt: at(1), status: 'checked_out' });
      for (const c of [...expired, notYet, done]) await createCart(storage, c);
      const found = await storage.findExpiredCarts(at(2), 100);
      expect([...found].sort()).toEqual(expired.map((c) => c.id).sort());
      const one = await storage.findExpiredCarts(at(2), 1);
      expect(one).toHaveLength(1);
      expect(found).toContain(one[0]);
    });
  });

  describe('mutate', () => {
    it('loads the products a change names, and those of the lines it names, not the whole cart', async () => {
      const t = await subject();
      const { storage } = t;
      const [touched, other, named] = [productFixture(), productFixture(), productFixture()];
      for (const p of [touched, other, named])
        await storage.createProduct(p, entry('admin.product.create'));
      const code = discountInput();
      await storage.createDiscount(code, entry('admin.discount.create'));
      const cart = await createCart(
        storage,
        cartState({
          lines: [line(touched, 1), line(other, 2)],
          discounts: [
            {
              code: code.code,
              kind: code.kind,
              value: code.value,
              minSubtotal: null,
              combinable: true,
              currency: null,
            },
          ],
        }),
      );
      const lineId = cart.lines[0]?.id ?? '';
      const seen = await snapshotOf(t, cart.id, {
        productIds: [named.id],
        lineIds: [lineId, 'no-such-line'],
      });
      expect([...seen.products.keys()].sort()).toEqual([touched.id, named.id].sort());
      expect([...seen.discounts.keys()]).toEqual([]);
    });

    it('loads the plan, the products and codes already on both carts, ids and the key', async () => {
      const t = await subject();
      const { storage } = t;
      const onCart = productFixture();
      const onSource = productFixture();
      const named = productFixture();
      for (const p of [onCart, onSource, named]) {
        await storage.createProduct(p, entry('admin.product.create'));
      }
      const [codeOnSource, codeNamed] = [discountInput(), discountInput()];
      for (const d of [codeOnSource, codeNamed]) {
        await storage.createDiscount(d, entry('admin.discount.create'));
      }
      const cart = await createCart(storage, cartState({ lines: [line(onCart, 1)] }));
      await storage.mutate(plan(cart.id), writes(next(cart, { appliedActionIds: ['x1'] })));
      const source = await createCart(
        storage,
        cartState({
          lines: [line(onSource, 1)],
          discounts: [
            {
              code: codeOnSource.code,
              kind: codeOnSource.kind,
              value: codeOnSource.value,
              minSubtotal: null,
              combinable: true,
              currency: null,
            },
          ],
        }),
      );
      const key = idempotencyRecord();
      await keepIdempotency(storage, key);

      const seen = await snapshotOf(t, cart.id, {
        sourceCartId: source.id,
        productIds: [named.id, 'gone'],
        discountCodes: [codeNamed.code, 'GONE'],
        actionIds: ['x1', 'x2'],
        idempotencyId: key.id,
        wholeCatalog: true,
      });
      expect(seen.cart?.state).toEqual({ ...cart, version: 2, updatedAt: AT });
      expect(seen.source?.state).toEqual(source);
      expect([...seen.products.keys()].sort()).toEqual([onCart.id, onSource.id, named.id].sort());
      expect(seen.products.get(onSource.id)).toEqual(onSource);
      expect([...seen.discounts.keys()].sort()).toEqual([codeOnSource.code, codeNamed.code].sort());
      expect(seen.discounts.get(codeNamed.code)).toEqual({ ...codeNamed, timesUsed: 0 });
      expect([...seen.appliedActionIds]).toEqual(['x1']);
      expect(seen.idempotent).toEqual(key);
    });

    it('loads nothing for carts and a key that do not exist', async () => {
      const t = await subject();
      const seen = await snapshotOf(t, 'no-cart', {
        sourceCartId: 'no-source',
        actionIds: ['x1'],
        idempotencyId: 'no-key',
        withOrder: true,
      });
      expect(seen).toEqual({
        cart: null,
        source: null,
        products: new Map(),
        discounts: new Map(),
        // The suite's database has no region: those tests open databases of their own.
        regions: [],
        shippingOptions: new Map(),
        appliedActionIds: new Set(),
        idempotent: null,
        order: null,
        newOrderNumber: null,
      });
    });

    it('answers the reply and writes nothing when the decision writes nothing', async () => {
      const { storage } = await subject();
      const state = await createCart(storage);
      const head = await auditHead(storage);
      const reply = await storage.mutate(plan(state.id), () => ({
        reply: { answer: 42 },
        write: null,
        idempotency: null,
      }));
      expect(reply).toEqual({ answer: 42 });
      expect((await storage.getCart(state.id))?.state).toEqual(state);
      expect(await auditHead(storage)).toBe(head);
    });

    it('commits a checkout whole: cart, ids, stock, code uses, order, events, audit, key', async () => {
      const t = await subject();
      const { storage } = t;
      // Ids and codes in a known order, listed out of it, and one product on two lines.
      const first = productFixture({ id: `a-${randomUUID()}`, stock: 5 });
      const second = productFixture({ id: `b-${randomUUID()}`, stock: 3 });
      for (const p of [first, second]) {
        await storage.createProduct(p, entry('admin.product.create'));
      }
      const limited = discountInput({ code: uniqueCode('A'), usageLimit: 1 });
      const open = discountInput({ code: uniqueCode('B') });
      for (const d of [limited, open]) {
        await storage.createDiscount(d, entry('admin.discount.create'));
      }
      const state = await createCart(
        storage,
        cartState({
          lines: [
            line(first, 2),
            { ...line(first, 1), attributes: { size: 'S' } },
            line(second, 1),
          ],
        }),
      );
      const key = idempotencyRecord();
      const head = await auditHead(storage);
      const opened = await snapshotOf(t, state.id, { withOrder: true });
      const order = {
        id: randomUUID(),
        number: opened.newOrderNumber ?? 0,
        cartId: state.id,
        total: 10_000_000_000,
        currency: 'USD',
        cart: state,
        createdAt: AT,
      };
      const events: AnalyticsEvent[] = [
        { at: AT, type: 'checkout_started', cartId: state.id },
        {
          at: AT,
          type: 'checked_out',
          cartId: state.id,
          productId: first.id,
          quantity: 3,
          amount: 10_000_000_000,
          currency: 'USD',
        },
      ];
      const audit = { ...entry('cart.checkout', state.id, { orderId: order.id }), afterVersion: 2 };
      const checkedOut: CartState = { ...state, version: 2, status: 'checked_out' };

      const reply = await storage.mutate(
        plan(state.id, { idempotencyId: key.id }),
        writes(
          {
            cart: checkedOut,
            expectedVersion: 1,
            appliedActionIds: ['act-1', 'act-2'],
            reserveStock: [
              { productId: second.id, quantity: 1 },
              { productId: first.id, quantity: 2 },
              { productId: first.id, quantity: 1 },
            ],
            useDiscounts: [limited.code, open.code],
            order,
            events,
            audit: [audit],
          },
          key,
        ),
      );
      expect(reply).toEqual(checkedOut);
      expect((await storage.getCart(state.id))?.state).toEqual(checkedOut);
      const applied = await snapshotOf(t, state.id, { actionIds: ['act-1', 'act-2', 'act-3'] });
      expect([...applied.appliedActionIds].sort()).toEqual(['act-1', 'act-2']);
      // The order made from the cart is loaded when asked for (a checkout asked again).
      expect(applied.order).toBeNull();
      expect(await snapshotOf(t, state.id, { withOrder: true })).toMatchObject({
        order: { id: order.id, number: order.number },
        newOrderNumber: null,
      });
      expect((await storage.getProduct(first.id))?.stock).toBe(2);
      expect((await storage.getProduct(second.id))?.stock).toBe(2);
      expect((await storage.getDiscount(limited.code))?.timesUsed).toBe(1);
      expect((await storage.getDiscount(open.code))?.timesUsed).toBe(1);
      expect(await t.orders(state.id)).toEqual([order]);
      const created: AnalyticsEvent = { at: AT, type: 'cart_created', cartId: state.id };
      expect(await t.events(state.id)).toEqual([created, ...events].map(asStored));
      expect(await auditHead(storage)).toBe(head + 1);
      expect(await storage.listAudit({ limit: 1 })).toMatchObject([audit]);
      expect(await storage.getIdempotency(key.id)).toEqual(key);
    });

    it('writes nothing when the decision throws, and rejects rather than throws', async () => {
      const t = await subject();
      const { p, code, state } = await checkoutFixture(t, 5, null);
      const ids = { cartId: state.id, productId: p.id, code, key: 'k', actionIds: ['act-1'] };
      const before = await footprint(t, ids);
      let pending: Promise<unknown> = Promise.resolve();
      expect(() => {
        pending = t.storage.mutate(plan(state.id), () => {
          throw new Error('decided badly');
        });
      }).not.toThrow();
      await expect(pending).rejects.toThrow('decided badly');
      expect(await footprint(t, ids)).toEqual(before);
    });

    it.each([
      ['stock', 1, null, false],
      ['discount', 5, 1, false],
      ['idempotency', 5, null, true],
      ['version', 5, null, false],
    ] as const)(
      'writes nothing when the %s write finds the world changed',
      async (reason, stock, usageLimit, keyTaken) => {
        const t = await subject();
        const { p, code, state } = await checkoutFixture(t, stock, usageLimit);
        if (usageLimit !== null) {
          // Another cart's checkout used the code up.
          const other = await createCart(t.storage);
          await t.storage.mutate(plan(other.id), writes(next(other, { useDiscounts: [code] })));
        }
        const key = randomUUID();
        if (keyTaken) await keepIdempotency(t.storage, idempotencyRecord(key));
        const ids = { cartId: state.id, productId: p.id, code, key, actionIds: ['act-1'] };
        const before = await footprint(t, ids);
        const w = checkoutWrite(state, p, code);
        const stale = reason === 'version' ? { ...w, expectedVersion: 7 } : w;
        const error = await t.storage
          .mutate(plan(state.id), writes(stale, idempotencyRecord(key)))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteConflictError);
        const subjects = { stock: p.id, discount: code, idempotency: key, version: state.id };
        expect(error).toMatchObject({ reason, subject: subjects[reason] });
        expect(await footprint(t, ids)).toEqual(before);
      },
    );

    it('merges: writes the source with the target; a stale source is a conflict', async () => {
      const t = await subject();
      const { storage } = t;
      const target = await createCart(storage);
      const source = await createCart(storage);
      const merge = (current: CartState, expectedSourceVersion: number) =>
        storage.mutate(
          plan(target.id, { sourceCartId: source.id }),
          writes(
            next(current, {
              source: {
                state: { ...source, version: 2, status: 'merged' },
                expectedVersion: expectedSourceVersion,
              },
              events: [{ at: AT, type: 'cart_merged', cartId: current.id }],
            }),
          ),
        );
      await merge(target, 1);
      expect((await storage.getCart(target.id))?.state.version).toBe(2);
      expect((await storage.getCart(source.id))?.state).toEqual({
        ...source,
        version: 2,
        status: 'merged',
      });

      const head = await auditHead(storage);
      const error = await merge({ ...target, version: 2, updatedAt: AT }, 1).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WriteConflictError);
      expect(error).toMatchObject({ reason: 'version', subject: source.id });
      expect((await storage.getCart(target.id))?.state.version).toBe(2);
      expect(await auditHead(storage)).toBe(head);
      expect((await t.events(target.id)).map((e) => e.type)).toEqual([
        'cart_created',
        'cart_merged',
      ]);
    });

    it('remembers applied action ids per cart; recording one again is harmless', async () => {
      const t = await subject();
      const { storage } = t;
      const cart = await createCart(storage);
      const other = await createCart(storage);
      await storage.mutate(plan(cart.id), writes(next(cart, { appliedActionIds: ['x1'] })));
      const v2 = { ...cart, version: 2, updatedAt: AT };
      await storage.mutate(plan(cart.id), writes(next(v2, { appliedActionIds: ['x1', 'x2'] })));
      const ids = { actionIds: ['x1', 'x2', 'x3'] };
      expect([...(await snapshotOf(t, cart.id, ids)).appliedActionIds].sort()).toEqual([
        'x1',
        'x2',
      ]);
      expect([...(await snapshotOf(t, other.id, ids)).appliedActionIds]).toEqual([]);
    });

    it('writes a change that has no audit record without appending one', async () => {
      const { storage } = await subject();
      const cart = await createCart(storage);
      const head = await auditHead(storage);
      await storage.mutate(plan(cart.id), writes(next(cart, { audit: [] })));
      expect((await storage.getCart(cart.id))?.state.version).toBe(2);
      expect(await auditHead(storage)).toBe(head);
    });
  });

  describe('idempotency records', () => {
    it('keeps a record until it expires; purging removes those expired at that instant', async () => {
      const { storage } = await subject();
      const at = (day: number) => `2000-01-0${day}T00:00:00.000Z`;
      const old = { ...idempotencyRecord(), expiresAt: '1999-12-31T00:00:00.000Z' };
      const due = { ...idempotencyRecord(), expiresAt: at(1) };
      const fresh = { ...idempotencyRecord(), expiresAt: at(2) };
      for (const rec of [old, due, fresh]) await keepIdempotency(storage, rec);
      expect(await storage.getIdempotency(due.id)).toEqual(due);
      expect(await storage.getIdempotency('missing')).toBeNull();
      expect(await storage.purgeIdempotency(at(1))).toBe(2);
      expect(await storage.getIdempotency(old.id)).toBeNull();
      expect(await storage.getIdempotency(due.id)).toBeNull();
      expect(await storage.getIdempotency(fresh.id)).toEqual(fresh);
      expect(await storage.purgeIdempotency(at(1))).toBe(0);
    });

    /** Which of `records` are still stored. */
    const kept = async (t: StorageUnderTest, records: { id: string }[]) => {
      const found = await Promise.all(records.map((r) => t.storage.getIdempotency(r.id)));
      return records.filter((_, i) => found[i] !== null).map((r) => r.id);
    };
    const msAfterAt = (ms: number) => new Date(Date.parse(AT) + ms).toISOString();

    it("keeps at most answersPerCart records per cart: each one more deletes that cart's oldest", async () => {
      const t = await subject();
      const cart = await createCart(t.storage);
      const other = await createCart(t.storage);
      const mine = [0, 1, 2, 3, 4].map((i) =>
        idempotencyRecord(randomUUID(), { cartId: cart.id, createdAt: msAfterAt(i) }),
      );
      const theirs = [0, 1].map((i) =>
        idempotencyRecord(randomUUID(), { cartId: other.id, createdAt: msAfterAt(i) }),
      );
      const nobodys = idempotencyRecord(randomUUID(), { createdAt: msAfterAt(-1) });
      for (const rec of [...theirs, nobodys]) await keepIdempotency(t.storage, rec, 3);
      for (const [i, rec] of mine.entries()) {
        await keepIdempotency(t.storage, rec, 3);
        expect(await kept(t, mine)).toEqual(mine.slice(Math.max(0, i - 2), i + 1).map((r) => r.id));
      }
      expect(await t.storage.getIdempotency(mine[4]?.id ?? '')).toEqual(mine[4]);
      // Other carts' answers, and answers that belong to no cart, are not counted or touched.
      expect(await kept(t, [...theirs, nobodys])).toEqual([...theirs, nobodys].map((r) => r.id));
    });

    it('prunes with the change that stores the answer, and never the answer just stored', async () => {
      const t = await subject();
      const cart = await createCart(t.storage);
      const older = [0, 1].map((i) =>
        idempotencyRecord(randomUUID(), { cartId: cart.id, createdAt: msAfterAt(10 + i) }),
      );
      for (const rec of older) await keepIdempotency(t.storage, rec, 2);
      // An instance whose clock runs behind stores an answer dated before the others:
      // it is still the one kept, with the change it answers.
      const latest = idempotencyRecord(randomUUID(), { cartId: cart.id, createdAt: msAfterAt(0) });
      await t.storage.mutate(plan(cart.id, { idempotencyId: latest.id }), () => ({
        reply: null,
        write: next(cart),
        idempotency: latest,
        answersPerCart: 2,
      }));
      expect((await t.storage.getCart(cart.id))?.state.version).toBe(2);
      expect(await kept(t, [...older, latest])).toEqual([older[1]?.id, latest.id]);
    });

    it('bounds nothing when no answersPerCart is given', async () => {
      const t = await subject();
      const cart = await createCart(t.storage);
      const records = [0, 1, 2].map((i) =>
        idempotencyRecord(randomUUID(), { cartId: cart.id, createdAt: msAfterAt(i) }),
      );
      for (const rec of records) await keepIdempotency(t.storage, rec);
      expect(await kept(t, records)).toEqual(records.map((r) => r.id));
    });
  });
}
