import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cart, CreatedCart } from '@cart/core';
import { openEventStream } from '@cart/test-support/http.ts';
import {
  addLine,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
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
