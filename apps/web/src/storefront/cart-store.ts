import { IndexedDbStorage, createCartStore, type CartStore } from '@cart/client';

/**
 * The page's one cart store. In a page the shop serves, the SDK needs almost nothing:
 * same origin (no base URL), cookie auth (the default in browsers: the cart token
 * stays in an HttpOnly cookie, changes carry the CSRF token), the tabs of this browser
 * coordinated by Web Locks and BroadcastChannel, live updates over SSE. What it is
 * told here: keep the queue in IndexedDB, so changes made offline survive a reload or
 * a closed tab (memory when IndexedDB is missing, as in some private modes).
 */
export function createStorefrontStore(): CartStore {
  const store = createCartStore({
    ...(IndexedDbStorage.available() ? { storage: new IndexedDbStorage('cart-storefront') } : {}),
    namespace: 'storefront',
  });
  return store;
}
