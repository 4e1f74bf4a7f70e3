/**
 * @cart/react — React bindings for @cart/client on useSyncExternalStore. Nothing but
 * bindings: all behaviour lives in the store.
 */
export { CartProvider, type CartProviderProps } from './cart-provider.tsx';
export { CartContext, useCartStore } from './cart-context.ts';
export { useCart, useCartSnapshot } from './use-cart.ts';
export { LOADING_SNAPSHOT } from './server-snapshot.ts';
export { useCartActions } from './use-cart-actions.ts';
export { useCartStatus, type CartStatus } from './use-cart-status.ts';
