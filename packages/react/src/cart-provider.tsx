import { useEffect, type ReactNode } from 'react';
import type { CartStore } from '@cart/client';
import { CartContext } from './cart-context.ts';

export interface CartProviderProps {
  store: CartStore;
  /** Calls `store.start()` once mounted (default true). */
  start?: boolean;
  children?: ReactNode;
}

/**
 * Gives the hooks below it a cart store. The store is made outside React (once, for
 * the page) and lives as long as the page; the provider only starts it.
 */
export function CartProvider({ store, start = true, children }: CartProviderProps) {
  useEffect(() => {
    if (start) void store.start();
  }, [store, start]);
  return <CartContext value={store}>{children}</CartContext>;
}
