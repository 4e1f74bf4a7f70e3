import { describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import {
  CartEvents,
  decodeAnnouncement,
  encodeAnnouncement,
  type Announcement,
  type EventBroker,
  type StockFrame,
} from './cart-events.ts';

describe('broker announcements', () => {
  it('reads back what it writes, a cart as before stock was announced', () => {
    const all: Announcement[] = [
      { kind: 'cart', cartId: 'c-1', version: 7 },
      { kind: 'stock', productId: 'p_2', stock: 0 },
      { kind: 'stock', productId: 'p_2', stock: 1_000_000_000 },
      { kind: 'stock', productId: 'p_2', stock: null },
    ];
    for (const a of all) expect(decodeAnnouncement(encodeAnnouncement(a))).toEqual(a);
    expect(encodeAnnouncement({ kind: 'cart', cartId: 'c-1', version: 7 })).toBe('c-1 7');
    // A cart whose id is "stock" is still a cart: two words.
    expect(decodeAnnouncement('stock 3')).toEqual({ kind: 'cart', cartId: 'stock', version: 3 });
  });

  it('ignores what it does not understand', () => {
    for (const m of ['', 'c-1', 'c-1 x', 'stock p -1', 'stock p 1.5', 'stock p 1 2', 'x p 1'])
      expect(decodeAnnouncement(m), m).toBeNull();
  });
});

describe('stock levels between instances', () => {
  const cart = { id: 'c1', version: 2, lines: [{ productId: 'p1' }] } as unknown as Cart;

  it('delivers a remote level to carts holding the product, and announces local ones', async () => {
    let remote: (a: Announcement) => void = () => {};
    const sent: Announcement[] = [];
    const broker: EventBroker = {
      name: 'fake',
      publish: (a) => {
        sent.push(a);
        return Promise.resolve();
      },
      start: (onMessage) => {
        remote = onMessage;
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const events = new CartEvents();
    await events.connect(broker, () => Promise.resolve(null));
    const heard: StockFrame[] = [];
    const stop = events.subscribe('c1', () => {}, { cart, listener: (f) => heard.push(f) });
    remote({ kind: 'stock', productId: 'p1', stock: 4 });
    remote({ kind: 'stock', productId: 'p9', stock: 4 });
    events.publishStock([{ productId: 'p1', stock: null }]);
    // The echo of our own announcement (and any level already delivered) is no news.
    remote({ kind: 'stock', productId: 'p1', stock: null });
    expect(heard.map((f) => [f.productId, f.stock, f.bytes.toString()])).toEqual([
      ['p1', 4, 'event: stock\ndata: {"productId":"p1","stock":4}\n\n'],
      ['p1', null, 'event: stock\ndata: {"productId":"p1","stock":null}\n\n'],
    ]);
    expect(sent).toEqual([{ kind: 'stock', productId: 'p1', stock: null }]);
    stop();
    remote({ kind: 'stock', productId: 'p1', stock: 1 });
    expect(heard).toHaveLength(2);
  });
});
