import { useSyncExternalStore } from 'react';
import type { CartSnapshot, ShownCart } from '@cart/client';
import { useCartStore } from './cart-context.ts';

/** The whole store state: cart, queue, status, last error, last order. */
export function useCartSnapshot(): CartSnapshot {
  const store = useCartStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * The cart to show: confirmed plus every queued change (lines carry `pending` and a
 * stable `key`). Null while the first load is under way.
 */
export function useCart(): ShownCart | null {
  return useCartSnapshot().cart;
}
