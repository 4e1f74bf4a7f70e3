import '../zod-csp.ts';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { installErrorReporter } from '../report-errors.ts';
import { Announcer } from './announcer.tsx';
import { App } from './app.tsx';
import { createStorefrontStore } from './cart-store.ts';
import { Catalog } from './catalog.ts';
import { preloadView, preloadViewsWhenIdle } from './lazy-views.tsx';
import { prepareMoneyFormat } from './money.ts';
import { PromoMemory } from './promo-memory.ts';
import { RefusalLog } from './refusals.ts';
import { Regions, prepareCountryNames } from './regions.ts';
import { parseRoute } from './routes.ts';
import { applyPromoCode } from './use-cart-changes.ts';
import './storefront.css';

installErrorReporter();

// This module runs once every module it imports has been evaluated (core's schemas are
// built then: most of the page's start-up work). The page's own start waits for the next
// task, so that the two are two tasks a phone can answer a tap between, not one long one.
await new Promise((resolve) => setTimeout(resolve, 0));

/**
 * How long the first render may wait for what the page shows (the cart, the first page
 * of products) before it shows skeletons instead. One complete first paint beats a
 * skeleton replaced a moment later: nothing moves, and the work is done before the
 * page is shown rather than while the shopper tries to use it.
 */
const FIRST_PAINT_BUDGET_MS = 1000;

// Made once for the page, outside React: the store restores the queued changes from
// IndexedDB and reads the cart while the page fetches its products.
const store = createStorefrontStore();
const refusals = new RefusalLog(store);
const announcer = new Announcer();
const services = {
  store,
  catalog: new Catalog(store),
  refusals,
  // Applies a code the shopper tried once the cart reaches its minimum, on whichever
  // page the cart gets there.
  promos: new PromoMemory(store, (code, saying) => {
    void applyPromoCode({ store, refusals, announcer }, code, saying);
  }),
  announcer,
  regions: new Regions(store),
};

const root = document.getElementById('root');
if (!root) throw new Error('the storefront page has no #root element');

const route = parseRoute(window.location.pathname);
// The regions too: the header's countries, and a cart not made yet priced in the
// default region's currency rather than a guess replaced a moment later. The locale data
// the first render formats with (prices, country names: tens of milliseconds on a phone)
// loads in a task of its own while the answers are on their way, so that neither this
// module's evaluation nor the first render is one long task with it.
const needed: Promise<unknown>[] = [
  store.start(),
  services.regions.load(),
  preloadView(route.view),
  new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
    prepareMoneyFormat();
    prepareCountryNames();
  }),
];
if (route.view === 'home') needed.push(services.catalog.firstPage());
if (route.view === 'product') needed.push(services.catalog.product(route.productId));
await Promise.race([
  Promise.all(needed).catch(() => undefined),
  new Promise((resolve) => setTimeout(resolve, FIRST_PAINT_BUDGET_MS)),
]);
// And the formatter of the cart's own currency, when the shopper chose another country.
const currency = store.getSnapshot().cart?.currency;
if (currency) prepareMoneyFormat(currency);

// As a transition: React renders the page in slices of a few milliseconds, yielding to
// the browser between them, rather than in one long task a slow phone cannot interrupt.
startTransition(() =>
  createRoot(root).render(
    <StrictMode>
      <App services={services} />
    </StrictMode>,
  ),
);

// The other views' chunks, for navigations to come and for the service worker's cache.
preloadViewsWhenIdle();

// The service worker (public/sw.js) lets the page open offline; the queued changes are
// the SDK's (IndexedDB). Registered once the page has loaded, off the critical path (the
// first render may come after the load event: this module awaits what it shows).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  const register = () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
