// What the cart service itself does (cart-service.ts): expiring carts, carts stored by an
// earlier version, merging into a cart, and deciding again after a lost write race. The
// tests of the applied-action window, the checks that open a cart and checkout are in
// cart-change.test.ts, cart-decision.test.ts and cart-checkout.test.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CartState, CheckoutResult, Product } from '@cart/core';
import type { FastifyInstance } from 'fastify';
import {
  WriteConflictError,
  type AuditRecord,
  type MutationDecision,
  type MutationPlan,
  type MutationSnapshot,
} from '../storage/port.ts';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { hashToken, newCartToken } from '../security/tokens.ts';
import {
  adminAuth,
  addLine,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  logLines,
  readCart,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import type { RequestMeta } from './cart-decision.ts';

const DAY = 24 * 3600_000;

/**
 * A real SQLite storage that can lose races: each of the next `conflicts` mutations makes
 * its decision on real data, then fails the conditional write as a concurrent writer
 * would make it fail (rolled back). `failWith` makes the next mutation fail otherwise.
 */
class RacingStorage extends SqliteStorage {
  conflicts = 0;
  attempts = 0;
  failWith: Error | null = null;
  override mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    this.attempts += 1;
    if (this.failWith) {
      const error = this.failWith;
      this.failWith = null;
      return Promise.reject(error);
    }
    if (this.conflicts === 0) return super.mutate(plan, decide);
    this.conflicts -= 1;
    return super.mutate(plan, (snapshot) => {
      decide(snapshot);
      throw new WriteConflictError('version', plan.cartId);
    });
  }
}

const meta = (now: Date, extra: Partial<RequestMeta> = {}): RequestMeta => ({
  requestId: 'test',
  clientAddress: null,
  now,
  idempotency: null,
  ifMatch: null,
  ...extra,
});

async function auditOf(app: FastifyInstance, cartId: string): Promise<AuditRecord[]> {
  const res = await app.inject({ url: `/api/admin/audit?cartId=${cartId}`, headers: adminAuth });
  return res.json<{ items: AuditRecord[] }>().items;
}

