import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import { CartEvents } from '../events/cart-events.ts';
import { LiveStreams } from './cart-events.ts';

/** A response whose socket is full until `drain()`: what a subscriber that stops reading looks like. */
class FullResponse extends EventEmitter {
  readonly written: string[] = [];
  full = false;
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  writeHead() {}
  write(bytes: Buffer): boolean {
    this.written.push(bytes.toString());
    return !this.full;
  }
  drain() {
    this.full = false;
    this.emit('drain');
  }
  end() {
    this.writableEnded = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

const cart = (version: number) =>
  ({ id: 'c1', version, lines: [{ productId: 'p1' }, { productId: 'p2' }] }) as unknown as Cart;

describe('stock events to a subscriber that falls behind', () => {
  it('keeps only the newest level of each product until it reads again, after the newest cart', () => {
    const events = new CartEvents();
    const streams = new LiveStreams(events, {
      perClient: 10,
      perCart: 10,
      total: 10,
      lifetimeMs: 60_000,
      maxBufferedBytes: 1024 * 1024,
    });
    const res = new FullResponse();
    const request = {
      ip: '127.0.0.1',
      headers: { 'last-event-id': '1' },
      raw: new EventEmitter(),
      log: { info() {} },
    } as unknown as FastifyRequest;
    const reply = { getHeaders: () => ({}), hijack() {}, raw: res } as unknown as FastifyReply;
    // The frame of a cart is the events' own; only its version matters here.
    events.frame = (c: Cart) => ({
      cartId: c.id,
      version: c.version,
      bytes: Buffer.from(`cart ${c.version}\n`),
    });
    streams.serve(request, reply, cart(1));
    try {
      res.written.length = 0;
      events.publishStock([{ productId: 'p1', stock: 5 }]);
      expect(res.written).toEqual(['event: stock\ndata: {"productId":"p1","stock":5}\n\n']);

      res.full = true;
      events.publishStock([{ productId: 'p1', stock: 4 }]);
      res.written.length = 0;
      for (let left = 3; left >= 0; left--) events.publishStock([{ productId: 'p1', stock: left }]);
      events.publishStock([{ productId: 'p2', stock: null }]);
      events.publishStock([{ productId: 'p9', stock: 1 }]);
      events.publish(cart(2));
      events.publish(cart(3));
      expect(res.written).toEqual([]);

      res.drain();
      expect(res.written).toEqual([
        'cart 3\n',
        'event: stock\ndata: {"productId":"p1","stock":0}\n\n',
        'event: stock\ndata: {"productId":"p2","stock":null}\n\n',
      ]);
    } finally {
      streams.closeAll();
    }
    expect(events.subscriberCount).toBe(0);
  });
});
