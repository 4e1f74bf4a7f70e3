import { useReducer, type ComponentType } from 'react';
import { Problem } from './components/problem.tsx';
import type { Route } from './routes.ts';

/**
 * The views a first visit does not need, each in a chunk of its own: the page a shopper
 * lands on loads only its own view (main.tsx waits for it before the first render), and
 * the others are fetched once the page is idle, so that a later navigation finds them
 * loaded and the service worker has them for offline reloads. The product grid and a
 * product's page are not here: they are where shoppers land (from a search or a shared
 * link), in the entry chunk, so neither waits for a second script.
 *
 * Not React.lazy: a lazy component suspends on its first render even when its module is
 * already loaded, which would show a fallback on the first paint. These render at once
 * once loaded; before, they suspend, and the router's navigations are transitions
 * (shared/router.ts), so the page shown stays until the next one is ready.
 */
type Lazy<P> = { View: ComponentType<P>; preload: () => Promise<void> };

function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): Lazy<P> {
  let Loaded: ComponentType<P> | null = null;
  let loading: Promise<void> | null = null;
  /** The last load failed (offline before the chunk was fetched, say). */
  let failed = false;
  const preload = () =>
    (loading ??= load().then(
      (component) => {
        Loaded = component;
        failed = false;
      },
      (error: unknown) => {
        failed = true;
        loading = null;
        throw error;
      },
    ));
  function View(props: P) {
    const [, retried] = useReducer((n: number) => n + 1, 0);
    if (Loaded) return <Loaded {...props} />;
    if (failed)
      return (
        <Problem
          report={{
            message: 'This page could not be loaded.',
            detail: 'Check your connection and try again. Your cart is kept.',
            errors: [],
            retryable: true,
          }}
          onRetry={() => {
            failed = false;
            retried();
          }}
        />
      );
    // Suspense: React renders again once the chunk is in (or its load failed). A thrown
    // promise is how a component suspends without `use()`, which would suspend again on
    // every first render of a promise it has not seen, loaded or not.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw preload().catch(() => undefined);
  }
  return { View, preload };
}

export const Cart = lazyView(() => import('./views/cart.tsx').then((m) => m.CartView));
export const Checkout = lazyView(() => import('./views/checkout.tsx').then((m) => m.CheckoutView));
export const Order = lazyView(() => import('./views/order.tsx').then((m) => m.OrderView));

const BY_VIEW: Partial<Record<Route['view'], { preload: () => Promise<void> }>> = {
  cart: Cart,
  checkout: Checkout,
  order: Order,
};

/** Loads the chunk of a route's view (nothing for the views in the entry chunk). */
export function preloadView(view: Route['view']): Promise<void> {
  return BY_VIEW[view]?.preload() ?? Promise.resolve();
}

/**
 * Loads every view's chunk once the page has loaded and then gone idle: they are for the
 * navigations to come, so they must not compete with what this page shows for the
 * network or the main thread. A failure waits for the next navigation.
 */
export function preloadViewsWhenIdle(): void {
  const all = () => {
    for (const lazy of Object.values(BY_VIEW)) lazy.preload().catch(() => undefined);
  };
  const whenIdle = () => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(all, { timeout: 5000 });
    else setTimeout(all, 1000);
  };
  const afterLoad = () => setTimeout(whenIdle, 1000);
  if (document.readyState === 'complete') afterLoad();
  else window.addEventListener('load', afterLoad, { once: true });
}
