/**
 * Issue 10, finding 3: live-event streams (`GET /api/carts/:id/events`) are bounded.
 * One client used to open 3,000 streams; 200 unread streams on a 650 KB cart grew the
 * server by 900 MB, since every subscriber got its own JSON.stringify of the cart and
 * `res.write`'s answer was ignored. Now: caps per client, per cart and per instance
 * (checked after the token matched), a lifetime after which the SDK reconnects with
 * Last-Event-ID, subscribers that leave more than LIVE_STREAM_MAX_BUFFERED_BYTES unsent
 * are dropped, and each cart version is serialized once for all its subscribers.
 *
 * Every server is the real application listening on 127.0.0.1 over SQLite, driven over
 * HTTP; the metrics asserted are read from its /metrics.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Cart, CreatedCart } from '@cart/core';
import { CartApi, Transport, followCart, systemRuntime, type FetchLike } from '@cart/client';
import { HttpClient, openEventStream, type EventStream } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

async function newProduct(http: HttpClient, adminToken: string): Promise<string> {
  const reply = await http.post<{ id: string }>('/api/admin/products', {
    token: adminToken,
    body: {
      sku: `LIVE-${Math.random().toString(36).slice(2)}`,
      name: 'Engraved pen',
      description: '',
      price: { amount: 1200, currency: 'USD' },
      stock: null,
      maxPerOrder: null,
      imageUrl: null,
    },
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.body.id;
}

async function newCart(http: HttpClient): Promise<CreatedCart> {
  const reply = await http.post<CreatedCart>('/api/carts', { body: {} });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

/** A change that makes a new version: the note. */
async function touch(http: HttpClient, cart: CreatedCart, note: string): Promise<Cart> {
  const reply = await http.patch<Cart>(`/api/carts/${cart.id}`, {
    token: cart.token,
    body: { note },
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** One sample of a metric family (no labels unless given), or 0 when absent. */
async function metric(http: HttpClient, name: string, labels = ''): Promise<number> {
  const text = (await http.get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const eventsOf = (server: TestServer, cart: CreatedCart, headers: Record<string, string> = {}) =>
  openEventStream(`${server.url}/api/carts/${cart.id}/events`, {
    authorization: `Bearer ${cart.token}`,
    ...headers,
  });

describe('live streams: caps per client, per cart and per instance', () => {
  let server: TestServer;
  let http: HttpClient;
  const opened: EventStream[] = [];
  const open = async (cart: CreatedCart, token = cart.token) => {
    const stream = await eventsOf(server, { ...cart, token });
    opened.push(stream);
    return stream;
  };

  beforeAll(async () => {
    server = await startTestServer({
      env: { LIVE_STREAMS_PER_CLIENT: '3', LIVE_STREAMS_PER_CART: '100', LIVE_STREAMS_MAX: '100' },
    });
    http = new HttpClient(server.url);
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await server?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After to the stream one client opens past its cap', async () => {
    const carts = [await newCart(http), await newCart(http)];
    const streams = [await open(carts[0]!), await open(carts[1]!), await open(carts[0]!)];
    for (const s of streams) {
      expect(s.status).toBe(200);
      expect((await s.next()).event).toBe('cart');
    }
    // A wrong token is refused as before (404), not counted, and says nothing of the cap.
    const stranger = await open(carts[1]!, 'x'.repeat(43));
    expect(stranger.status).toBe(404);

    const over = await open(carts[1]!);
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(over.errorText)).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(await metric(http, 'cart_live_streams_open')).toBe(3);
    expect(await metric(http, 'cart_live_streams_refused_total', '{reason="client"}')).toBe(1);

    // Closing one frees its place.
    streams[0]!.close();
    await vi.waitFor(async () => expect(await metric(http, 'cart_live_streams_open')).toBe(2));
    const again = await open(carts[1]!);
    expect(again.status).toBe(200);
  });
});

describe('live streams: per cart, and per instance', () => {
  let server: TestServer;
  let http: HttpClient;
  const opened: EventStream[] = [];
  const open = async (cart: CreatedCart, token = cart.token) => {
    const stream = await eventsOf(server, { ...cart, token });
    opened.push(stream);
    return stream;
  };

  beforeAll(async () => {
    server = await startTestServer({
      env: { LIVE_STREAMS_PER_CLIENT: '100', LIVE_STREAMS_PER_CART: '2', LIVE_STREAMS_MAX: '4' },
    });
    http = new HttpClient(server.url);
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await server?.close();
  });

  it('429 past the cap of one cart, 503 UNAVAILABLE past the instance cap; strangers use up neither', async () => {
    const [a, b, c] = [await newCart(http), await newCart(http), await newCart(http)];
    expect((await open(a)).status).toBe(200);
    expect((await open(a)).status).toBe(200);
    const third = await open(a);
    expect(third.status).toBe(429);
    expect(JSON.parse(third.errorText)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(third.headers.get('retry-after')).not.toBeNull();

    // Strangers with a wrong token, more than the cart's cap: 404, and no stream counted.
    for (let i = 0; i < 5; i++) expect((await open(b, `${'y'.repeat(42)}${i}`)).status).toBe(404);
    expect((await open(b)).status).toBe(200);
    expect((await open(b)).status).toBe(200);

    const full = await open(c);
    expect(full.status).toBe(503);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(full.errorText)).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(await metric(http, 'cart_live_streams_open')).toBe(4);
    expect(await metric(http, 'cart_live_streams_refused_total', '{reason="cart"}')).toBe(1);
    expect(await metric(http, 'cart_live_streams_refused_total', '{reason="instance"}')).toBe(1);
  });
});

describe('live streams: a lifetime, then a reconnect with Last-Event-ID', () => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_STREAM_LIFETIME_SECONDS: '1' } });
    http = new HttpClient(server.url);
  });
  afterAll(() => server?.close());

  it('ends the stream cleanly at its lifetime; Last-Event-ID skips the cart the client has', async () => {
    const cart = await newCart(http);
    const first = await eventsOf(server, cart);
    expect(await first.next()).toMatchObject({ event: 'cart', id: '1' });
    // The server ends it (not an error, not the test's 5 s wait).
    await expect(first.next(5000)).rejects.toThrow(/^event stream ended$/);
    await vi.waitFor(async () => expect(await metric(http, 'cart_live_streams_open')).toBe(0));
    expect(await metric(http, 'cart_live_streams_expired_total')).toBe(1);

    // Reconnecting with the version it has: the next event is the next change.
    const resumed = await eventsOf(server, cart, { 'last-event-id': '1' });
    await vi.waitFor(async () => expect(await metric(http, 'cart_live_streams_open')).toBe(1));
    const v2 = await touch(http, cart, 'after the reconnect');
    const next = await resumed.next();
    expect(next.id).toBe('2');
    expect(JSON.parse(next.data)).toEqual(v2);
    resumed.close();

    // An older id, or one that is no version of this cart: the current cart at once.
    for (const id of ['1', '99', 'x']) {
      const s = await eventsOf(server, cart, { 'last-event-id': id });
      expect((await s.next()).id).toBe('2');
      s.close();
    }
  });

  it('the SDK (followCart) reconnects after the server ends the stream and resumes with Last-Event-ID', async () => {
    const cart = await newCart(http);
    const sent: (string | null)[] = [];
    const fetchSpy: FetchLike = (input, init) => {
      sent.push(new Headers(init.headers).get('last-event-id'));
      return globalThis.fetch(input, init);
    };
    const api = new CartApi(
      new Transport({ baseUrl: server.url, fetch: fetchSpy, runtime: systemRuntime }),
      'bearer',
    );
    api.token = cart.token;
    const versions: number[] = [];
    const live = followCart({
      api,
      cartId: cart.id,
      runtime: systemRuntime,
      onCart: (c) => versions.push(c.version),
    });
    try {
      await vi.waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(2), { timeout: 15_000 });
      await vi.waitFor(async () => expect(await metric(http, 'cart_live_streams_open')).toBe(1));
      expect(sent.slice(0, 2)).toEqual([null, '1']);
      await touch(http, cart, 'seen through the SDK');
      await vi.waitFor(() => expect(versions).toContain(2), { timeout: 15_000 });
      // Version 1 came once: the reconnect did not send it again.
      expect(versions.filter((v) => v === 1)).toHaveLength(1);
    } finally {
      live.close();
    }
  });
});

