import { useEffect, useMemo, useState, type MouseEvent } from 'react';

/**
 * The storefront's pages, routed in the browser with the History API (no router
 * library: five routes do not need one). The server answers each of these paths with
 * the storefront's page (packages/server/src/routes/web.ts, STOREFRONT_PATHS), so a
 * reload or a shared link lands on the same view.
 */
export type Route =
  | { view: 'home' }
  | { view: 'product'; productId: string }
  | { view: 'cart' }
  | { view: 'checkout' }
  | { view: 'order'; orderId: string }
  | { view: 'not-found' };

/** The view for a location path. */
export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeSegment);
  const [first, second] = parts;
  if (parts.length === 0) return { view: 'home' };
  if (parts.length === 1 && first === 'cart') return { view: 'cart' };
  if (parts.length === 1 && first === 'checkout') return { view: 'checkout' };
  if (parts.length === 2 && first === 'products' && second)
    return { view: 'product', productId: second };
  if (parts.length === 2 && first === 'orders' && second) return { view: 'order', orderId: second };
  return { view: 'not-found' };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const paths = {
  home: '/',
  product: (id: string) => `/products/${encodeURIComponent(id)}`,
  cart: '/cart',
  checkout: '/checkout',
  order: (id: string) => `/orders/${encodeURIComponent(id)}`,
};

const listeners = new Set<() => void>();

/** Goes to a storefront path: a history entry (the back button works), then the view. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const listener of [...listeners]) listener();
  window.scrollTo(0, 0);
}

/** The current route, following in-app links and the back and forward buttons. */
export function useRoute(): Route {
  const [pathname, setPathname] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPathname(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return useMemo(() => parseRoute(pathname), [pathname]);
}

/** A click handler for in-app links: plain clicks navigate; modified clicks open tabs. */
export function followLink(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(event.currentTarget.pathname);
}
