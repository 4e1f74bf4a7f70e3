import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Cart } from '@cart/core';
import type { Config } from '../config.ts';
import type { CartEvents, CartFrame, StockFrame } from '../events/cart-events.ts';
import { HttpProblem } from '../http/problem.ts';
import { clientKey } from '../plugins/app/rate-limit.ts';

export const HEARTBEAT_MS = 15_000;

/** The `Retry-After` of a refused stream: a place frees whenever any stream ends. */
export const STREAM_RETRY_AFTER_SECONDS = 10;

/**
 * The most a stream's lifetime is shortened at random, so that streams opened together
 * (after a deploy, say) do not all reconnect together.
 */
const LIFETIME_JITTER = 0.1;

const RETRY = Buffer.from('retry: 2000\n\n');
const HEARTBEAT = Buffer.from(': heartbeat\n\n');

/** How many live-event streams may be open, how long, how far behind (config.ts). */
export interface StreamLimits {
  perClient: number;
  perCart: number;
  total: number;
  lifetimeMs: number;
  maxBufferedBytes: number;
}

export function streamLimits(config: Config): StreamLimits {
  return {
    perClient: config.LIVE_STREAMS_PER_CLIENT,
    perCart: config.LIVE_STREAMS_PER_CART,
    total: config.LIVE_STREAMS_MAX,
    lifetimeMs: config.LIVE_STREAM_LIFETIME_SECONDS * 1000,
    maxBufferedBytes: config.LIVE_STREAM_MAX_BUFFERED_BYTES,
  };
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

/**
 * The live-event streams of one app, and their bounds: how many one client, one cart
 * and the whole instance may have open, how long one lives, and how much one may leave
 * unsent. Every stream is ended when the app closes.
 */
export class LiveStreams {
  private readonly open = new Set<() => void>();
  private readonly byClient = new Map<string, number>();
  private readonly byCart = new Map<string, number>();
  private metrics: {
    refused: Counter<'reason'>;
    dropped: Counter;
    lifetimes: Counter;
  } | null = null;

  constructor(
    private readonly events: CartEvents,
    private readonly limits: StreamLimits,
  ) {}

  /** Adds the stream metrics to the app's registry (docs/operations.md#metrics). */
  instrument(registry: Registry): void {
    const registers = [registry];
    const size = () => this.open.size;
    const events = this.events;
    new Gauge({
      name: 'cart_live_streams_open',
      help: 'Live-event (SSE) streams open on this instance.',
      registers,
      collect() {
        this.set(size());
      },
    });
    new Counter({
      name: 'cart_live_event_serializations_total',
      help: 'Carts serialized for live-event subscribers (once per version, whatever the number of subscribers).',
      registers,
      collect() {
        this.reset();
        this.inc(events.serializations);
      },
    });
    this.metrics = {
      refused: new Counter({
        name: 'cart_live_streams_refused_total',
        help: 'Live-event streams refused, by the bound they would have passed (client, cart, instance).',
        labelNames: ['reason'],
        registers,
      }),
      dropped: new Counter({
        name: 'cart_live_streams_dropped_total',
        help: 'Live-event subscribers disconnected for leaving more than LIVE_STREAM_MAX_BUFFERED_BYTES unsent.',
        registers,
      }),
      lifetimes: new Counter({
        name: 'cart_live_streams_expired_total',
        help: 'Live-event streams the server ended when LIVE_STREAM_LIFETIME_SECONDS had passed; the client reconnects.',
        registers,
      }),
    };
  }

  /**
   * Streams `cart` as Server-Sent Events: the current cart at once (unless the client's
   * `Last-Event-ID` says it has this version already), then the cart after every
   * committed change, the stock level of a product the cart holds whenever it changes
   * (`event: stock`), and a comment every 15 s so that proxies keep it open. Call it once
   * the credential has matched the cart: a refusal here (429 or 503, with Retry-After)
   * is thrown before anything is written, so strangers cannot use up a cart's streams.
   */
  serve(request: FastifyRequest, reply: FastifyReply, cart: Cart): void {
    // The same client as the rate limits count: an address, or an IPv6 /64.
    const client = clientKey(request.ip);
    const cartId = cart.id;
    this.admit(client, cartId);

    // What the pipeline has set so far (X-Request-Id, the RateLimit fields) goes out too:
    // a hijacked reply writes its own head.
    const pipelineHeaders = reply.getHeaders() as OutgoingHttpHeaders;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...pipelineHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    });
    bump(this.byClient, client, 1);
    bump(this.byCart, cartId, 1);

    const { maxBufferedBytes } = this.limits;
    let ended = false;
    // Versions only go up; an older cart reaching us late is not news.
    let lastVersion = 0;
    // res.write answered false: nothing more is written until 'drain'. Meanwhile only
    // the newest cart is kept for this subscriber (every event holds the whole cart, so
    // the ones in between are not needed), and it is the frame all subscribers share.
    let congested = false;
    let pending: CartFrame | null = null;
    // Likewise the newest stock level of each product (at most the cart's products).
    const pendingStock = new Map<string, StockFrame>();

    const write = (bytes: Buffer) => {
      congested = !res.write(bytes);
    };
    // A subscriber that does not read holds its unsent bytes in this process; past the
    // bound it is disconnected (it reconnects with Last-Event-ID when it comes back).
    const overBound = () => {
      if (res.writableLength <= maxBufferedBytes) return false;
      this.metrics?.dropped.inc();
      request.log.info(
        { unsentBytes: res.writableLength, cartId },
        'live-event subscriber dropped: not reading',
      );
      res.destroy();
      end();
      return true;
    };
    const send = (version: number, frame: () => CartFrame) => {
      if (ended || version <= lastVersion) return;
      if (overBound()) return;
      lastVersion = version;
      if (congested) pending = frame();
      else write(frame().bytes);
    };
    const sendStock = (frame: StockFrame) => {
      if (ended || overBound()) return;
      if (congested) pendingStock.set(frame.productId, frame);
      else write(frame.bytes);
    };
    res.on('drain', () => {
      congested = false;
      if (ended) return;
      if (pending) {
        const frame = pending;
        pending = null;
        write(frame.bytes);
      }
      // After the cart: a level is news about the cart as it now stands.
      for (const frame of pendingStock.values()) write(frame.bytes);
      pendingStock.clear();
    });

    let unsubscribe = () => {};
    const heartbeat = setInterval(() => {
      // A congested stream is not idle, and a heartbeat would only queue behind it.
      if (!overBound() && !congested) write(HEARTBEAT);
    }, HEARTBEAT_MS);
    heartbeat.unref();
    // Past its lifetime the stream ends cleanly; the client reconnects with Last-Event-ID.
    const lifetime = setTimeout(
      () => {
        this.metrics?.lifetimes.inc();
        end();
      },
      this.limits.lifetimeMs * (1 - LIFETIME_JITTER * Math.random()),
    );
    lifetime.unref();
    const end = () => {
      if (ended) return;
      ended = true;
      pending = null;
      pendingStock.clear();
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      unsubscribe();
      this.open.delete(end);
      bump(this.byClient, client, -1);
      bump(this.byCart, cartId, -1);
      if (!res.writableEnded && !res.destroyed) res.end();
    };
    this.open.add(end);
    request.raw.on('close', end);
    res.on('close', end);

    write(RETRY);
    unsubscribe = this.events.subscribe(cartId, (changed, frame) => send(changed.version, frame), {
      cart,
      listener: sendStock,
    });
    // The client has this version already (it reconnects after the stream's lifetime, or
    // after a network break): the next change is news, the current cart is not.
    if (request.headers['last-event-id'] === String(cart.version)) lastVersion = cart.version;
    else this.sendCurrent(cart, send);
  }

  /**
   * Sends the cart read when the stream opened. Apart from `serve` so that no closure of
   * the stream holds on to it (a large cart's objects would stay as long as the stream).
   */
  private sendCurrent(cart: Cart, send: (version: number, frame: () => CartFrame) => void): void {
    send(cart.version, () => this.events.frame(cart));
  }

  /** Ends every open stream (on shutdown, so that the server can close). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  /** Throws the refusal when one more stream for `client` on `cartId` would pass a bound. */
  private admit(client: string, cartId: string): void {
    const { perClient, perCart, total } = this.limits;
    const wait = `try again in ${STREAM_RETRY_AFTER_SECONDS} s`;
    let refusal: [reason: string, code: 'RATE_LIMITED' | 'UNAVAILABLE', detail: string];
    if ((this.byClient.get(client) ?? 0) >= perClient)
      refusal = [
        'client',
        'RATE_LIMITED',
        `Too many live-event streams from this client (at most ${perClient} at once). Close one, or ${wait}.`,
      ];
    else if ((this.byCart.get(cartId) ?? 0) >= perCart)
      refusal = [
        'cart',
        'RATE_LIMITED',
        `Too many live-event streams on this cart (at most ${perCart} at once). Close one, or ${wait}.`,
      ];
    else if (this.open.size >= total)
      refusal = [
        'instance',
        'UNAVAILABLE',
        `This server has as many live-event streams open as it takes; ${wait}.`,
      ];
    else return;
    const [reason, code, detail] = refusal;
    this.metrics?.refused.inc({ reason });
    throw new HttpProblem(code, detail, {
      headers: { 'retry-after': String(STREAM_RETRY_AFTER_SECONDS) },
    });
  }
}
