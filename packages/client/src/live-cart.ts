import { Cart, StockLevel } from '@cart/core';
import { readTolerant } from './tolerant.ts';
import { backoffDelay, parseRetryAfter, type RetryPolicy } from './backoff.ts';
import type { CartApi } from './cart-api.ts';
import { isAbort } from './errors.ts';
import type { Runtime } from './runtime.ts';
import { SseParser } from './sse.ts';

export interface LiveCartOptions {
  api: CartApi;
  cartId: string;
  runtime: Runtime;
  /** Reconnection backoff (full jitter); the server's `retry:` is the least wait. */
  policy?: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;
  /**
   * Silence after which the connection is taken for dead and reopened. The server sends
   * a heartbeat every 15 s; a phone that lost its network often never sees the socket
   * close, so silence is the only sign.
   */
  idleTimeoutMs?: number;
  /** Ends the stream for good when aborted (the store's disposal). */
  signal?: AbortSignal;
  onCart(cart: Cart): void;
  /** A product the cart holds has a new stock level (`event: stock`). */
  onStock?(level: StockLevel): void;
  /**
   * The stream was refused with a problem document saying the cart is gone
   * (CART_NOT_FOUND, CART_EXPIRED): the store reads the cart to know. The stream keeps
   * trying, with backoff, until it is closed: a 404 that is not the server's own word (a
   * proxy's page) never stops live updates.
   */
  onGone?(): void;
  /** The connection is up (true) or lost (false). */
  onConnection?(connected: boolean): void;
}

/** How one connection ended: whether it delivered carts, and the waits the server asked. */
interface ConnectionEnd {
  gotEvent: boolean;
  /** `retry:` in the stream, in ms. */
  serverRetry?: number;
  /** `Retry-After` of a refusal (429, 503), in ms. */
  retryAfter?: number;
}

/**
 * Follows `GET /api/carts/:id/events` over `fetch` (so a bearer token can be sent,
 * which EventSource cannot), reconnecting with capped exponential backoff and full
 * jitter until closed. Works wherever `fetch` streams bodies: browsers and Node ≥ 18.
 */
export function followCart(options: LiveCartOptions): { close(): void } {
  const controller = new AbortController();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  const policy = { baseDelayMs: 1000, maxDelayMs: 30_000, ...options.policy };
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  // The version of the last cart received: sent back as Last-Event-ID on reconnect (the
  // server ends streams after their lifetime), so that the server skips a cart we have.
  let lastEventId: string | undefined;

  const connectOnce = async (): Promise<ConnectionEnd> => {
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    controller.signal.addEventListener('abort', abort, { once: true });
    let cancelIdle = options.runtime.setTimer(abort, idleTimeoutMs);
    const feed = () => {
      cancelIdle();
      cancelIdle = options.runtime.setTimer(abort, idleTimeoutMs);
    };
    let gotEvent = false;
    const parser = new SseParser();
    let serverRetry: number | undefined;
    try {
      const response = await options.api.transport.rawFetch(
        options.api.eventsPath(options.cartId),
        {
          headers: {
            accept: 'text/event-stream',
            ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
            ...options.api.authHeaders(),
          },
          signal: attempt.signal,
        },
      );
      if (!response.ok || !response.body) {
        if (await saysCartGone(response)) options.onGone?.();
        else await response.body?.cancel().catch(() => undefined);
        // Too many streams (429) or a full server (503): wait at least as long as asked.
        const retryAfter = parseRetryAfter(
          response.headers.get('retry-after'),
          options.runtime.now(),
        );
        return retryAfter === null ? { gotEvent } : { gotEvent, retryAfter };
      }
      options.onConnection?.(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          // The server ended the stream (streams have a lifetime): that connection was
          // healthy, so the next one is opened without backing off further.
          gotEvent = true;
          break;
        }
        feed();
        for (const event of parser.push(value)) {
          if (event.event === 'stock') {
            const level = StockLevel.safeParse(JSON.parse(event.data));
            if (level.success) options.onStock?.(level.data);
            continue;
          }
          if (event.event !== 'cart') continue;
          const cart = readTolerant(Cart, JSON.parse(event.data));
          if (cart.success) {
            gotEvent = true;
            if (event.id !== undefined) lastEventId = event.id;
            options.onCart(cart.data);
          }
        }
        serverRetry = parser.takeRetry() ?? serverRetry;
      }
    } catch (error) {
      if (!isAbort(error) && !(error instanceof TypeError) && !(error instanceof SyntaxError))
        throw error;
    } finally {
      cancelIdle();
      controller.signal.removeEventListener('abort', abort);
      options.onConnection?.(false);
    }
    return serverRetry === undefined ? { gotEvent } : { gotEvent, serverRetry };
  };

  void (async () => {
    let failures = 0;
    let serverRetry = 0;
    while (!controller.signal.aborted) {
      const result = await connectOnce().catch((): ConnectionEnd => ({ gotEvent: false }));
      if (controller.signal.aborted) break;
      serverRetry = result.serverRetry ?? serverRetry;
      // A connection that delivered events was healthy: start the backoff again.
      failures = result.gotEvent ? 0 : failures + 1;
      const wait = Math.max(
        serverRetry,
        // The server's Retry-After is honoured in full (up to an hour).
        Math.min(result.retryAfter ?? 0, 3_600_000),
        backoffDelay(
          failures,
          { ...policy, maxAttempts: 0, maxRetryAfterMs: 0 },
          options.runtime.random(),
        ),
      );
      await options.runtime.sleep(wait, controller.signal).catch(() => undefined);
    }
  })();

  return { close: () => controller.abort() };
}

/** Whether a refused stream's answer is a problem document saying the cart is gone. */
async function saysCartGone(response: Response): Promise<boolean> {
  if (response.status !== 404 && response.status !== 410) return false;
  if (!/[/+]json\b/i.test(response.headers.get('content-type') ?? '')) return false;
  try {
    const body = (await response.json()) as { code?: unknown } | null;
    return body?.code === 'CART_NOT_FOUND' || body?.code === 'CART_EXPIRED';
  } catch {
    return false;
  }
}

/** Follows at most one cart's live events at a time: the one asked for last, or none. */
export class LiveLink {
  private current: { cartId: string; close(): void } | null = null;

  /** `open` starts following a cart (see `followCart`). */
  constructor(private readonly open: (cartId: string) => { close(): void }) {}

  follow(cartId: string | null): void {
    if ((this.current?.cartId ?? null) === cartId) return;
    this.close();
    if (cartId === null) return;
    const stream = this.open(cartId);
    this.current = { cartId, close: () => stream.close() };
  }

  close(): void {
    this.current?.close();
    this.current = null;
  }
}
