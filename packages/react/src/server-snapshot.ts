import type { CartSnapshot } from '@cart/client';

/**
 * What the hooks read on the server and while hydrating: nothing loaded yet. A server
 * never has the shopper's cart (it lives on the device and behind the cart cookie), so
 * the HTML it sends shows the loading state; hydration must then render exactly that
 * state, or React finds text it did not expect and throws the server's HTML away. The
 * client store may already hold the cart when hydration starts (restored from storage,
 * or loaded before the first render), so its own snapshot cannot serve here: React
 * renders this one first and the store's right after hydrating.
 *
 * One module constant, frozen: the same object on every call, on the server and in the
 * browser, as `useSyncExternalStore` requires of a snapshot that has not changed.
 */
export const LOADING_SNAPSHOT: CartSnapshot = Object.freeze({
  status: 'loading',
  sync: Object.freeze({ kind: 'idle' }),
  cart: null,
  confirmed: null,
  cartId: null,
  pending: Object.freeze([]),
  pendingCount: 0,
  online: true,
  offlineReason: null,
  leader: false,
  lastError: null,
  lastOrder: null,
  stock: Object.freeze({}),
} satisfies CartSnapshot);

/** The `getServerSnapshot` of every hook on `useSyncExternalStore`. */
export function getServerSnapshot(): CartSnapshot {
  return LOADING_SNAPSHOT;
}
