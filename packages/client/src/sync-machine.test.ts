import { computeTotals, type Cart, type CartAction, type CartState } from '@cart/core';
import { describe, expect, it } from 'vitest';
import { reportFromLocal } from './cart-snapshot.ts';
import type { PendingAction } from './outbox.ts';
import { step } from './sync-machine.ts';
import {
  MAX_CART_LOSSES,
  initialState,
  nextOrderTime,
  orderTime,
  type Outcome,
  type SyncEffect,
  type SyncEvent,
  type SyncRequest,
  type SyncState,
} from './sync-state.ts';

const NOW = Date.UTC(2026, 11, 7, 10, 0, 0);

function ctx(now = NOW) {
  let n = 0;
  return {
    now,
    newKey: () => `key-${++n}`,
    backoff: { baseDelayMs: 1000, maxDelayMs: 30_000 },
    random: () => 0.5,
  };
}

function cart(
  version: number,
  applied: string[] = [],
  patch: Partial<CartState> = {},
  id = 'c1',
): Cart {
  const state: CartState = {
    id,
    version,
    status: 'active',
    regionId: 'r_us',
    currency: 'USD',
    country: null,
    shippingAddress: null,
    shippingOption: null,
    taxRateBps: 810,
    taxInclusive: false,
    lines: [],
    discounts: [],
    note: '',
    email: null,
    createdAt: '2026-12-07T10:00:00.000Z',
    updatedAt: '2026-12-07T10:00:00.000Z',
    expiresAt: '2027-01-07T10:00:00.000Z',
    appliedActionIds: applied,
    ...patch,
  };
  return computeTotals(state);
}

const seqAt = (time: number, n = 0) =>
  `${time.toString(36).padStart(9, '0')}.${n.toString(36).padStart(4, '0')}.tab`;

function item(actionId: string, action: CartAction, time = NOW): PendingAction {
  return { actionId, action, seq: seqAt(time), createdAt: time };
}

/** A leading store with an active, confirmed cart. */
function active(): SyncState {
  return {
    ...initialState(100),
    leading: true,
    cart: { kind: 'active', id: 'c1', token: 't', confirmed: cart(1) },
  };
}

function run(state: SyncState, ...events: SyncEvent[]) {
  let s = state;
  const effects: SyncEffect[] = [];
  for (const e of events) {
    const r = step(s, e, ctx());
    s = r.state;
    effects.push(...r.effects);
  }
  return { s, effects };
}

const sent = (effects: SyncEffect[]): SyncRequest[] =>
  effects.flatMap((e) => (e.type === 'send' ? [e.request] : []));

function answer(s: SyncState, outcome: Outcome) {
  if (!s.request) throw new Error('nothing on the wire');
  return run(s, { type: 'answered', request: s.request, outcome });
}

const refusal = (code: 'OUT_OF_STOCK' | 'UNAUTHORIZED', actionId: string | null): Outcome => ({
  ok: false,
  kind: 'refused',
  refusal: {
    report: reportFromLocal({ code, message: code }, null, NOW),
    actionId,
    index: null,
    cart: null,
  },
});

