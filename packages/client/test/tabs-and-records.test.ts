import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart } from '@cart/core';
import { addLine as addOnServer, bearer } from '@cart/test-support/test-app.ts';
import { ManualOnlineSignal, MemoryStorage, browserTabs, type CartStore } from '../src/index.ts';
import { TestLockManager } from './support/test-locks.ts';
import { openShop, outcomeWithin, phases, turn, verdict, type Shop } from './support/shop.ts';

/** Per test: a store that hangs fails the test in seconds, not the whole file. */
const TIMEOUT = 10_000;
/** Real time a follower tab's promise gets to settle (tabs talk over a real BroadcastChannel). */
const SETTLE_MS = 1_500;

/** The store after login, as issue 11 specifies it (`adoptCart` is new; typed here until it exists). */
type AdoptingStore = CartStore & {
  adoptCart(cartId: string, token: string | null): Promise<Cart>;
};

/**
 * Issue 11's bugs about tabs and saved records (9, 12), and the two it found by reading
 * (a wrong navigator.onLine while the live stream works; merging the guest cart after
 * login), each against the real application through the store's public API.
 */
describe('tabs and records (issue 11)', () => {
  let shop: Shop;
  let channel: string;
  let n = 0;

  beforeEach(async () => {
    shop = await openShop();
    channel = `cart-issue-11-${++n}-${Math.random()}`;
  });
  afterEach(async () => {
    await shop.close();
  });

  it(
    '9: a queued record of an unknown action (a newer bundle wrote it) is set aside; start() and the known actions go on',
    async () => {
      const storage = new MemoryStorage();
      const [a, b] = [await shop.product({ name: 'A' }), await shop.product({ name: 'B' })];
      const online = new ManualOnlineSignal(true);
      const first = shop.store({ storage, online });
      await first.start();
      const cart = await first.createCart();
      online.set(false); // queued, not sent: both stay in storage
      void first.addLine(a, 1);
      void first.addLine(b, 2);
      for (let i = 0; i < 100 && (await storage.load()).outbox.length < 2; i++) await turn();
      first.dispose();

      // A tab running the next release queued an action this bundle does not know, in
      // the record format of the ones this bundle wrote: the store reads it at start.
      const saved = await storage.load();
      expect(saved.outbox, 'the queue is in storage').toHaveLength(2);
      const alien = {
        ...structuredClone(saved.outbox[0] as Record<string, unknown>),
        actionId: 'from-a-newer-bundle-1',
        action: { type: 'giftWrap', lineId: 'any', paper: 'gold' },
      };
      const withAlien = new Proxy(storage, {
        get(target, key, receiver) {
          if (key !== 'load') return Reflect.get(target, key, receiver) as unknown;
          return async () => {
            const state = await target.load();
            return { ...state, outbox: [alien, ...state.outbox] };
          };
        },
      });

      const persistErrors: unknown[] = [];
      const second = shop.store({
        storage: withAlien,
        onPersistError: (e) => persistErrors.push(e),
      });
      const started = await outcomeWithin(second.start(), SETTLE_MS);
      expect(started.state === 'rejected' ? String(started.error) : started.state).toBe('resolved');
      expect(() => second.getSnapshot()).not.toThrow();
      await shop.drive(
        () => second.getSnapshot().pendingCount === 0 && second.getSnapshot().status === 'idle',
        { maxMs: 60_000 },
      );
      expect(second.getSnapshot().pending.map((p) => p.actionId)).not.toContain(alien.actionId);
      expect((await shop.cartOnServer(cart.id)).lines.map((l) => [l.name, l.quantity])).toEqual([
        ['A', 1],
        ['B', 2],
      ]);
      // Nothing the server saw names the unknown action.
      const sent = shop.net
        .matching(/\/actions$/)
        .flatMap((r) => (r.body as { actions: { type: string }[] }).actions);
      expect(sent.map((x) => x.type)).not.toContain('giftWrap');
    },
    TIMEOUT,
  );

  it(
    '12: a following tab’s createCart() and loadCart() settle (reject) when the leading tab fails',
    async () => {
      const storage = new MemoryStorage();
      const locks = new TestLockManager();
      const tab = () => shop.store({ storage, tabs: browserTabs({ name: channel, locks }) });
      const leader = tab();
      await leader.start();
      const follower = tab();
      await follower.start();
      expect(leader.getSnapshot().leader).toBe(true);
      expect(follower.getSnapshot().leader).toBe(false);

      await phases({
        'createCart() while the shop is unreachable': async () => {
          shop.net.isDown = true;
          try {
            const created = await outcomeWithin(follower.createCart(), SETTLE_MS);
            expect(created.state).toBe('rejected');
          } finally {
            shop.net.isDown = false;
          }
        },
        'loadCart() of a cart the token does not open': async () => {
          const other = (
            await shop.t.app.inject({ method: 'POST', url: '/api/carts' })
          ).json<CreatedCart>();
          const loaded = await outcomeWithin(
            follower.loadCart(other.id, 'y'.repeat(43)),
            SETTLE_MS,
          );
          expect(loaded.state).toBe('rejected');
        },
      });
    },
    TIMEOUT,
  );

  it(
    'also found: navigator.onLine saying offline does not stall sync while the live stream shows the shop is reachable',
    async () => {
      const mug = await shop.product({ name: 'Mug' });
      const online = new ManualOnlineSignal(true);
      const s = shop.store({ live: true, online });
      await s.start();
      const cart = await s.createCart();
      expect(await shop.drive(() => shop.relay.open === 1), 'the stream is open').toBe(true);

      // The browser says offline (a wrong navigator.onLine: a VPN, a captive portal
      // gone); the stream keeps working all the same.
      online.set(false);
      void s.addLine(mug, 2);
      await shop.drive(() => s.getSnapshot().pendingCount === 0, { maxMs: 120_000 });
      expect(shop.relay.open, 'the stream is still up').toBe(1);
      expect(s.getSnapshot().pendingCount, 'the queue is sent').toBe(0);
      expect((await shop.cartOnServer(cart.id)).lines.map((l) => l.quantity)).toEqual([2]);
    },
    TIMEOUT,
  );

  it(
    'also found: after login, adoptCart() merges the guest cart into the account’s cart and switches to it',
    async () => {
      const [mug, pot, cup] = [
        await shop.product({ name: 'Mug' }),
        await shop.product({ name: 'Pot' }),
        await shop.product({ name: 'Cup' }),
      ];
      const s = shop.store() as AdoptingStore;
      await s.start();
      expect(verdict(await s.addLine(mug, 2))).toBe('ok');
      expect(verdict(await s.addLine(pot, 1))).toBe('ok');
      const guest = s.getSnapshot().cartId as string;

      // The account's cart, from an earlier visit: more mugs, and a cup.
      const account = (
        await shop.t.app.inject({ method: 'POST', url: '/api/carts' })
      ).json<CreatedCart>();
      await addOnServer(shop.t.app, account, mug.id, 3);
      await addOnServer(shop.t.app, account, cup.id, 1);

      expect(typeof s.adoptCart, 'the store has adoptCart').toBe('function');
      const merged = await s.adoptCart(account.id, account.token);
      const lines = (c: Pick<Cart, 'lines'>) =>
        Object.fromEntries(c.lines.map((l) => [l.name, l.quantity]));
      // Lines in both keep the larger quantity.
      expect(merged.id).toBe(account.id);
      expect(lines(merged)).toEqual({ Mug: 3, Pot: 1, Cup: 1 });
      expect(s.getSnapshot().cartId).toBe(account.id);
      const res = await shop.t.app.inject({
        url: `/api/carts/${account.id}`,
        headers: bearer(account.token),
      });
      expect(lines(res.json<Cart>())).toEqual({ Mug: 3, Pot: 1, Cup: 1 });
      expect((await shop.cartOnServer(guest)).status).toBe('merged');

      // The store now works on the account's cart.
      expect(verdict(await s.addLine(cup, 2))).toBe('ok');
      const after = await shop.t.app.inject({
        url: `/api/carts/${account.id}`,
        headers: bearer(account.token),
      });
      expect(lines(after.json<Cart>())).toEqual({ Mug: 3, Pot: 1, Cup: 3 });
    },
    TIMEOUT,
  );
});