describe('CartService', () => {
  let t: TestApp;
  let storage: RacingStorage;
  let product: Product;

  beforeAll(async () => {
    t = await buildTestApp({ storage: (path) => (storage = new RacingStorage(path)) });
    product = await createProduct(t.app);
  });
  beforeEach(() => {
    storage.conflicts = 0;
    storage.failWith = null;
  });
  afterAll(() => t.close());

  const service = () => t.app.cartService;
  const stored = async (id: string) => (await storage.getCart(id))?.state;

  describe('expire', () => {
    it('closes an active cart past its expiry: version +1, audited as the system, announced', async () => {
      const cart = await createCart(t.app);
      const later = new Date(Date.parse(cart.expiresAt) + 1000);
      const heard: Cart[] = [];
      const unsubscribe = service().events.subscribe(cart.id, (c) => heard.push(c));
      try {
        expect(await service().expire(cart.id, later)).toBe(true);
      } finally {
        unsubscribe();
      }
      expect(await stored(cart.id)).toMatchObject({
        status: 'expired',
        version: 2,
        updatedAt: later.toISOString(),
      });
      expect(heard).toMatchObject([{ id: cart.id, status: 'expired', version: 2 }]);
      expect((await auditOf(t.app, cart.id))[0]).toMatchObject({
        action: 'cart.expire',
        actorType: 'system',
        actorId: null,
        requestId: 'expiry-sweeper',
        beforeVersion: 1,
        afterVersion: 2,
      });
      // Already expired: nothing more to do.
      expect(await service().expire(cart.id, new Date(later.getTime() + DAY))).toBe(false);
      expect((await stored(cart.id))?.version).toBe(2);
    });

    it('leaves a cart that has not reached its expiry alone', async () => {
      const cart = await createCart(t.app);
      expect(await service().expire(cart.id, new Date())).toBe(false);
      expect(await stored(cart.id)).toMatchObject({ status: 'active', version: 1 });
      expect((await auditOf(t.app, cart.id)).map((r) => r.action)).toEqual(['cart.create']);
    });

    it('expires a cart exactly at its expiry instant', async () => {
      const cart = await createCart(t.app);
      expect(await service().expire(cart.id, new Date(cart.expiresAt))).toBe(true);
    });

    it('answers false for a missing cart', async () => {
      expect(await service().expire('no-such-cart', new Date(Date.now() + 400 * DAY))).toBe(false);
    });

    it('leaves a checked-out cart alone, however late', async () => {
      const cart = await createCart(t.app);
      await addLine(t.app, cart, product.id);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/checkout`,
        headers: bearer(cart.token),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(await service().expire(cart.id, new Date(Date.now() + 400 * DAY))).toBe(false);
      expect((await stored(cart.id))?.status).toBe('checked_out');
    });

    it('closes a cart touched after its expiry: 410 CART_EXPIRED, and it is stored expired', async () => {
      const cart = await createCart(t.app);
      const later = new Date(Date.parse(cart.expiresAt) + 1000);
      const expired = {
        kind: 'decided',
        outcome: {
          kind: 'refused',
          code: 'CART_EXPIRED',
          detail: 'Your cart expired, so we started a new one. Add what you want again.',
        },
      };
      const reply = await service().change(
        cart.id,
        hashToken(cart.token),
        [{ type: 'setNote', note: 'late', actionId: 'late-1' }],
        meta(later),
        'cart.update',
      );
      // The cart, not the action, is the cause: no actionId, no error path.
      expect(reply).toEqual(expired);
      expect(await stored(cart.id)).toMatchObject({ status: 'expired', version: 2, note: '' });
      // Stored expired now: every change, checkout and merge into it answers the same.
      const again = await service().change(
        cart.id,
        hashToken(cart.token),
        [{ type: 'setNote', note: 'later' }],
        meta(later),
        'cart.update',
      );
      expect(again).toEqual(expired);
      expect(await service().checkout(cart.id, hashToken(cart.token), meta(later))).toEqual(
        expired,
      );
      const guest = await createCart(t.app);
      expect(
        await service().merge(cart.id, hashToken(cart.token), guest.id, guest.token, meta(later)),
      ).toEqual(expired);
      expect(await stored(cart.id)).toMatchObject({ status: 'expired', version: 2 });
    });
  });

  describe('carts stored before appliedActionIds existed', () => {
    /** A cart row as an earlier version wrote it: its state has no appliedActionIds. */
    async function legacyCart(
      lines: { productId: string; quantity: number }[] = [],
    ): Promise<{ id: string; token: string }> {
      const id = randomUUID();
      const token = newCartToken();
      const at = new Date().toISOString();
      const legacy = {
        id,
        version: 1,
        status: 'active',
        currency: 'USD',
        lines: lines.map(({ productId, quantity }) => ({
          id: randomUUID(),
          productId,
          sku: product.sku,
          name: product.name,
          quantity,
          unitPrice: product.price,
          attributes: {},
        })),
        discounts: [],
        note: '',
        email: null,
        createdAt: at,
        updatedAt: at,
        expiresAt: new Date(Date.now() + DAY).toISOString(),
      };
      await storage.mutate(
        { cartId: id, productIds: [], discountCodes: [], actionIds: [], idempotencyId: null },
        () => ({
          reply: null,
          write: {
            cart: legacy as unknown as CartState,
            expectedVersion: null,
            tokenHash: hashToken(token),
            appliedActionIds: [],
            audit: [],
            events: [],
          },
          idempotency: null,
        }),
      );
      return { id, token };
    }
    const post = (cart: { id: string; token: string }, path: string, payload?: object) =>
      t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}${path}`,
        headers: bearer(cart.token),
        ...(payload === undefined ? {} : { payload }),
      });

    it('reads, changes, conflicts and announces with an empty window', async () => {
      const cart = await legacyCart();
      expect(await readCart(t.app, cart)).toMatchObject({ appliedActionIds: [], taxRateBps: 0 });
      const conflict = await t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: { ...bearer(cart.token), 'if-match': '"7"' },
        payload: { note: 'stale' },
      });
      expect(expectProblem(conflict, 412, 'VERSION_CONFLICT').cart?.appliedActionIds).toEqual([]);
      const heard: Cart[] = [];
      const unsubscribe = service().events.subscribe(cart.id, (c) => heard.push(c));
      try {
        const res = await post(cart, '/actions', {
          actions: [{ type: 'addLine', productId: product.id, quantity: 1, actionId: 'old-1' }],
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json<Cart>().appliedActionIds).toEqual(['old-1']);
      } finally {
        unsubscribe();
      }
      expect(heard.map((c) => c.appliedActionIds)).toEqual([['old-1']]);
      expect((await stored(cart.id))?.appliedActionIds).toEqual(['old-1']);
    });

    it('merges, checks out and expires', async () => {
      const target = await legacyCart([{ productId: product.id, quantity: 1 }]);
      const source = await legacyCart([{ productId: product.id, quantity: 2 }]);
      const merged = await post(target, '/merge', {
        sourceCartId: source.id,
        sourceToken: source.token,
      });
      expect(merged.statusCode, merged.body).toBe(200);
      expect(merged.json<Cart>()).toMatchObject({ itemCount: 2, appliedActionIds: [] });
      expect(await stored(source.id)).toMatchObject({ status: 'merged', appliedActionIds: [] });

      const done = await post(target, '/checkout');
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json<CheckoutResult>().cart).toMatchObject({
        status: 'checked_out',
        appliedActionIds: [],
      });

      const idle = await legacyCart([{ productId: product.id, quantity: 1 }]);
      expect(await service().expire(idle.id, new Date(Date.now() + 2 * DAY))).toBe(true);
      expect(await stored(idle.id)).toMatchObject({ status: 'expired', appliedActionIds: [] });
    });
  });

  describe('merge', () => {
    it('refuses to merge a source cart past its expiry, touching neither cart', async () => {
      const source = await createCart(t.app);
      await addLine(t.app, source, product.id);
      const target = await createCart(t.app);
      const expiry = Date.parse(source.expiresAt);
      // The target is kept alive by a change just before the source's expiry.
      const kept = await service().change(
        target.id,
        hashToken(target.token),
        [{ type: 'setNote', note: 'still shopping' }],
        meta(new Date(expiry - 60_000)),
        'cart.update',
      );
      expect(kept).toMatchObject({ kind: 'decided', outcome: { kind: 'changed' } });
      const reply = await service().merge(
        target.id,
        hashToken(target.token),
        source.id,
        source.token,
        meta(new Date(expiry + 60_000)),
      );
      expect(reply).toEqual({
        kind: 'decided',
        outcome: {
          kind: 'refused',
          code: 'CART_CLOSED',
          detail: 'The cart being merged is expired.',
          errors: [{ path: '/sourceCartId', message: 'The cart being merged is expired.' }],
        },
      });
      expect(await stored(source.id)).toMatchObject({ status: 'active', version: 2 });
      expect(await stored(target.id)).toMatchObject({ version: 2, lines: [] });
    });
  });

  describe('lost races', () => {
    it('decides again on fresh data after a lost write: the change lands once', async () => {
      const cart = await createCart(t.app);
      storage.attempts = 0;
      storage.conflicts = 2;
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/lines`,
        headers: bearer(cart.token),
        payload: { productId: product.id, quantity: 3 },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(storage.attempts).toBe(3);
      expect(res.json<Cart>()).toMatchObject({ version: 2, lines: [{ quantity: 3 }] });
      expect((await auditOf(t.app, cart.id)).map((r) => r.action)).toEqual([
        'cart.addLine',
        'cart.create',
      ]);
    });

    it('gives up after five lost races with 500, changing nothing', async () => {
      const cart = await createCart(t.app);
      storage.attempts = 0;
      storage.conflicts = 5;
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/lines`,
        headers: bearer(cart.token),
        payload: { productId: product.id, quantity: 1 },
      });
      const problem = expectProblem(res, 500, 'INTERNAL');
      expect(storage.attempts).toBe(5);
      expect(res.body).not.toContain('write conflict');
      expect(logLines(t.logs, 'unhandled error').some((l) => l.reqId === problem.requestId)).toBe(
        true,
      );
      expect(await stored(cart.id)).toMatchObject({ version: 1, lines: [] });
    });

    it('does not retry a failure that is not a lost race', async () => {
      const cart = await createCart(t.app);
      storage.attempts = 0;
      storage.failWith = new TypeError('a bug');
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: bearer(cart.token),
        payload: { note: 'x' },
      });
      expectProblem(res, 500, 'INTERNAL');
      expect(storage.attempts).toBe(1);
    });
  });
});