describe('the sync machine', () => {
  it('issues order keys that never go backwards, whatever the clock does', () => {
    expect(nextOrderTime({ clock: NOW }, NOW - 3_600_000)).toBe(NOW + 1);
    expect(nextOrderTime({ clock: 0 }, NOW)).toBe(NOW);
    expect(orderTime(seqAt(NOW))).toBe(NOW);
    // An item's key moves the clock, so the next one sorts after it.
    const { s } = run(initialState(100), { type: 'enqueue', item: item('a', { type: 'clear' }) });
    expect(s.clock).toBe(NOW);
  });

  it('never queues a change ahead of the add whose line it names', () => {
    const add = item('a', { type: 'addLine', productId: 'p', quantity: 1 }, NOW);
    // Its key is older (another tab's clock was behind), yet it goes after the add.
    const change = item('b', { type: 'setLineQuantity', lineId: 'tmp_a', quantity: 3 }, NOW - 5);
    const { s } = run(
      initialState(100),
      { type: 'enqueue', item: add },
      { type: 'enqueue', item: change },
    );
    expect(s.outbox.map((i) => i.actionId)).toEqual(['a', 'b']);
  });

  it('drops from the queue what a cart lists as applied, also from an older cart', () => {
    let { s, effects } = run(active(), {
      type: 'enqueue',
      item: item('a', { type: 'setNote', note: 'x' }),
    });
    expect(sent(effects)).toMatchObject([{ kind: 'actions', actions: [{ actionId: 'a' }] }]);
    ({ s, effects } = run(
      s,
      { type: 'enqueue', item: item('b', { type: 'setNote', note: 'y' }) },
      { type: 'live', cart: cart(3, ['a']) },
    ));
    expect(s.outbox.map((i) => i.actionId)).toEqual(['b']);
    expect(effects).toContainEqual({ type: 'settled', actionId: 'a', report: null });
    // A replayed answer is older than the cart held: not shown, but what it lists is done.
    ({ s, effects } = answer(s, { ok: true, cart: cart(2, ['a', 'b']) }));
    expect(s.cart).toMatchObject({ confirmed: { version: 3 } });
    expect(s.outbox).toEqual([]);
    expect(effects).toContainEqual({ type: 'settled', actionId: 'b', report: null });
  });

  it('refuses the action the refusal names, and what depends on it; the rest goes again', () => {
    let { s } = run(
      active(),
      { type: 'enqueue', item: item('a', { type: 'setNote', note: 'x' }, NOW) },
      {
        type: 'enqueue',
        item: item('b', { type: 'addLine', productId: 'p', quantity: 9 }, NOW + 1),
      },
    );
    // 'a' is on the wire alone; 'b' waits. Answer 'a', then 'b' is sent and refused.
    ({ s } = answer(s, { ok: true, cart: cart(2, ['a']) }));
    ({ s } = run(s, {
      type: 'enqueue',
      item: item('c', { type: 'setLineQuantity', lineId: 'tmp_b', quantity: 2 }, NOW + 2),
    }));
    expect(s.request).toMatchObject({ kind: 'actions', actions: [{ actionId: 'b' }] });
    const { s: after, effects } = answer(s, refusal('OUT_OF_STOCK', 'b'));
    expect(after.outbox).toEqual([]);
    expect(refusedWith(effects, 'b')).toBe('OUT_OF_STOCK');
    expect(refusedWith(effects, 'c')).toBe('LINE_NOT_FOUND');
    expect(effects.some((e) => e.type === 'announce')).toBe(true);
  });

  it('starts a new cart when the cart expires, and spaces new carts when they keep being lost', () => {
    let { s } = run(active(), {
      type: 'enqueue',
      item: item('a', { type: 'removeLine', lineId: 'L1' }, NOW),
    });
    ({ s } = run(s, { type: 'enqueue', item: item('b', { type: 'setNote', note: 'n' }, NOW + 1) }));
    const gone: Outcome = {
      ok: false,
      kind: 'refused',
      refusal: {
        report: reportFromLocal({ code: 'CART_EXPIRED', message: 'expired' }, null, NOW),
        actionId: null,
        index: null,
        cart: null,
      },
    };
    let effects: SyncEffect[];
    ({ s, effects } = answer(s, gone));
    // The change to a line of the old cart is refused; the note waits for the new cart.
    expect(refusedWith(effects, 'a')).toBe('LINE_NOT_FOUND');
    expect(s.cart.kind).toBe('expired');
    expect(s.lastError).toMatchObject({ code: 'CART_EXPIRED' });
    expect(sent(effects)).toMatchObject([{ kind: 'create' }]);
    // The new cart is lost at once too (a cookie that does not stick): the next waits.
    ({ s } = answer(s, { ok: true, cart: cart(1, [], {}, 'c2'), token: 't2' }));
    ({ s, effects } = answer(s, gone));
    expect(sent(effects)).toEqual([]);
    expect(s.waitUntil).toBeGreaterThan(NOW);
    // One more loss than the store takes in a row: it stops and says why.
    const tired: SyncState = {
      ...s,
      cartLosses: MAX_CART_LOSSES - 1,
      request: null,
      cart: { kind: 'active', id: 'c9', token: 't', confirmed: null },
    };
    ({ s } = run(tired, { type: 'live', cart: cart(2, [], { status: 'expired' }, 'c9') }));
    expect(s.lastError?.detail).toMatch(/cookie/);
    expect(s.link).toBe('fatal');
  });

  it('holds back changes made while checking out, and checks out the version the shopper saw', () => {
    let { s, effects } = run(active(), { type: 'checkout', key: 'order-key' });
    expect(sent(effects)).toEqual([
      { kind: 'checkout', cartId: 'c1', key: 'order-key', version: 1 },
    ]);
    ({ s, effects } = run(s, {
      type: 'enqueue',
      item: item('late', { type: 'setNote', note: 'x' }),
    }));
    expect(sent(effects)).toEqual([]);
    // The answer is lost: the checkout goes again with the same key; the change still waits.
    ({ s } = answer(s, { ok: false, kind: 'network', retryAfterMs: null }));
    expect(s.link).toBe('down');
    ({ s, effects } = run({ ...s, waitUntil: NOW }, { type: 'wake' }));
    expect(sent(effects)).toMatchObject([{ kind: 'checkout', key: 'order-key' }]);
    const order = { orderId: 'o1', orderNumber: 1, cart: cart(2, [], { status: 'checked_out' }) };
    ({ s, effects } = answer(s, { ok: true, order }));
    expect(s).toMatchObject({ lastOrder: order, checkout: null, cart: { kind: 'closed' } });
    expect(effects).toContainEqual({ type: 'checkout-ended', order, report: null });
    expect(refusedWith(effects, 'late')).toBe('CART_CLOSED');
  });

  it('waits for its own checkout’s answer when the closed cart’s live event comes first', () => {
    let { s } = run(active(), { type: 'checkout', key: 'order-key' });
    let effects: SyncEffect[];
    const closed = cart(2, [], { status: 'checked_out' });
    ({ s, effects } = run(s, { type: 'live', cart: closed }));
    expect(s.cart.kind).toBe('closed');
    expect(s.checkout).not.toBeNull();
    expect(effects.some((e) => e.type === 'checkout-ended')).toBe(false);
    // Its answer is lost: asked again, with its key, of the closed cart; the order comes.
    ({ s } = answer(s, { ok: false, kind: 'network', retryAfterMs: null }));
    ({ s, effects } = run({ ...s, waitUntil: NOW }, { type: 'wake' }));
    expect(sent(effects)).toEqual([
      { kind: 'checkout', cartId: 'c1', key: 'order-key', version: 1 },
    ]);
    const order = { orderId: 'o1', orderNumber: 1, cart: closed };
    ({ s, effects } = answer(s, { ok: true, order }));
    expect(effects).toContainEqual({ type: 'checkout-ended', order, report: null });
    expect(s.lastError).toBeNull();
  });

  it("waits the server's Retry-After in full, and stops on a refusal of the store itself", () => {
    let { s } = run(active(), {
      type: 'enqueue',
      item: item('a', { type: 'setNote', note: 'x' }),
    });
    const report = {
      ...reportFromLocal({ code: 'RATE_LIMITED', message: 'slow down' }, null, NOW),
      retryable: true,
    };
    const waited = answer(s, { ok: false, kind: 'trouble', report, retryAfterMs: 120_000 });
    const effects = waited.effects;
    s = waited.s;
    expect(s).toMatchObject({ link: 'trouble', waitUntil: NOW + 120_000 });
    expect(effects).toContainEqual({ type: 'wake-at', at: NOW + 120_000 });
    // Meanwhile nothing is sent, not even a new change; the wake-up ends the wait, even
    // with the wall clock set back an hour since.
    expect(sendsAt(s, { type: 'enqueue', item: item('b', { type: 'clear' }) }, NOW + 1)).toBe(
      false,
    );
    expect(sendsAt(s, { type: 'wake' }, NOW - 3_600_000)).toBe(true);
    ({ s } = run(s, { type: 'wake' }));
    ({ s } = answer(s, refusal('UNAUTHORIZED', null)));
    expect(s.link).toBe('fatal');
    expect(sent(run(s, { type: 'wake' }).effects)).toEqual([]);
    expect(sent(run(s, { type: 'retry' }).effects)).toMatchObject([{ kind: 'read' }]);
  });
});

/** The code an action was refused with (undefined: not settled, null: applied). */
function refusedWith(effects: SyncEffect[], actionId: string): string | null | undefined {
  const e = effects.find((x) => x.type === 'settled' && x.actionId === actionId);
  return e?.type === 'settled' ? (e.report?.code ?? null) : undefined;
}

/** Whether the event, at `now`, would send anything. */
function sendsAt(s: SyncState, event: SyncEvent, now: number): boolean {
  return step(s, event, ctx(now)).effects.some((e) => e.type === 'send');
}
