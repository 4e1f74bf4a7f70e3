/**
 * Over 400 lines: one contract, run as a whole on each adapter; its four parts share the
 * fixtures and the opened storage of one describe block.
 *
 * Monitoring: the abandonment sweep's idle carts and its conditional mark, the analytics
 * counts over a window, error groups (one upsert per occurrence within the limits on new
 * groups, listed most recently seen first, purged when not seen since a cut-off) and the
 * alert history.
 *
 * Other parts of the suite write carts and events dated 2026: these tests date theirs
 * in years nobody else uses (2001–2005, 2099), so that windows and cut-offs see only
 * their own rows. Error groups and alert events are written by this file alone.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CartState, ErrorGroup } from '@cart/core';
import type { AnalyticsEvent, ErrorOccurrence, Storage } from '../../src/storage/port.ts';
import type { OpenedStorage } from './storage-contract.ts';
import { cartState, createCart, line, next, plan, productFixture, writes } from './fixtures.ts';

const year = (y: number, rest = '-01-01T00:00:00.000Z') => `${y}${rest}`;

/** A cart last changed at `updatedAt`, holding `lines` lines (each one unit of a new product). */
function idleCart(updatedAt: string, lines = 1, more: Partial<CartState> = {}): CartState {
  return cartState({
    createdAt: updatedAt,
    updatedAt,
    lines: Array.from({ length: lines }, () => line(productFixture(), 1)),
    ...more,
  });
}

/** Writes `events` with a change of the cart (any change carries its events). */
async function change(
  storage: Storage,
  state: CartState,
  updatedAt: string,
  events: AnalyticsEvent[] = [],
): Promise<CartState> {
  const w = next(state, { events });
  const cart = { ...w.cart, updatedAt };
  return storage.mutate(plan(state.id), writes({ ...w, cart }));
}

/** A new cart with these events (its creation writes them). */
async function cartWithEvents(storage: Storage, events: (cartId: string) => AnalyticsEvent[]) {
  const state = cartState();
  await storage.mutate(
    plan(state.id),
    writes({ cart: state, tokenHash: Buffer.alloc(32), events: events(state.id) }),
  );
  return state.id;
}

/** The ids of the idle carts, as of `cutOff`. */
const idleIds = async (storage: Storage, cutOff: string) =>
  (await storage.findIdleCarts(cutOff, 1000)).map((c) => c.id);

const fingerprint = () => randomUUID().replaceAll('-', '');

/** No bound on new groups: what the tracker asks when nothing limits the occurrence. */
const OPEN = { mayCreate: true, maxGroups: 1_000_000 };

function occurrence(overrides: Partial<ErrorOccurrence> = {}): ErrorOccurrence {
  return {
    fingerprint: fingerprint(),
    source: 'server',
    errorClass: 'TypeError',
    message: 'x is not a function',
    route: 'GET /api/products',
    topFrame: 'packages/server/src/routes/products.ts:12',
    stack: 'TypeError: x is not a function\n    at productPage (products.ts:12:3)',
    requestId: randomUUID(),
    at: year(2004),
    ...overrides,
  };
}

