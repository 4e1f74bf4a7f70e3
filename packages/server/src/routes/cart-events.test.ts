import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cart, CreatedCart } from '@cart/core';
import { openEventStream } from '@cart/test-support/http.ts';
import {
  addLine,
  adminAuth,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { HEARTBEAT_MS } from './cart-events.ts';

describe('live cart events', () => {
  let t: TestApp;
  let base: string;
  let cart: CreatedCart;

  beforeEach(async () => {
    t = await buildTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    cart = await createCart(t.app);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await t.close();
  });

  const subscribers = () => t.app.cartService.events.subscriberCount;
  const open = () => openEventStream(`${base}/api/carts/${cart.id}/events`, bearer(cart.token));

  it('sends the cart at once, then the cart after every change, never an older one', async () => {
    const stream = await open();
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-store');
      expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      const first = await stream.next();
      expect(first).toMatchObject({ event: 'cart', id: '1' });
      expect(JSON.parse(first.data)).toMatchObject({ id: cart.id, version: 1 });

      const product = await createProduct(t.app);
      const v2 = await addLine(t.app, cart, product.id);
      const second = await stream.next();
      expect(second.id).toBe('2');
      expect(JSON.parse(second.data)).toEqual(v2);

      // A late copy of an older version (as a broker may deliver) is not news.
      t.app.cartService.events.publish(JSON.parse(first.data) as Cart);
      t.app.cartService.events.publish(v2);
      const v3 = await addLine(t.app, cart, product.id);
      const third = await stream.next();
      expect({ id: third.id, cart: JSON.parse(third.data) as unknown }).toEqual({
        id: '3',
        cart: v3,
      });
    } finally {
      stream.close();
    }
  });

  it('sends the stock level of a product the cart holds when an admin or a checkout changes it, to no other cart', async () => {
    const held = await createProduct(t.app, { stock: 5 });
    const other = await createProduct(t.app, { stock: 5 });
    await addLine(t.app, cart, held.id, 3);
    const stream = await open();
    const bystander = await createCart(t.app);
    await addLine(t.app, bystander, other.id);
    const away = await openEventStream(
      `${base}/api/carts/${bystander.id}/events`,
      bearer(bystander.token),
    );
    const setStock = async (id: string, stock: number | null, sku: string) => {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/admin/products/${id}`,
        headers: adminAuth,
        payload: productInput({ sku, stock }),
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    try {
      expect((await stream.next()).event).toBe('cart');
      expect((await away.next()).event).toBe('cart');

      await setStock(held.id, 2, held.sku);
      const level = await stream.next();
      expect(level).toMatchObject({ event: 'stock' });
      expect(JSON.parse(level.data)).toEqual({ productId: held.id, stock: 2 });

      // Checkout names each line short of stock, so a page without live stock marks it.
      const refused = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/checkout`,
        headers: bearer(cart.token),
      });
      const problem = expectProblem(refused, 409, 'OUT_OF_STOCK');
      const lineId = (await t.app.storage.getCart(cart.id))?.state.lines[0]?.id;
      expect(problem.errors).toEqual([{ path: `/lines/${lineId}`, message: 'only 2 left' }]);

      // Another cart's checkout reserves the last two: what is left is announced.
      const buyer = await createCart(t.app);
      await addLine(t.app, buyer, held.id, 2);
      const bought = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${buyer.id}/checkout`,
        headers: bearer(buyer.token),
      });
      expect(bought.statusCode, bought.body).toBe(200);
      expect(JSON.parse((await stream.next()).data)).toEqual({ productId: held.id, stock: 0 });

      await setStock(held.id, null, held.sku);
      expect(JSON.parse((await stream.next()).data)).toEqual({ productId: held.id, stock: null });
      // The bystander's cart holds neither: its next event is its own change.
      const v3 = await addLine(t.app, bystander, other.id);
      expect(await away.next()).toMatchObject({ event: 'cart', id: String(v3.version) });
    } finally {
      stream.close();
      away.close();
    }
  });

  it('follows the products of the cart as it changes: a line removed is no longer told of', async () => {
    const first = await createProduct(t.app, { stock: 5 });
    const second = await createProduct(t.app, { stock: 5 });
    const stream = await open();
    const events = t.app.cartService.events;
    try {
      await stream.next();
      events.publishStock([{ productId: first.id, stock: 4 }]);
      const added = await addLine(t.app, cart, first.id);
      expect((await stream.next()).event).toBe('cart');
      events.publishStock([{ productId: first.id, stock: 3 }]);
      expect(JSON.parse((await stream.next()).data)).toEqual({ productId: first.id, stock: 3 });
      const lineId = added.lines[0]?.id ?? '';
      const removed = await t.app.inject({
        method: 'DELETE',
        url: `/api/carts/${cart.id}/lines/${lineId}`,
        headers: bearer(cart.token),
      });
      expect(removed.statusCode, removed.body).toBe(200);
      expect((await stream.next()).event).toBe('cart');
      events.publishStock([
        { productId: first.id, stock: 2 },
        { productId: second.id, stock: 1 },
      ]);
      const v = await addLine(t.app, cart, second.id);
      expect(await stream.next()).toMatchObject({ event: 'cart', id: String(v.version) });
    } finally {
      stream.close();
    }
  });

  it('answers 404 to a wrong token, without subscribing', async () => {
    const stream = await openEventStream(
      `${base}/api/carts/${cart.id}/events`,
      bearer('x'.repeat(43)),
    );
    expect(stream.status).toBe(404);
    expect(JSON.parse(stream.errorText)).toMatchObject({ code: 'CART_NOT_FOUND' });
    expect(subscribers()).toBe(0);
  });

  /** The stream read with node:http, all of its text so far; `destroy` drops the connection. */
  function openRaw() {
    const received = { text: '' };
    const request = http.get(`${base}/api/carts/${cart.id}/events`, {
      headers: bearer(cart.token),
    });
    request.on('error', () => {});
    request.on('response', (res) =>
      res.on('data', (chunk: Buffer) => (received.text += chunk.toString())),
    );
    return { received, destroy: () => request.destroy() };
  }

  it('unsubscribes when the client goes away', async () => {
    const stream = openRaw();
    await vi.waitFor(() => expect(stream.received.text).toContain('event: cart'));
    expect(subscribers()).toBe(1);
    stream.destroy();
    await vi.waitFor(() => expect(subscribers()).toBe(0));
    // A change after that reaches no one and breaks nothing.
    const product = await createProduct(t.app);
    expect((await addLine(t.app, cart, product.id)).version).toBe(2);
  });

  it('ends every stream when the app closes, so that closing does not hang', async () => {
    const streams = [await open(), await open()];
    for (const s of streams) await s.next();
    expect(subscribers()).toBe(2);
    await t.app.close();
    expect(subscribers()).toBe(0);
    for (const s of streams) await expect(s.next(1000)).rejects.toThrow('event stream ended');
  });

  it(`sends a comment heartbeat every ${HEARTBEAT_MS / 1000} s`, async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const stream = openRaw();
    const heartbeats = () => stream.received.text.match(/^: heartbeat\n\n/gm)?.length ?? 0;
    try {
      await vi.waitFor(() => expect(stream.received.text).toContain('event: cart'));
      expect(stream.received.text.startsWith('retry: 2000\n\n')).toBe(true);
      expect(heartbeats()).toBe(0);
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      await vi.waitFor(() => expect(heartbeats()).toBe(1));
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      await vi.waitFor(() => expect(heartbeats()).toBe(2));
    } finally {
      stream.destroy();
    }
  });
});
