import type { CartActions } from '@cart/client';
import { useCartStore } from './cart-context.ts';

/** The cart actions; the same functions on every render (safe in dependency lists). */
export function useCartActions(): CartActions {
  return useCartStore().actions;
}