export function defineMonitoringContract(subject: OpenedStorage): void {
  describe('monitoring: idle carts and abandonment', () => {
    const cutOff = year(2001, '-06-01T00:00:00.000Z');

    it('finds active carts with lines last changed before the cut-off, and nothing else', async () => {
      const { storage } = await subject();
      const idle = await createCart(storage, idleCart(year(2001, '-02-01T00:00:00.000Z')));
      const older = await createCart(storage, idleCart(year(2001), 2));
      const empty = await createCart(storage, idleCart(year(2001), 0));
      const recent = await createCart(storage, idleCart(cutOff));
      const closed = await createCart(storage, idleCart(year(2001), 1, { status: 'checked_out' }));

      // Their states, as getCart reads them, least recently changed first.
      const found = await storage.findIdleCarts(cutOff, 1000);
      const ids = found.map((c) => c.id);
      for (const cart of [older, idle])
        expect(found).toContainEqual((await storage.getCart(cart.id))?.state);
      expect(ids.indexOf(older.id)).toBeLessThan(ids.indexOf(idle.id));
      for (const other of [empty, recent, closed]) expect(ids).not.toContain(other.id);
      const changed = found.map((c) => c.updatedAt);
      expect(changed).toEqual(changed.toSorted());
      // The limit holds.
      expect(await storage.findIdleCarts(cutOff, 1)).toHaveLength(1);
    });

    it('marks a cart abandoned once, with its event, until a later change', async () => {
      const t = await subject();
      const { storage } = t;
      const cart = await createCart(storage, idleCart(year(2002)));
      const cutOff2 = year(2002, '-06-01T00:00:00.000Z');
      const event: AnalyticsEvent = {
        at: cutOff2,
        type: 'cart_abandoned',
        cartId: cart.id,
        amount: 1000,
        currency: 'USD',
      };
      const before = await storage.getCart(cart.id);

      expect(await storage.markAbandoned(cart.id, cutOff2, event)).toBe(true);
      // The cart itself is unchanged: abandonment is a fact about it, not a change of it.
      expect(await storage.getCart(cart.id)).toEqual(before);
      expect(await idleIds(storage, cutOff2)).not.toContain(cart.id);
      expect(await storage.markAbandoned(cart.id, cutOff2, event)).toBe(false);
      const abandoned = (await t.events(cart.id)).filter((e) => e.type === 'cart_abandoned');
      expect(abandoned).toEqual([{ ...event, productId: null, quantity: null }]);

      // Touched again, then idle again: abandoned a second time.
      await change(storage, cart, year(2002, '-07-01T00:00:00.000Z'));
      const cutOff3 = year(2002, '-08-01T00:00:00.000Z');
      expect(await idleIds(storage, cutOff3)).toContain(cart.id);
      expect(await storage.markAbandoned(cart.id, cutOff3, { ...event, at: cutOff3 })).toBe(true);
      expect((await t.events(cart.id)).filter((e) => e.type === 'cart_abandoned')).toHaveLength(2);
    });

    it('refuses to mark a cart that is not idle, and records nothing', async () => {
      const t = await subject();
      const { storage } = t;
      const cutOff4 = year(2001, '-09-01T00:00:00.000Z');
      const carts = [
        await createCart(storage, idleCart(year(2001), 0)),
        await createCart(storage, idleCart(cutOff4)),
        await createCart(storage, idleCart(year(2001), 1, { status: 'merged' })),
      ];
      for (const cart of carts) {
        const event: AnalyticsEvent = { at: cutOff4, type: 'cart_abandoned', cartId: cart.id };
        expect(await storage.markAbandoned(cart.id, cutOff4, event)).toBe(false);
        expect((await t.events(cart.id)).map((e) => e.type)).toEqual(['cart_created']);
      }
      const unknown = randomUUID();
      expect(
        await storage.markAbandoned(unknown, cutOff4, {
          at: cutOff4,
          type: 'cart_abandoned',
          cartId: unknown,
        }),
      ).toBe(false);
      expect(await t.events(unknown)).toEqual([]);
    });
  });

  describe('monitoring: analytics counts', () => {
    const from = year(2003);
    const to = year(2003, '-01-02T00:00:00.000Z');
    const inside = (h: number) => year(2003, `-01-01T${String(h).padStart(2, '0')}:00:00.000Z`);

    it('counts distinct carts per funnel step, abandonment, orders, revenue and top products', async () => {
      const { storage } = await subject();
      const [p1, p2, p3, p4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()].sort();
      const added = (cartId: string, productId: string | undefined, quantity: number, h = 1) => ({
        at: inside(h),
        type: 'line_added' as const,
        cartId,
        productId: productId ?? null,
        quantity,
        amount: 100 * quantity,
        currency: 'USD' as const,
      });
      const changed = (cartId: string, productId: string | undefined, quantity: number) => ({
        ...added(cartId, productId, quantity, 2),
        type: 'quantity_changed' as const,
      });
      const ev = (cartId: string, type: AnalyticsEvent['type'], h: number, amount?: number) => ({
        at: inside(h),
        type,
        cartId,
        ...(amount === undefined ? {} : { amount, currency: 'USD' as const }),
      });

      // A: created, adds p1 ×2 then +3, checks out for 5000.
      await cartWithEvents(storage, (id) => [
        ev(id, 'cart_created', 0),
        added(id, p1, 2),
        changed(id, p1, 3),
        ev(id, 'checkout_started', 3),
        ev(id, 'checked_out', 3, 5000),
      ]);
      // B: created (at the window's first instant), adds p1 and p2 ×4, lowers p2, is abandoned twice.
      await cartWithEvents(storage, (id) => [
        { at: from, type: 'cart_created', cartId: id },
        added(id, p1, 1),
        added(id, p2, 4),
        changed(id, p2, -2),
        ev(id, 'cart_abandoned', 5, 1200),
        ev(id, 'cart_abandoned', 9, 1200),
      ]);
      // C: created, adds p2, p3 and p4 once each, checks out for 2501.
      await cartWithEvents(storage, (id) => [
        ev(id, 'cart_created', 1),
        added(id, p2, 1),
        added(id, p3, 1),
        added(id, p4, 1),
        ev(id, 'checkout_started', 4),
        ev(id, 'checked_out', 4, 2501),
      ]);
      // D: outside the window (before it, and at its end, which is excluded).
      await cartWithEvents(storage, (id) => [
        { at: year(2002, '-12-31T23:59:59.999Z'), type: 'cart_created', cartId: id },
        { ...added(id, p4, 50), at: year(2002, '-12-31T23:59:59.999Z') },
        { at: to, type: 'checked_out', cartId: id, amount: 9999, currency: 'USD' },
      ]);
      // E: created, then merged away: counted as created only.
      await cartWithEvents(storage, (id) => [ev(id, 'cart_created', 6), ev(id, 'cart_merged', 7)]);

      const counts = await storage.analyticsCounts(from, to, 3);
      expect(counts).toEqual({
        funnel: { cart_created: 4, line_added: 3, checkout_started: 2, checked_out: 2 },
        abandonedCarts: 1,
        orders: 2,
        revenue: 7501,
        // p1: 2 + 3 + 1 = 6 in 2 carts; p2: 4 + 1 = 5 (the decrease does not count) in 2
        // carts; p3 and p4 tie at 1 (p4's 50 are outside the window): by id, p3 first.
        topProducts: [
          { productId: p1, quantityAdded: 6, carts: 2 },
          { productId: p2, quantityAdded: 5, carts: 2 },
          { productId: p3, quantityAdded: 1, carts: 1 },
        ],
      });
      // The window's start is included (A and B, created at 00:00), its end excluded (C, 01:00).
      const firstHour = await storage.analyticsCounts(from, inside(1), 10);
      expect(firstHour.funnel.cart_created).toBe(2);
    });

    it('answers zeros for a window without events', async () => {
      const { storage } = await subject();
      expect(await storage.analyticsCounts(year(1999), year(2000), 10)).toEqual({
        funnel: { cart_created: 0, line_added: 0, checkout_started: 0, checked_out: 0 },
        abandonedCarts: 0,
        orders: 0,
        revenue: 0,
        topProducts: [],
      });
    });
  });

  describe('monitoring: error groups', () => {
    it('groups occurrences by fingerprint: count, first and last seen, the latest sample', async () => {
      const { storage } = await subject();
      const first = occurrence({ at: year(2005, '-01-01T10:00:00.000Z') });
      const latest = {
        ...first,
        message: 'x is not a function (again)',
        stack: 'TypeError: again',
        requestId: randomUUID(),
        at: year(2005, '-01-01T11:00:00.000Z'),
      };
      // An occurrence that arrives late (older than the latest): counted, not the sample.
      const late = { ...first, requestId: randomUUID(), at: year(2005, '-01-01T09:00:00.000Z') };
      expect(await storage.recordError(first, OPEN)).toBe('created');
      expect(await storage.recordError(latest, OPEN)).toBe('counted');
      expect(await storage.recordError(late, OPEN)).toBe('counted');

      const group = await storage.getErrorGroup(first.fingerprint);
      expect(group).toEqual<ErrorGroup>({
        fingerprint: first.fingerprint,
        source: 'server',
        errorClass: 'TypeError',
        message: latest.message,
        route: first.route,
        topFrame: first.topFrame,
        count: 3,
        firstSeen: late.at,
        lastSeen: latest.at,
        sampleRequestId: latest.requestId,
        stack: latest.stack,
      });
      expect(await storage.getErrorGroup(fingerprint())).toBeNull();
    });

    it('counts every one of concurrent occurrences of a new fingerprint', async () => {
      const { storage } = await subject();
      const o = occurrence();
      await Promise.all(
        Array.from({ length: 20 }, () =>
          storage.recordError({ ...o, requestId: randomUUID() }, OPEN),
        ),
      );
      expect((await storage.getErrorGroup(o.fingerprint))?.count).toBe(20);
    });

    it('starts a new group only when allowed and under the cap; a known group always counts', async () => {
      const { storage } = await subject();
      const known = occurrence({ at: year(2004, '-02-01T00:00:00.000Z') });
      expect(await storage.recordError(known, OPEN)).toBe('created');

      // Not allowed to start a group (the client's quota is spent): not stored at all.
      const unknown = occurrence();
      expect(await storage.recordError(unknown, { ...OPEN, mayCreate: false })).toBe('refused');
      expect(await storage.getErrorGroup(unknown.fingerprint)).toBeNull();
      // At the cap (at least one server group exists: `known`): refused too…
      expect(await storage.recordError(unknown, { mayCreate: true, maxGroups: 1 })).toBe('refused');
      expect(await storage.getErrorGroup(unknown.fingerprint)).toBeNull();
      // …while an occurrence of a group that exists counts whatever the limits.
      const again = { ...known, requestId: randomUUID(), at: year(2004, '-02-02T00:00:00.000Z') };
      expect(await storage.recordError(again, { mayCreate: false, maxGroups: 1 })).toBe('counted');
      expect(await storage.getErrorGroup(known.fingerprint)).toMatchObject({
        count: 2,
        lastSeen: again.at,
        sampleRequestId: again.requestId,
      });
      // The cap is per source: a client group is not held back by the server's groups.
      // (Dated 2000 and purged again, so that the listing below sees its own two only.)
      const client = occurrence({ source: 'client', route: '/cap', at: year(2000) });
      const clientGroups = await storage.listErrorGroups({
        source: 'client',
        cursor: null,
        limit: 100,
      });
      const cap = { mayCreate: true, maxGroups: clientGroups.items.length + 1 };
      expect(await storage.recordError(client, cap)).toBe('created');
      expect(await storage.recordError({ ...client, fingerprint: fingerprint() }, cap)).toBe(
        'refused',
      );
      expect(await storage.purgeErrorGroups(year(2000, '-12-31T00:00:00.000Z'))).toBe(1);
    });

    it('purges the groups last seen before a cut-off, and only those', async () => {
      const { storage } = await subject();
      const old = occurrence({ at: year(2002, '-03-01T00:00:00.000Z') });
      const kept = occurrence({ at: year(2002, '-03-01T00:00:00.001Z') });
      // Seen first long ago but again since: kept.
      const revived = occurrence({ at: year(2001) });
      for (const o of [old, kept, revived]) await storage.recordError(o, OPEN);
      await storage.recordError({ ...revived, at: year(2002, '-06-01T00:00:00.000Z') }, OPEN);

      expect(await storage.purgeErrorGroups(kept.at)).toBe(1);
      expect(await storage.getErrorGroup(old.fingerprint)).toBeNull();
      expect(await storage.getErrorGroup(kept.fingerprint)).not.toBeNull();
      expect(await storage.getErrorGroup(revived.fingerprint)).toMatchObject({ count: 2 });
      expect(await storage.purgeErrorGroups(kept.at)).toBe(0);
    });

    it('lists groups most recently seen first, without stacks, by source, in pages', async () => {
      const { storage } = await subject();
      // Seen later than any other group in the suite, so they lead the list.
      const at = (m: number) => year(2099, `-01-01T00:0${m}:00.000Z`);
      const [s3, s1] = [occurrence({ at: at(3) }), occurrence({ at: at(1) })];
      const [c2, c4] = [2, 4].map((m) =>
        occurrence({ source: 'client', route: '/cart', requestId: null, at: at(m) }),
      ) as [ErrorOccurrence, ErrorOccurrence];
      for (const o of [s3, s1, c2, c4]) await storage.recordError(o, OPEN);
      const summary = (o: ErrorOccurrence) => ({
        fingerprint: o.fingerprint,
        source: o.source,
        errorClass: o.errorClass,
        message: o.message,
        route: o.route,
        topFrame: o.topFrame,
        count: 1,
        firstSeen: o.at,
        lastSeen: o.at,
        sampleRequestId: o.requestId,
      });

      const page1 = await storage.listErrorGroups({ cursor: null, limit: 3 });
      expect(page1.items).toEqual([c4, s3, c2].map(summary));
      expect(page1.nextCursor).not.toBeNull();
      const page2 = await storage.listErrorGroups({ cursor: page1.nextCursor, limit: 1 });
      expect(page2.items).toEqual([summary(s1)]);

      // Exactly two client groups: one page, and no cursor to a next one.
      expect(await storage.listErrorGroups({ source: 'client', cursor: null, limit: 2 })).toEqual({
        items: [c4, c2].map(summary),
        nextCursor: null,
      });
    });
  });

  describe('monitoring: alert events', () => {
    it('records each change of state with an id, and lists them newest first', async () => {
      const { storage } = await subject();
      const fired = await storage.recordAlertEvent({
        rule: 'error-budget-burn',
        state: 'firing',
        at: year(2005),
        value: 14.4,
        summary: 'error budget burning 14.4× too fast',
      });
      const resolved = await storage.recordAlertEvent({
        rule: 'error-budget-burn',
        state: 'resolved',
        at: year(2005, '-01-01T00:05:00.000Z'),
        value: null,
        summary: 'back within budget',
      });
      expect(fired).toEqual({
        id: fired.id,
        rule: 'error-budget-burn',
        state: 'firing',
        at: year(2005),
        value: 14.4,
        summary: 'error budget burning 14.4× too fast',
      });
      expect(Number.isInteger(fired.id)).toBe(true);
      expect(resolved.id).toBeGreaterThan(fired.id);
      expect(await storage.listAlertEvents(2)).toEqual([resolved, fired]);
      expect(await storage.listAlertEvents(1)).toEqual([resolved]);
    });
  });
}
