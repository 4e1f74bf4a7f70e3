/**
 * Concurrent change: ETag / If-Match (412 with the current cart), serialized writes
 * without If-Match (none lost), and the live event stream.
 */
import { describe, expect, it } from 'vitest';
import { Cart } from '@cart/core';
import { openEventStream } from '@cart/test-support/http.ts';
import {
  addLine,
  cartPath,
  createCart,
  createProduct,
  expectCart,
  expectProblem,
  getCart,
  type Harness,
} from './harness.ts';

export function defineConcurrencyContract(h: Harness): void {
  describe('If-Match', () => {
    it('applies a change whose If-Match matches, refuses a stale one with 412 and the current cart', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const ok = await h.http.post(cartPath(cart, '/lines'), {
        token: cart.token,
        body: { productId: product.id, quantity: 1 },
        headers: { 'if-match': '"1"' },
      });
      const current = expectCart(ok);
      expect(current.version).toBe(2);

      const stale = await h.http.patch(cartPath(cart), {
        token: cart.token,
        body: { note: 'stale' },
        headers: { 'if-match': '"1"' },
      });
      const problem = expectProblem(stale, 412, 'VERSION_CONFLICT');
      expect(stale.headers.get('etag')).toBe('"2"');
      expect(problem.cart).toEqual(current);
      expect(await getCart(h, cart)).toMatchObject({ version: 2, note: '' });
    });

    it('guards every kind of change: lines, discounts, actions, merge and checkout', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const added = await addLine(h, cart, product.id, 1);
      const lineId = added.lines[0]?.id ?? '';
      const source = await createCart(h);
      const stale = { token: cart.token, headers: { 'if-match': '"1"' } };
      const replies = [
        await h.http.patch(cartPath(cart, `/lines/${lineId}`), { ...stale, body: { quantity: 2 } }),
        await h.http.delete(cartPath(cart, `/lines/${lineId}`), stale),
        await h.http.post(cartPath(cart, '/discounts'), { ...stale, body: { code: 'ANY' } }),
        await h.http.delete(cartPath(cart, '/discounts/ANY'), stale),
        await h.http.post(cartPath(cart, '/actions'), {
          ...stale,
          body: { actions: [{ type: 'clear' }] },
        }),
        await h.http.post(cartPath(cart, '/merge'), {
          ...stale,
          body: { sourceCartId: source.id, sourceToken: source.token },
        }),
        await h.http.post(cartPath(cart, '/checkout'), stale),
      ];
      for (const reply of replies) {
        const problem = expectProblem(reply, 412, 'VERSION_CONFLICT');
        expect(problem.cart?.version).toBe(2);
        expect(reply.headers.get('etag')).toBe('"2"');
      }
      expect(await getCart(h, cart)).toMatchObject({ version: 2, status: 'active', itemCount: 1 });
      expect((await getCart(h, source)).status).toBe('active');

      const matching = await h.http.patch(cartPath(cart, `/lines/${lineId}`), {
        token: cart.token,
        body: { quantity: 2 },
        headers: { 'if-match': '"2"' },
      });
      expect(expectCart(matching).version).toBe(3);
    });
  });

  describe('concurrent changes without If-Match', () => {
    it('serializes 50 concurrent adds: none lost, every version distinct', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const replies = await Promise.all(
        Array.from({ length: 50 }, () =>
          h.http.post<Cart>(cartPath(cart, '/lines'), {
            token: cart.token,
            body: { productId: product.id, quantity: 1 },
          }),
        ),
      );
      const versions = replies.map((reply) => expectCart(reply).version);
      expect(new Set(versions).size).toBe(50);
      expect(Math.min(...versions)).toBe(2);
      expect(Math.max(...versions)).toBe(51);
      const final = await getCart(h, cart);
      expect(final.version).toBe(51);
      expect(final.lines).toHaveLength(1);
      expect(final.lines[0]?.quantity).toBe(50);
    });
  });

  describe('GET /api/carts/:id/events', () => {
    it('streams the current cart at once, then one cart event per change', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const stream = await openEventStream(`${h.url}${cartPath(cart, '/events')}`, {
        authorization: `Bearer ${cart.token}`,
      });
      try {
        expect(stream.status).toBe(200);
        expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
        const first = await stream.next();
        expect(first.event).toBe('cart');
        const initial = JSON.parse(first.data) as Cart;
        expect(initial).toEqual(await getCart(h, cart));

        await addLine(h, cart, product.id, 2);
        const second = await stream.next();
        expect(second.event).toBe('cart');
        const changed = JSON.parse(second.data) as Cart;
        expect(changed).toMatchObject({ id: cart.id, version: 2, itemCount: 2 });

        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'live' } });
        const third = JSON.parse((await stream.next()).data) as Cart;
        expect(third).toMatchObject({ version: 3, note: 'live' });
      } finally {
        stream.close();
      }
    });

    it('streams each cart with its applied action ids and its tax rate', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const stream = await openEventStream(`${h.url}${cartPath(cart, '/events')}`, {
        authorization: `Bearer ${cart.token}`,
      });
      try {
        expect(JSON.parse((await stream.next()).data)).toMatchObject({
          appliedActionIds: [],
          taxRateBps: 0,
        });
        const answer = expectCart(
          await h.http.post(cartPath(cart, '/actions'), {
            token: cart.token,
            body: {
              actions: [
                { type: 'addLine', productId: product.id, quantity: 1, actionId: 'live-1' },
                { type: 'setNote', note: 'live', actionId: 'live-2' },
              ],
            },
          }),
        );
        const streamed = JSON.parse((await stream.next()).data) as Cart;
        expect(Cart.safeParse(streamed).error?.issues ?? []).toEqual([]);
        expect(streamed.appliedActionIds).toEqual(['live-1', 'live-2']);
        expect(streamed).toEqual(answer);
      } finally {
        stream.close();
      }
    });

    it('answers an unknown cart or a wrong token with a 404 problem, not a stream', async () => {
      const cart = await createCart(h);
      const other = await createCart(h);
      for (const token of [other.token, undefined]) {
        const stream = await openEventStream(
          `${h.url}${cartPath(cart, '/events')}`,
          token === undefined ? {} : { authorization: `Bearer ${token}` },
        );
        stream.close();
        expect(stream.status).toBe(404);
        expect(stream.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect((JSON.parse(stream.errorText) as { code: string }).code).toBe('CART_NOT_FOUND');
      }
    });
  });
}
