import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cart } from '@cart/core';
import type { CartEvents } from '../events/cart-events.ts';

export const HEARTBEAT_MS = 15_000;

const open = new Set<() => void>();

/** Ends every open event stream (on shutdown, so that the server can close). */
export function closeAllStreams(): void {
  for (const end of [...open]) end();
}

/**
 * Streams a cart as Server-Sent Events: the current cart at once, then the cart after
 * every committed change, and a comment every 15 s so that proxies keep it open.
 */
export function serveCartEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  cart: Cart,
  events: CartEvents,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no',
  });
  let lastVersion = 0;
  const send = (c: Cart) => {
    // Versions only go up; an older cart reaching us late is not news.
    if (c.version <= lastVersion) return;
    lastVersion = c.version;
    res.write(`event: cart\nid: ${c.version}\ndata: ${JSON.stringify(c)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  send(cart);
  const unsubscribe = events.subscribe(cart.id, send);
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(end);
    if (!res.writableEnded) res.end();
  };
  open.add(end);
  request.raw.on('close', end);
}
