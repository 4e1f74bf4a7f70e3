// The checks every change to a cart passes first (`DecisionSteps.open`, cart-decision.ts):
// If-Match against the cart's version, and an unknown cart refused as CART_NOT_FOUND.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product } from '@cart/core';
import {
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  header,
  readCart,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { ifMatchAccepts, ifNoneMatchMatches } from '../http/reply.ts';

describe('opening a cart for a change', () => {
  let t: TestApp;
  let product: Product;

  beforeAll(async () => {
    t = await buildTestApp();
    product = await createProduct(t.app);
  });
  afterAll(() => t.close());

  const service = () => t.app.cartService;

  describe('If-Match', () => {
    let cart: CreatedCart;
    beforeEach(async () => {
      cart = await createCart(t.app);
    });
    const patch = (ifMatch: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: { ...bearer(cart.token), 'if-match': ifMatch },
        payload: { note: 'n' },
      });

    it.each(['"0"', '"2"', 'W/"0"', 'W/"1"', '"7", W/"1"', '"0", "2"', '1', '"1'])(
      'answers %s on a cart at version 1 with 412 VERSION_CONFLICT, the current cart and its ETag',
      async (ifMatch) => {
        const res = await patch(ifMatch);
        const problem = expectProblem(res, 412, 'VERSION_CONFLICT');
        expect(problem.detail).toBe('The cart is at version 1; your change was based on another.');
        expect(header(res, 'etag')).toBe('"1"');
        expect(problem.cart).toEqual(await readCart(t.app, cart));
        expect(problem.cart?.version).toBe(1);
      },
    );

    it.each(['"1"', '*', '"7", "1"', ' "3" ,"1" '])(
      'accepts %s on a cart at version 1',
      async (ifMatch) => {
        const res = await patch(ifMatch);
        expect(res.statusCode, res.body).toBe(200);
        expect(header(res, 'etag')).toBe('"2"');
      },
    );

    it('matches * against any version, not only the first', async () => {
      await patch('*');
      await patch('*');
      const res = await patch('*');
      expect(res.json<Cart>().version).toBe(4);
      expectProblem(await patch('"3"'), 412, 'VERSION_CONFLICT');
    });

    it('compares weakly for If-None-Match on GET', async () => {
      const res = await t.app.inject({
        url: `/api/carts/${cart.id}`,
        headers: { ...bearer(cart.token), 'if-none-match': 'W/"1"' },
      });
      expect(res.statusCode).toBe(304);
      expect(ifNoneMatchMatches('W/"1", "9"', 1)).toBe(true);
      expect(ifNoneMatchMatches('"10"', 1)).toBe(false);
      expect(ifMatchAccepts('W/"1"', 1)).toBe(false);
    });
  });

  describe('unknown carts', () => {
    it('refuses a change to a cart that does not exist as CART_NOT_FOUND', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/carts/no-such-cart/lines',
        headers: bearer('A'.repeat(43)),
        payload: { productId: product.id, quantity: 1 },
      });
      expectProblem(res, 404, 'CART_NOT_FOUND');
      expect(await service().read('no-such-cart', null, new Date())).toBeNull();
    });
  });
});
