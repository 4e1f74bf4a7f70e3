import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderToString } from 'react-dom/server';
import type { Product } from '@cart/core';
import { createCartStore, type CartActions, type CartStore } from '@cart/client';
import {
  adminAuth,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';
import { CartProvider, LOADING_SNAPSHOT, useCartActions, useCartSnapshot } from '../src/index.ts';
import { CartSummary } from './support/cart-summary.tsx';

/** The hooks read the very store the provider was given. */
describe('the React bindings', () => {
  let t: TestApp;
  let store: CartStore;

  beforeEach(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent' } });
    store = createCartStore({
      baseUrl: 'http://shop.test',
      auth: 'bearer',
      fetch: new InjectNetwork(t.app).fetch,
      live: false,
    });
  });
  afterEach(async () => {
    store.dispose();
    await t.close();
  });

  // A server never has the shopper's cart: what it renders, and so what hydration
  // renders, is the loading snapshot, whatever the store holds (hydration.test.tsx
  // hydrates it in a browser and follows the store from there).
  it('renders loading on the server, before the store starts, after, and with a change queued', async () => {
    const seen: unknown[] = [];
    function Grab() {
      seen.push(useCartSnapshot());
      return null;
    }
    const tree = (
      <CartProvider store={store}>
        <Grab />
        <CartSummary />
      </CartProvider>
    );
    expect(renderToString(tree)).toContain('Loading your cart…');
    await store.start();
    expect(store.getSnapshot().status).toBe('idle');
    expect(renderToString(tree)).toContain('Loading your cart…');

    const mug = (
      await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: adminAuth,
        payload: productInput({ name: 'Mug', price: { amount: 1400, currency: 'USD' } }),
      })
    ).json<Product>();
    const done = store.addLine(mug, 2);
    expect(store.getSnapshot().pendingCount).toBe(1);
    expect(renderToString(tree)).toContain('Loading your cart…');
    await done;
    expect(store.getSnapshot().cart?.lines).toHaveLength(1);
    expect(renderToString(tree)).toContain('Loading your cart…');
    expect(seen).toHaveLength(4);
    for (const snapshot of seen) expect(snapshot).toBe(LOADING_SNAPSHOT);
  });

  it('hands out the same action functions on every render', () => {
    const seen: CartActions[] = [];
    function Grab() {
      seen.push(useCartActions());
      return null;
    }
    const tree = (
      <CartProvider store={store} start={false}>
        <Grab />
      </CartProvider>
    );
    renderToString(tree);
    renderToString(tree);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toBe(store.actions);
  });

  it('says what is missing when used outside a provider', () => {
    expect(() => renderToString(<CartSummary />)).toThrow(/CartProvider/);
  });
});
