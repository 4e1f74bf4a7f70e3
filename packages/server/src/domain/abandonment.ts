import type { AnalyticsEvent, Storage } from '../storage/port.ts';
import type { CartObserver } from './cart-observer.ts';
import type { CartService } from './cart-service.ts';

export interface AbandonmentSweep {
  storage: Storage;
  /** Prices a cart (the event carries its total). */
  service: Pick<CartService, 'view'>;
  /** Told about each abandonment, as about a committed change (metrics, log lines). */
  observer: CartObserver;
  /** ABANDON_AFTER_SECONDS: how long a cart with items must sit untouched. */
  idleSeconds: number;
  /** Carts handled per sweep (the rest wait for the next one). */
  batch?: number;
}

/**
 * The abandonment sweep (docs/operations.md#analytics): every active cart that holds
 * items and has not changed for `idleSeconds` gets one `cart_abandoned` event, with the
 * cart's total, and is marked so that it is not counted again until it changes. A cart
 * that changes in the meantime is left alone (the mark is conditional, in the same
 * transaction as the event). The cart itself does not change: it stays open, and a
 * shopper who comes back simply carries on (and may be counted again later).
 * Returns how many carts were marked.
 */
export async function sweepAbandoned(sweep: AbandonmentSweep, now: Date): Promise<number> {
  const { storage, service, observer } = sweep;
  const idleBefore = new Date(now.getTime() - sweep.idleSeconds * 1000).toISOString();
  let marked = 0;
  // The idle carts' states in one read; each mark is still its own conditional write.
  for (const state of await storage.findIdleCarts(idleBefore, sweep.batch ?? 500)) {
    const cartId = state.id;
    const cart = service.view(state, now);
    const event: AnalyticsEvent = {
      at: now.toISOString(),
      type: 'cart_abandoned',
      cartId,
      amount: cart.total.amount,
      currency: cart.currency,
    };
    if (!(await storage.markAbandoned(cartId, idleBefore, event))) continue;
    marked += 1;
    observer.committed([event], { requestId: 'abandonment-sweep' });
  }
  return marked;
}
