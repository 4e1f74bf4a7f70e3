import { Suspense, memo, useEffect, useRef, useState } from 'react';
import { CartProvider, useCartStatus } from '@cart/react';
import { useFocusAfterNavigation } from '../shared/router.ts';
import { LiveRegions } from './announcer.tsx';
import { CartDrawer } from './components/cart-drawer.tsx';
import { Header } from './components/header.tsx';
import { isCartNotice } from './components/cart-notice.tsx';
import { backWords, OFFLINE_WORDS } from './connection.ts';
import { KeepCountry } from './keep-country.tsx';
import { spoken } from './components/problem.tsx';
import { StatusBar } from './components/status-bar.tsx';
import { Cart, Checkout, Order } from './lazy-views.tsx';
import { useRoute, type Route } from './routes.ts';
import { ServicesProvider, useServices, type Services } from './services.tsx';
import { Home } from './views/home.tsx';
import { ProductView } from './views/product.tsx';
import { NotFound } from './views/not-found.tsx';

const SHOP = 'Brew & Leaf';

const TITLES: Record<Route['view'], string> = {
  home: `${SHOP} · coffee and tea, brewed at home`,
  product: `Product · ${SHOP}`,
  cart: `Your cart · ${SHOP}`,
  checkout: `Checkout · ${SHOP}`,
  order: `Order placed · ${SHOP}`,
  'not-found': `Not found · ${SHOP}`,
};

/** The storefront: banner, the current view, the cart drawer, the status bar, live regions. */
export function App({ services }: { services: Services }) {
  return (
    <ServicesProvider services={services}>
      <CartProvider store={services.store}>
        <Shell />
      </CartProvider>
    </ServicesProvider>
  );
}

function Shell() {
  const route = useRoute();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const { announcer } = useServices();
  usePageFocus(route);

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header route={route} onOpenCart={() => setDrawerOpen(true)} />
      <main id="main" className="main" tabIndex={-1}>
        {/* Shown only when a view's chunk is still on its way (see lazy-views.tsx). */}
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <View route={route} />
        </Suspense>
      </main>
      <footer className="site-footer">
        <p>
          {SHOP} is a demo shop: no payment is taken and nothing is shipped. Your cart is kept on
          this device and in the shop for 30 days.
        </p>
        <LiveRegions announcer={announcer} />
      </footer>
      <StatusBar />
      <CartDrawer open={drawerOpen} onClose={() => setDrawerOpen(false)} />
      <Announcements />
      <KeepCountry />
    </>
  );
}

/** The view for a route: re-rendered on navigation, not on every change to the cart. */
const View = memo(function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'home':
      return <Home />;
    case 'product':
      return <ProductView key={route.productId} productId={route.productId} />;
    case 'cart':
      return <Cart.View />;
    case 'checkout':
      return <Checkout.View />;
    case 'order':
      return <Order.View orderId={route.orderId} />;
    case 'not-found':
      return <NotFound />;
  }
});

/** Where focus goes after an in-app navigation: the new page's heading, else its main region. */
const FOCUS_TARGETS = ['page-title', 'main'];

/** The title names the page; after an in-app navigation, focus goes to its heading. */
function usePageFocus(route: Route): void {
  useEffect(() => {
    document.title = TITLES[route.view];
  }, [route.view]);
  useFocusAfterNavigation(route, FOCUS_TARGETS);
}

/**
 * Says what screen-reader users cannot see happen: refusals (in the alert region,
 * whichever tab or change they come from), notices such as a new cart for an expired
 * one (in the status region), going offline (the device, or the shop not answering)
 * and coming back. A component of its own, so that only it re-renders when the sync
 * status changes.
 */
function Announcements(): null {
  const { store, announcer } = useServices();
  const { status, offlineReason, pendingCount, lastError } = useCartStatus();
  const previous = useRef({ status, offlineReason });

  useEffect(
    () =>
      store.onRefusal((report) => {
        if (!isCartNotice(report)) announcer.alert(spoken(report));
      }),
    [store, announcer],
  );

  // A notice is news, not an alarm: said politely, once, when it arrives.
  const notice = lastError && isCartNotice(lastError) ? lastError : null;
  useEffect(() => {
    if (notice) announcer.say(notice.message);
  }, [notice, announcer]);

  // Going offline, and why (the device, or the shop not answering); coming back.
  useEffect(() => {
    const before = previous.current;
    previous.current = { status, offlineReason };
    if (status === 'offline' && offlineReason !== null) {
      if (before.status !== 'offline' || before.offlineReason !== offlineReason)
        announcer.say(OFFLINE_WORDS[offlineReason].announce);
    } else if (before.status === 'offline' && (status === 'idle' || status === 'syncing')) {
      announcer.say(backWords(before.offlineReason, pendingCount));
    }
  }, [status, offlineReason, pendingCount, announcer]);
  return null;
}
