// Checkout (cart-checkout.ts) against a catalog that changed since the cart was filled,
// and which codes it counts as used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product } from '@cart/core';
import type { FastifyInstance } from 'fastify';
import type { AuditRecord } from '../storage/port.ts';
import {
  adminAuth,
  addLine,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  type TestApp,
} from '@cart/test-support/test-app.ts';

async function auditOf(app: FastifyInstance, cartId: string): Promise<AuditRecord[]> {
  const res = await app.inject({ url: `/api/admin/audit?cartId=${cartId}`, headers: adminAuth });
  return res.json<{ items: AuditRecord[] }>().items;
}

describe('checkout', () => {
  let t: TestApp;
  let product: Product;

  beforeAll(async () => {
    t = await buildTestApp();
    product = await createProduct(t.app);
  });
  afterAll(() => t.close());

  const stored = async (id: string) => (await t.app.storage.getCart(id))?.state;

  describe('checkout against a catalog that changed', () => {
    const checkout = (cart: CreatedCart) =>
      t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/checkout`,
        headers: bearer(cart.token),
      });

    it('refuses a product deleted since it was added: 422 PRODUCT_NOT_FOUND, cart kept', async () => {
      const doomed = await createProduct(t.app, { name: 'Doomed Mug' });
      const cart = await createCart(t.app);
      await addLine(t.app, cart, doomed.id, 2);
      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/admin/products/${doomed.id}`,
        headers: adminAuth,
      });
      expect(del.statusCode).toBe(204);
      const problem = expectProblem(await checkout(cart), 422, 'PRODUCT_NOT_FOUND');
      expect(problem.detail).toBe('Doomed Mug is not available any more. Remove it to check out.');
      expect(await stored(cart.id)).toMatchObject({ status: 'active', version: 2 });
    });

    it('refuses a code deleted since it was applied: 422 DISCOUNT_INVALID, cart kept', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/admin/discounts',
        headers: adminAuth,
        payload: { code: 'GONE10', kind: 'percent', value: 1000 },
      });
      expect(created.statusCode).toBe(201);
      const cart = await createCart(t.app);
      await addLine(t.app, cart, product.id);
      const applied = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/discounts`,
        headers: bearer(cart.token),
        payload: { code: 'gone10' },
      });
      expect(applied.statusCode, applied.body).toBe(200);
      await t.app.inject({
        method: 'DELETE',
        url: '/api/admin/discounts/GONE10',
        headers: adminAuth,
      });
      const problem = expectProblem(await checkout(cart), 422, 'DISCOUNT_INVALID');
      expect(problem.detail).toBe('The code GONE10 is no longer valid. Remove it to check out.');
      expect(await stored(cart.id)).toMatchObject({ status: 'active', version: 3 });
    });
  });

  describe('checkout asked again', () => {
    it('answers the same order under the If-Match the first checkout was asked with', async () => {
      // The first answer was lost and its Idempotency-Key forgotten since: the retry still
      // names the version before the order, which the order moved on.
      const cart = await createCart(t.app);
      const filled = await addLine(t.app, cart, product.id);
      const ask = (key: string) =>
        t.app.inject({
          method: 'POST',
          url: `/api/carts/${cart.id}/checkout`,
          headers: {
            ...bearer(cart.token),
            'if-match': `"${filled.version}"`,
            'idempotency-key': key,
          },
        });
      const first = await ask('first-try');
      expect(first.statusCode, first.body).toBe(200);
      const again = await ask('key-forgotten');
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json<{ orderId: string }>().orderId).toBe(
        first.json<{ orderId: string }>().orderId,
      );
      expect(await stored(cart.id)).toMatchObject({
        status: 'checked_out',
        version: filled.version + 1,
      });
    });
  });

  describe('checkout and discount use', () => {
    it('counts a code as used only when it took something off', async () => {
      for (const code of ['MIN2000', 'FLAT100']) {
        const body =
          code === 'MIN2000'
            ? { code, kind: 'percent', value: 1000, minSubtotal: 2000 }
            : { code, kind: 'fixed', value: 100 };
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/admin/discounts',
          headers: adminAuth,
          payload: body,
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      const cart = await createCart(t.app);
      const two = await addLine(t.app, cart, product.id, 2);
      for (const code of ['MIN2000', 'FLAT100']) {
        const res = await t.app.inject({
          method: 'POST',
          url: `/api/carts/${cart.id}/discounts`,
          headers: bearer(cart.token),
          payload: { code },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      // Down to one mug: the 20.00 minimum of MIN2000 is no longer met.
      const one = await t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}/lines/${two.lines[0]?.id}`,
        headers: bearer(cart.token),
        payload: { quantity: 1 },
      });
      expect(one.json<Cart>().discounts).toMatchObject([
        { code: 'MIN2000', applicable: false, amount: { amount: 0 } },
        { code: 'FLAT100', applicable: true, amount: { amount: 100 } },
      ]);
      const done = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/checkout`,
        headers: bearer(cart.token),
      });
      expect(done.statusCode, done.body).toBe(200);
      const list = await t.app.inject({ url: '/api/admin/discounts', headers: adminAuth });
      const used = Object.fromEntries(
        list
          .json<{ items: { code: string; timesUsed: number }[] }>()
          .items.map((d) => [d.code, d.timesUsed]),
      );
      expect(used).toMatchObject({ MIN2000: 0, FLAT100: 1 });
      const record = (await auditOf(t.app, cart.id)).find((r) => r.action === 'cart.checkout');
      expect(record?.detail).toMatchObject({ codes: ['FLAT100'], total: 900 });
    });
  });
});
