import type { Cart, CheckoutResult } from '@cart/core';
import type { CartErrorReport } from './cart-snapshot.ts';
import { isTempLineId, lineRef } from './outbox.ts';
import type { StoredCart } from './records.ts';
import {
  activeCartId,
  confirmedCart,
  type Outcome,
  type Refusal,
  type StepContext,
  type StepResult,
  type SyncEvent,
  type SyncRequest,
  type SyncState,
} from './sync-state.ts';
import { Stepper } from './sync-stepper.ts';

/**
 * The SDK's sync core as one pure function: `step(state, event, ctx)` answers the next
 * state and the effects to run (requests to send, a time to wake at, callers to settle).
 * It does no I/O and reads no clock: the store (cart-store.ts) runs the effects, feeds
 * their outcomes back in as events, and saves every step's persisted part in one
 * storage transaction before it runs the step's effects. See README.md, "The state
 * machine".
 *
 * The protocol it relies on: every cart the server answers (to a read, a batch, a live
 * event) lists the ids of the actions recently applied to it (`appliedActionIds`), and
 * a refusal names the action it refused (`actionId`). So an action leaves the queue when
 * a cart lists it (applied) or a refusal names it (refused): nothing is inferred from
 * positions or from which request was answered.
 */

/** One step of the machine. */
export function step(state: SyncState, event: SyncEvent, ctx: StepContext): StepResult {
  const m = new Stepper(state, ctx);
  on(m, event);
  m.next();
  return { state: m.s, effects: m.effects };
}

function on(m: Stepper, event: SyncEvent): void {
  switch (event.type) {
    case 'enqueue':
      return m.enqueue(event.item);
    case 'lead':
      return m.set({
        leading: true,
        readWanted: activeCartId(m.s) !== null,
        waitUntil: null,
        failures: 0,
      });
    case 'online':
      if (m.s.link === 'down' || m.s.link === 'trouble') m.set({ waitUntil: null, failures: 0 });
      return;
    case 'retry':
      return m.set({
        link: m.s.link === 'fatal' ? 'up' : m.s.link,
        waitUntil: null,
        failures: 0,
        cartLosses: 0,
        readWanted: activeCartId(m.s) !== null,
      });
    case 'wake':
      // The scheduler's timer ran its full delay (timers count elapsed time): the wait is
      // over, even if the wall clock was set back meanwhile and says otherwise.
      m.set({ waitUntil: null });
      return;
    case 'live':
      m.adopt(event.cart);
      return;
    case 'live-up':
      if (m.s.link === 'down') m.set({ link: 'up', waitUntil: null, failures: 0 });
      return;
    case 'live-gone':
      if (activeCartId(m.s) !== null) m.set({ readWanted: true });
      return;
    case 'checkout': {
      // Asked again while one waits (after a failure): the shopper means now.
      if (m.s.checkout) return m.set({ waitUntil: null });
      const actionIds = m.s.outbox.map((i) => i.actionId);
      m.set({ checkout: { key: event.key, actionIds, version: null } });
      return;
    }
    case 'forget':
      return forget(m, null);
    case 'load':
      forget(m, { kind: 'active', id: event.cartId, token: event.token, confirmed: null });
      m.set({ readWanted: true, switching: { kind: 'load', cartId: event.cartId } });
      return;
    case 'merge':
      return merge(m, event);
    case 'create':
      forget(m, null);
      m.set({ switching: { kind: 'create' } });
      return;
    case 'answered':
      // Only the answer to the request on the wire (the very object `send` carried) counts.
      if (m.s.request !== event.request) return;
      m.set({ request: null });
      return answered(m, event.request, event.outcome);
  }
}

/** Drops the cart (and the queue with it); `next` is the cart to use instead, if any. */
function forget(m: Stepper, next: StoredCart | null): void {
  const gone = m.s.outbox;
  m.set({
    cart: next ?? { kind: 'none' },
    lineIds: {},
    createKey: null,
    readWanted: false,
    mergeWanted: null,
    cartLosses: 0,
    lastError: null,
  });
  m.settle(gone, m.report('CART_CLOSED', 'The change was dropped with the cart it was for.'));
  if (m.s.checkout)
    m.endCheckout(null, m.report('CART_CLOSED', 'The checkout was dropped with its cart.'));
  m.switched(null, m.report('CART_CLOSED', 'Another cart was asked for first.'));
}

