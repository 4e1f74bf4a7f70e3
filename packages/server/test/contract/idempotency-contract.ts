/**
 * `Idempotency-Key`: a repeat replays the first answer (errors after validation
 * included) with no second effect; another body under the same key is refused; keys are
 * scoped by credential, method and path; a duplicate in flight gets 409.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CheckoutResult, Product } from '@cart/core';
import { rawRequest, sleep, startRawRequest, toReply } from '@cart/test-support/http.ts';
import {
  addLine,
  cartPath,
  createCart,
  createProduct,
  expectCart,
  expectProblem,
  getCart,
  productInput,
  usd,
  type Harness,
  type OpenCart,
} from './harness.ts';

export function defineIdempotencyContract(h: Harness): void {
  const addWithKey = (cart: OpenCart, key: string, body: unknown) =>
    h.http.post(cartPath(cart, '/lines'), {
      token: cart.token,
      body,
      headers: { 'idempotency-key': key },
    });

  describe('Idempotency-Key', () => {
    it('replays the first answer with Idempotent-Replayed: true and no second effect', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const key = randomUUID();
      const body = { productId: product.id, quantity: 2 };
      const first = await addWithKey(cart, key, body);
      const firstCart = expectCart(first);
      expect(firstCart.version).toBe(2);
      expect(first.headers.get('idempotent-replayed')).not.toBe('true');

      const again = await addWithKey(cart, key, body);
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('etag')).toBe('"2"');
      expect(await getCart(h, cart)).toMatchObject({ version: 2, itemCount: 2 });
    });

    it('replays a DELETE instead of answering LINE_NOT_FOUND', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const added = await addLine(h, cart, product.id, 1);
      const key = randomUUID();
      const remove = () =>
        h.http.delete(cartPath(cart, `/lines/${added.lines[0]?.id}`), {
          token: cart.token,
          headers: { 'idempotency-key': key },
        });
      const first = await remove();
      expect(expectCart(first).lines).toEqual([]);
      const again = await remove();
      expect(again.status, again.text).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect((await getCart(h, cart)).version).toBe(3);
    });

    it('refuses the same key with another body (422 IDEMPOTENCY_KEY_REUSED)', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const key = randomUUID();
      expectCart(await addWithKey(cart, key, { productId: product.id, quantity: 1 }));
      expectProblem(
        await addWithKey(cart, key, { productId: product.id, quantity: 5 }),
        422,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await getCart(h, cart)).toMatchObject({ version: 2, itemCount: 1 });
    });

    it('accepts 1–255 visible ASCII characters (or a quoted string) and refuses other keys with 400', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const body = { productId: product.id, quantity: 1 };
      for (const bad of ['k'.repeat(256), 'has space', 'tab\there']) {
        const reply = await rawRequest(h.url, {
          method: 'POST',
          path: cartPath(cart, '/lines'),
          headers: {
            authorization: `Bearer ${cart.token}`,
            'content-type': 'application/json',
            'idempotency-key': bad,
          },
          body: JSON.stringify(body),
        });
        expectProblem(toReply(reply), 400, 'VALIDATION_FAILED');
      }
      expect((await getCart(h, cart)).version).toBe(1);
      expectCart(await addWithKey(cart, 'k'.repeat(255), body));
      expectCart(await addWithKey(cart, `"${randomUUID()}"`, body));
      expect((await getCart(h, cart)).itemCount).toBe(2);
    });

    it('scopes keys by credential, method and path', async () => {
      const product = await createProduct(h);
      const one = await createCart(h);
      const two = await createCart(h);
      const key = randomUUID();
      const body = { productId: product.id, quantity: 1 };
      expectCart(await addWithKey(one, key, body));
      const other = await addWithKey(two, key, body);
      expectCart(other);
      expect(other.headers.get('idempotent-replayed')).not.toBe('true');
      expect((await getCart(h, two)).itemCount).toBe(1);

      const patched = await h.http.patch(cartPath(one), {
        token: one.token,
        body: { note: 'same key, other route' },
        headers: { 'idempotency-key': key },
      });
      expect(expectCart(patched).note).toBe('same key, other route');
      expect(patched.headers.get('idempotent-replayed')).not.toBe('true');
    });

    it('replays an error answered after validation (409 OUT_OF_STOCK) even when it would now succeed', async () => {
      const product = await createProduct(h, { stock: 1 });
      const cart = await createCart(h);
      const key = randomUUID();
      const body = { productId: product.id, quantity: 3 };
      const first = await addWithKey(cart, key, body);
      expectProblem(first, 409, 'OUT_OF_STOCK');
      const put = await h.http.put(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: productInput({ sku: product.sku, name: product.name, stock: 100 }),
      });
      expect(put.status, put.text).toBe(200);
      const again = await addWithKey(cart, key, body);
      expect(again.status).toBe(409);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await getCart(h, cart)).toMatchObject({ version: 1, lines: [] });
    });

    it('replays a checkout instead of answering CART_CLOSED', async () => {
      const product = await createProduct(h, { stock: 5 });
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 2);
      const key = randomUUID();
      const post = () =>
        h.http.post<CheckoutResult>(cartPath(cart, '/checkout'), {
          token: cart.token,
          headers: { 'idempotency-key': key },
        });
      const first = await post();
      expect(first.status, first.text).toBe(200);
      const again = await post();
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.orderId).toBe(first.body.orderId);
      const stock = await h.http.get<Product>(`/api/products/${product.id}`);
      expect(stock.body.stock).toBe(3);
    });

    it('replays an admin creation instead of answering ALREADY_EXISTS', async () => {
      const key = randomUUID();
      const body = productInput({ price: usd(250) });
      const post = () =>
        h.http.post<Product>('/api/admin/products', {
          token: h.adminToken,
          body,
          headers: { 'idempotency-key': key },
        });
      const first = await post();
      expect(first.status, first.text).toBe(201);
      const again = await post();
      expect(again.status, again.text).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
    });

    it('answers a duplicate that arrives while the first is in flight with 409 and Retry-After', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const key = randomUUID();
      const body = JSON.stringify({ productId: product.id, quantity: 1 });
      const headers = {
        authorization: `Bearer ${cart.token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      };
      const slow = startRawRequest(h.url, {
        method: 'POST',
        path: cartPath(cart, '/lines'),
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      });
      const half = Math.floor(body.length / 2);
      slow.request.flushHeaders();
      slow.request.write(body.slice(0, half));
      await sleep(300);

      const duplicate = await rawRequest(h.url, {
        method: 'POST',
        path: cartPath(cart, '/lines'),
        headers,
        body,
      });
      expectProblem(toReply(duplicate), 409, 'IDEMPOTENCY_IN_FLIGHT');
      expect(duplicate.headers['retry-after']).toMatch(/^\d+$/);

      slow.request.end(body.slice(half));
      const done = await slow.response;
      expect(done.status, done.text).toBe(200);
      expect((done.json as { version: number }).version).toBe(2);

      // Once finished, the same request replays.
      const replay = await rawRequest(h.url, {
        method: 'POST',
        path: cartPath(cart, '/lines'),
        headers,
        body,
      });
      expect(replay.status).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(await getCart(h, cart)).toMatchObject({ version: 2, itemCount: 1 });
    });
  });
}
