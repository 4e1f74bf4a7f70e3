/**
 * The page half of hydration.test.tsx, bundled for Chromium: hydrates the HTML the
 * server rendered with a store the test controls, and records what React said.
 */
import { hydrateRoot } from 'react-dom/client';
import type { CartSnapshot } from '@cart/client';
import { CartProvider, LOADING_SNAPSHOT, useCartSnapshot } from '../../src/index.ts';
import { CartSummary } from './cart-summary.tsx';
import { MirrorStore } from './mirror-store.ts';

export interface HydrationReport {
  /** Everything passed to console.error (React's hydration warnings go there). */
  consoleErrors: string[];
  /** Errors React recovered from by throwing the server's HTML away and rendering anew. */
  recoverable: string[];
  /** For each render, whether it read the shared loading snapshot. */
  sawLoading: boolean[];
}

const report: HydrationReport = { consoleErrors: [], recoverable: [], sawLoading: [] };
let store: MirrorStore | null = null;

/** Records the snapshot each render reads; renders nothing, so the markup is unchanged. */
function Probe() {
  report.sawLoading.push(useCartSnapshot() === LOADING_SNAPSHOT);
  return null;
}

// The spy the test reads: React reports hydration mismatches through console.error.
/* eslint-disable no-console */
const passOn = console.error.bind(console);
console.error = (...args: unknown[]) => {
  report.consoleErrors.push(args.map(String).join(' '));
  passOn(...args);
};
/* eslint-enable no-console */

export const cartPage = {
  /** Hydrates #root; `snapshot` is what the page's store holds when hydration starts. */
  hydrate(snapshot: CartSnapshot): void {
    const container = document.getElementById('root');
    if (!container) throw new Error('the page has no #root');
    store = new MirrorStore(snapshot);
    hydrateRoot(
      container,
      <CartProvider store={store.asStore()} start={false}>
        <Probe />
        <CartSummary />
      </CartProvider>,
      { onRecoverableError: (error) => report.recoverable.push(String(error)) },
    );
  },
  /** The store changes (the test plays the SDK). */
  set(snapshot: CartSnapshot): void {
    if (!store) throw new Error('hydrate first');
    store.set(snapshot);
  },
  report: (): HydrationReport => report,
};

(globalThis as unknown as { cartPage: typeof cartPage }).cartPage = cartPage;