function merge(m: Stepper, e: Extract<SyncEvent, { type: 'merge' }>): void {
  m.switched(null, m.report('CART_CLOSED', 'Another cart was asked for first.'));
  const current = m.s.cart;
  const key = m.ctx.newKey();
  if (e.into === 'given') {
    // Bearer mode: the given cart survives. This device's cart, once what is queued for it
    // is sent, is merged into it; with no cart of its own, the device just switches.
    if (current.kind !== 'active' || current.token === null) {
      forget(m, { kind: 'active', id: e.cartId, token: e.token, confirmed: null });
      m.set({ switching: { kind: 'merge' }, readWanted: true });
      return;
    }
    m.set({
      switching: { kind: 'merge' },
      mergeWanted: {
        cartId: e.cartId,
        token: e.token,
        sourceCartId: current.id,
        sourceToken: current.token,
        key,
      },
    });
    return;
  }
  // Cookie mode: this browser's cart (its credential is the HttpOnly cookie) survives and
  // takes the given one in; a cart is made first when there is none.
  m.set({
    switching: { kind: 'merge' },
    mergeWanted: { cartId: null, token: null, sourceCartId: e.cartId, sourceToken: e.token, key },
  });
}

function answered(m: Stepper, request: SyncRequest, outcome: Outcome): void {
  if (outcome.ok) {
    m.set({ link: 'up', failures: 0, waitUntil: null });
    if (m.s.lastError && m.s.lastError.retryable) m.set({ lastError: null });
    if ('order' in outcome) return ordered(m, outcome.order);
    return gotCart(m, request, outcome.cart, outcome.token);
  }
  if (outcome.kind === 'network') return m.backOff('down', outcome.retryAfterMs, null);
  if (outcome.kind === 'trouble') return m.backOff('trouble', outcome.retryAfterMs, outcome.report);
  m.set({ link: 'up', failures: 0 });
  return refused(m, request, outcome.refusal);
}

function gotCart(
  m: Stepper,
  request: SyncRequest,
  cart: Cart,
  token: string | null | undefined,
): void {
  switch (request.kind) {
    case 'create': {
      const previous = m.s.cart;
      if (previous.kind === 'active') return; // a cart was loaded meanwhile
      m.set({
        cart: { kind: 'active', id: cart.id, token: token ?? null, confirmed: null },
        createKey: null,
      });
      m.adopt(cart, token ?? null);
      if (m.s.switching?.kind === 'create') m.switched(cart, null);
      return;
    }
    case 'read':
      m.set({ readWanted: false });
      m.adopt(cart);
      if (m.s.switching?.kind === 'load' || (m.s.switching?.kind === 'merge' && !m.s.mergeWanted))
        m.switched(confirmedCart(m.s), null);
      return;
    case 'merge': {
      m.set({ mergeWanted: null });
      if (request.token !== null) {
        // Bearer: the device now works on the cart it merged into. What was queued for its
        // old cart meanwhile goes there too, except changes to the old cart's lines.
        const old = m.s.lineIds;
        const orphaned = m.s.outbox.filter((i) => {
          const ref = lineRef(i.action);
          return ref !== undefined && (!isTempLineId(ref) || typeof old[ref] === 'string');
        });
        for (const item of orphaned)
          m.settle(
            [item],
            m.report('LINE_NOT_FOUND', 'That item was in the cart that was merged.', item),
          );
        m.set({
          cart: { kind: 'active', id: cart.id, token: request.token, confirmed: null },
          lineIds: {},
        });
      }
      m.adopt(cart);
      m.switched(cart, null);
      return;
    }
    case 'actions': {
      // The cart lists what it applied: those leave the queue (see adopt).
      if (m.adopt(cart)) m.set({ cartLosses: 0 });
      // Still pending after its own answer (an old answer replayed after its actions fell
      // out of the window): the next send takes a new key, and the server lists them again.
      const sent = new Set(request.actions.map((a) => a.actionId));
      if (m.s.outbox.some((i) => sent.has(i.actionId))) m.set({ lastBatch: null });
      return;
    }
    case 'checkout':
      return; // answered with an order (see ordered)
  }
}

