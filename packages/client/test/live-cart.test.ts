import { describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import { CartApi, Transport, followCart, type FetchLike } from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';

const cart = (version: number): Cart => ({
  id: 'c1',
  version,
  status: 'active',
  regionId: 'us',
  currency: 'USD',
  country: null,
  shippingAddress: null,
  shippingOption: null,
  lines: [],
  discounts: [],
  note: '',
  email: null,
  itemCount: 0,
  subtotal: { amount: 0, currency: 'USD' },
  discountTotal: { amount: 0, currency: 'USD' },
  shippingTotal: { amount: 0, currency: 'USD' },
  taxTotal: { amount: 0, currency: 'USD' },
  total: { amount: 0, currency: 'USD' },
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
  expiresAt: '2026-12-28T10:00:00.000Z',
  appliedActionIds: [],
  taxRateBps: 0,
  taxInclusive: false,
  shippingOptionId: null,
});

/** A stream the test writes to; it ends when the request is aborted. */
function stream(signal: AbortSignal | null | undefined) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  signal?.addEventListener('abort', () =>
    controller.error(new DOMException('aborted', 'AbortError')),
  );
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

/** The live stream, driven by hand: what it does on events, silence, errors and 404. */
describe('followCart', () => {
  const setup = (fetch: FetchLike) => {
    const clock = new FakeClock();
    const api = new CartApi(new Transport({ fetch, runtime: clock }), 'bearer');
    api.token = 't'.repeat(43);
    return { clock, api };
  };

  it('delivers carts, reconnects after the stream ends, and after a silence', async () => {
    const streams: ReturnType<typeof stream>[] = [];
    const headers: Headers[] = [];
    const fetch: FetchLike = (_url, init) => {
      headers.push(new Headers(init.headers));
      const s = stream(init.signal);
      streams.push(s);
      return Promise.resolve(s.response);
    };
    const { clock, api } = setup(fetch);
    const got: number[] = [];
    const connected: boolean[] = [];
    const live = followCart({
      api,
      cartId: 'c1',
      runtime: clock,
      idleTimeoutMs: 45_000,
      onCart: (c) => got.push(c.version),
      onConnection: (up) => connected.push(up),
    });
    await flush();
    expect(headers[0]?.get('authorization')).toBe(`Bearer ${'t'.repeat(43)}`);
    streams[0]?.send(`retry: 2000\n\nevent: cart\nid: 1\ndata: ${JSON.stringify(cart(1))}\n\n`);
    streams[0]?.send('event: cart\ndata: {not json\n\n: heartbeat\n\n');
    streams[0]?.send(`event: other\ndata: ${JSON.stringify(cart(9))}\n\n`);
    await flush();
    expect(got).toEqual([1]);

    streams[0]?.end(); // the server went away
    await flush();
    expect(clock.sleeps.at(-1)).toBeGreaterThanOrEqual(2000); // the server's retry is the least wait
    await flush();
    expect(streams).toHaveLength(2);
    // It resumes from the last cart it has (the server then skips that version).
    expect(headers[0]?.has('last-event-id')).toBe(false);
    expect(headers[1]?.get('last-event-id')).toBe('1');
    streams[1]?.send(`event: cart\ndata: ${JSON.stringify(cart(2))}\n\n`);
    await flush();
    expect(got).toEqual([1, 2]);

    clock.tick(45_000); // nothing, not even a heartbeat: the connection is dead
    await flush();
    await flush();
    expect(streams.length).toBeGreaterThanOrEqual(3);
    live.close();
    await flush();
    expect(connected.filter((c) => c).length).toBeGreaterThanOrEqual(2);
  });

  it('delivers stock levels, and ignores one it cannot read', async () => {
    const streams: ReturnType<typeof stream>[] = [];
    const fetch: FetchLike = (_url, init) => {
      const s = stream(init.signal);
      streams.push(s);
      return Promise.resolve(s.response);
    };
    const { clock, api } = setup(fetch);
    const levels: unknown[] = [];
    const got: number[] = [];
    const live = followCart({
      api,
      cartId: 'c1',
      runtime: clock,
      onCart: (c) => got.push(c.version),
      onStock: (level) => levels.push(level),
    });
    await flush();
    streams[0]?.send(`event: cart\nid: 4\ndata: ${JSON.stringify(cart(4))}\n\n`);
    streams[0]?.send('event: stock\ndata: {"productId":"p1","stock":2}\n\n');
    streams[0]?.send('event: stock\ndata: {"productId":"p2","stock":null}\n\n');
    streams[0]?.send('event: stock\ndata: {"productId":"p3","stock":-1}\n\n');
    streams[0]?.send('event: stock\ndata: {"productId":"p4"}\n\n');
    await flush();
    expect(got).toEqual([4]);
    expect(levels).toEqual([
      { productId: 'p1', stock: 2 },
      { productId: 'p2', stock: null },
    ]);
    live.close();
  });

  it('backs off while the server fails; only a problem document says the cart is gone', async () => {
    let calls = 0;
    const gonePage = JSON.stringify({
      type: 'about:blank',
      title: 'Cart not found',
      status: 404,
      detail: 'gone',
      code: 'CART_NOT_FOUND',
    });
    const fetch: FetchLike = () => {
      calls++;
      if (calls === 1) return Promise.reject(new TypeError('offline'));
      if (calls === 2) return Promise.resolve(new Response('busy', { status: 503 }));
      // A proxy's 404 is not the shop's word: it is retried like any failure.
      if (calls === 3) return Promise.resolve(new Response('<h1>Not Found</h1>', { status: 404 }));
      return Promise.resolve(
        new Response(gonePage, {
          status: 404,
          headers: { 'content-type': 'application/problem+json' },
        }),
      );
    };
    const { clock, api } = setup(fetch);
    let gone = 0;
    const live = followCart({
      api,
      cartId: 'c1',
      runtime: clock,
      onCart: () => undefined,
      // The store reads the cart to know, and closes the stream if it is gone for good.
      onGone: () => {
        gone++;
        live.close();
      },
    });
    for (let i = 0; i < 10; i++) await flush();
    expect(calls).toBe(4);
    expect(gone).toBe(1);
    expect(clock.sleeps).toHaveLength(3);
  });
});
