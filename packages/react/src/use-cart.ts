import { useSyncExternalStore } from 'react';
import type { CartSnapshot, ShownCart } from '@cart/client';
import { useCartStore } from './cart-context.ts';
import { getServerSnapshot } from './server-snapshot.ts';

/**
 * The whole store state: cart, queue, status, last error, last order. On the server and
 * while hydrating it is `LOADING_SNAPSHOT`, whatever the store holds (see server-snapshot.ts).
 */
export function useCartSnapshot(): CartSnapshot {
  const store = useCartStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot);
}

/**
 * The cart to show: confirmed plus every queued change (lines carry `pending` and a
 * stable `key`). Null while the first load is under way, on the server and while hydrating.
 */
export function useCart(): ShownCart | null {
  return useCartSnapshot().cart;
}