describe('live streams: slow subscribers and one serialization per change', () => {
  const BOUND = 64 * 1024;
  let server: TestServer;
  let http: HttpClient;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        LIVE_STREAM_MAX_BUFFERED_BYTES: String(BOUND),
        MAX_BODY_BYTES: String(2 * 1024 * 1024),
        MAX_CART_BYTES: String(1024 * 1024),
      },
    });
    http = new HttpClient(server.url);
    adminToken = server.adminToken;
  });
  afterAll(() => server?.close());

  /** A cart of `lines` lines, each with 20 long attributes (about 6.6 KB a line). */
  async function largeCart(lines: number): Promise<CreatedCart> {
    const productId = await newProduct(http, adminToken);
    const cart = await newCart(http);
    const actions = Array.from({ length: lines }, (_, i) => ({
      type: 'addLine',
      productId,
      quantity: 1,
      attributes: Object.fromEntries(
        Array.from({ length: 20 }, (_, k) => [
          `attribute-${k}-`.padEnd(64, 'k'),
          `line ${i} value ${k} `.padEnd(256, 'v'),
        ]),
      ),
    }));
    const reply = await http.post<Cart>(`/api/carts/${cart.id}/actions`, {
      token: cart.token,
      body: { actions },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.lines).toHaveLength(lines);
    return cart;
  }

  /** A subscriber that sends its request and then never reads a byte. */
  function pausedSubscriber(cart: CreatedCart): { socket: Socket; closed: Promise<void> } {
    const { port } = new URL(server.url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => {});
    socket.pause();
    socket.write(
      `GET /api/carts/${cart.id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${cart.token}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, closed };
  }

  it('drops a subscriber that does not read once its unsent bytes pass the bound; a reader keeps receiving', async () => {
    const cart = await largeCart(25);
    const reader = await eventsOf(server, cart);
    const first = await reader.next();
    expect(first.data.length).toBeGreaterThan(2 * BOUND);
    const slow = pausedSubscriber(cart);
    await vi.waitFor(async () => expect(await metric(http, 'cart_live_streams_open')).toBe(2));

    let changes = 0;
    // The kernel's socket buffers take a few MB first; then the server's own buffer fills.
    while ((await metric(http, 'cart_live_streams_dropped_total')) === 0 && changes < 200) {
      const changed = await touch(http, cart, `change ${++changes}`);
      // The reader gets every change, in order.
      expect((await reader.next()).id).toBe(String(changed.version));
    }
    expect(await metric(http, 'cart_live_streams_dropped_total')).toBe(1);
    expect(changes).toBeLessThan(200);
    expect(await metric(http, 'cart_live_streams_open')).toBe(1);

    // The reader is still served; the dropped one finds its connection gone.
    const after = await touch(http, cart, 'after the drop');
    expect((await reader.next()).id).toBe(String(after.version));
    slow.socket.resume();
    await slow.closed;
    reader.close();
  });

  it('serializes each version of a cart once, however many subscribers it has', async () => {
    const cart = await largeCart(5);
    const before = await metric(http, 'cart_live_event_serializations_total');
    const streams = await Promise.all(Array.from({ length: 8 }, () => eventsOf(server, cart)));
    for (const s of streams) expect((await s.next()).id).toBe('2');
    // Eight subscribers connecting to version 2: one serialization.
    expect(await metric(http, 'cart_live_event_serializations_total')).toBe(before + 1);

    const v3 = await touch(http, cart, 'one change, eight subscribers');
    for (const s of streams) expect(JSON.parse((await s.next()).data)).toEqual(v3);
    expect(await metric(http, 'cart_live_event_serializations_total')).toBe(before + 2);
    for (const s of streams) s.close();
  });
});
