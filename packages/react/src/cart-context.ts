import { createContext, useContext } from 'react';
import type { CartStore } from '@cart/client';

/** The store the hooks read; provided by CartProvider. */
export const CartContext = createContext<CartStore | null>(null);

/** The store of the nearest CartProvider. */
export function useCartStore(): CartStore {
  const store = useContext(CartContext);
  if (store === null) throw new Error('The cart hooks need a <CartProvider store={…}> above them.');
  return store;
}