function ordered(m: Stepper, order: CheckoutResult): void {
  const applied = new Set(order.cart.appliedActionIds);
  m.settle(
    m.s.outbox.filter((i) => applied.has(i.actionId)),
    null,
  );
  const held = m.s.outbox;
  m.set({
    lastOrder: order,
    cart: { kind: 'closed', id: order.cart.id, token: null, confirmed: order.cart },
    lineIds: {},
    lastError: null,
  });
  m.endCheckout(order, null);
  // Changes made while the order was being placed are not in it: say so, rather than
  // sending them to a closed cart or into a new one the shopper did not ask for.
  for (const item of held)
    m.settle(
      [item],
      m.report(
        'CART_CLOSED',
        'Your order was placed before this change, so it is not part of it.',
        item,
      ),
    );
}

function refused(m: Stepper, request: SyncRequest, r: Refusal): void {
  const code = r.report.code;
  if (request.kind === 'merge') {
    m.set({ mergeWanted: null });
    m.switched(null, r.report);
    m.set({ lastError: r.report });
    // About the cart to take in, or about the shopper's cart (bearer): not about the cart
    // in use, which stays as it is.
    const aboutSource = r.report.errors.some((e) => e.path.startsWith('/source'));
    if (aboutSource || request.token !== null) return;
  }
  if (code === 'CART_NOT_FOUND' || code === 'CART_EXPIRED') {
    return m.lost('expired', r.report);
  }
  if (code === 'CART_CLOSED') {
    if (r.cart) m.adopt(r.cart);
    // Closed by someone else: also when our checkout was waiting on it (see adopt).
    if (m.s.cart.kind === 'active' || m.s.checkout) m.lost('closed', r.report);
    return;
  }
  switch (request.kind) {
    case 'actions':
      return refusedBatch(m, request, r);
    case 'checkout':
      // The shopper decides again, on the cart as it is now (re-priced, changed elsewhere).
      if (r.cart) m.adopt(r.cart);
      m.endCheckout(null, r.report);
      m.set({ lastError: r.report });
      return;
    case 'merge':
      return;
    case 'create':
    case 'read':
      return stop(m, r.report);
  }
}

function refusedBatch(
  m: Stepper,
  request: Extract<SyncRequest, { kind: 'actions' }>,
  r: Refusal,
): void {
  const code = r.report.code;
  if (code === 'IDEMPOTENCY_KEY_REUSED') {
    m.set({ lastBatch: null }); // the next send takes a new key
    return;
  }
  const tooBig =
    code === 'PAYLOAD_TOO_LARGE' ||
    (code === 'VALIDATION_FAILED' && r.report.errors.some((e) => e.path === '/actions'));
  if (tooBig && request.actions.length > 1) {
    m.set({ maxBatch: Math.max(1, Math.floor(request.actions.length / 2)) });
    return;
  }
  const index = r.index ?? (tooBig ? 0 : null);
  const id = r.actionId ?? (index !== null ? (request.actions[index]?.actionId ?? null) : null);
  const item = id === null ? undefined : m.s.outbox.find((i) => i.actionId === id);
  if (!item) return stop(m, r.report);
  m.refuse(item, { ...r.report, actionId: item.actionId, action: item.action });
  // The checkout asked for after it cannot go ahead on a cart the shopper did not see.
  if (m.s.checkout?.actionIds.includes(item.actionId))
    m.endCheckout(null, { ...r.report, actionId: item.actionId, action: item.action });
}

/** A refusal of the store itself (its credential, CSRF): nothing moves until retry(). */
function stop(m: Stepper, report: CartErrorReport): void {
  m.set({ link: 'fatal', lastError: report });
  if (m.s.checkout) m.endCheckout(null, report);
  m.switched(null, report);
}
