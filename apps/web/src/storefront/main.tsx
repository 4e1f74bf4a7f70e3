import '../zod-csp.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installErrorReporter } from '../report-errors.ts';
import { Announcer } from './announcer.tsx';
import { App } from './app.tsx';
import { createStorefrontStore } from './cart-store.ts';
import { Catalog } from './catalog.ts';
import { prepareMoneyFormat } from './money.ts';
import { RefusalLog } from './refusals.ts';
import './storefront.css';

installErrorReporter();

// Made once for the page, outside React: the store starts restoring the queued changes
// from IndexedDB while React renders the first frame.
const store = createStorefrontStore();
const services = {
  store,
  catalog: new Catalog(store),
  refusals: new RefusalLog(store),
  announcer: new Announcer(),
};

prepareMoneyFormat();

const root = document.getElementById('root');
if (!root) throw new Error('the storefront page has no #root element');
createRoot(root).render(
  <StrictMode>
    <App services={services} />
  </StrictMode>,
);

// The service worker (public/sw.js) lets the page open offline; the queued changes are
// the SDK's (IndexedDB). Registered once the page has loaded, off the critical path.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  });
}
