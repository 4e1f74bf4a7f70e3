import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderToString } from 'react-dom/server';
import type { Product } from '@cart/core';
import { createCartStore, type CartActions, type CartStore } from '@cart/client';
import {
  adminAuth,
  buildTestApp,
  productInput,
  type TestApp,
} from '../../server/test/support/test-app.ts';
import { InjectNetwork } from '../../client/test/support/inject-network.ts';
import { CartProvider, useCart, useCartActions, useCartStatus } from '../src/index.ts';

function CartSummary() {
  const cart = useCart();
  const { status, pendingCount, lastError } = useCartStatus();
  if (cart === null) return <p>Loading your cart…</p>;
  return (
    <section>
      <p role="status">{`${status} · ${pendingCount} pending${lastError ? ` · ${lastError.message}` : ''}`}</p>
      <ul>
        {cart.lines.map((l) => (
          <li key={l.key}>{`${l.name} × ${l.quantity}${l.pending ? ' (saving)' : ''}`}</li>
        ))}
      </ul>
      <p>{`Total ${cart.total.amount}`}</p>
    </section>
  );
}

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

  const render = () =>
    renderToString(
      <CartProvider store={store}>
        <CartSummary />
      </CartProvider>,
    );

  it('shows loading, then the cart, the queued change and the confirmed one', async () => {
    expect(render()).toContain('Loading your cart…');
    await store.start();
    expect(render()).toContain('idle · 0 pending');

    const mug = (
      await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: adminAuth,
        payload: productInput({ name: 'Mug', price: { amount: 1400, currency: 'USD' } }),
      })
    ).json<Product>();
    const done = store.addLine(mug, 2);
    const optimistic = render();
    expect(optimistic).toContain('syncing · 1 pending');
    expect(optimistic).toContain('Mug × 2 (saving)');
    expect(optimistic).toContain('Total 2800');

    await done;
    const confirmed = render();
    expect(confirmed).toContain('idle · 0 pending');
    expect(confirmed).toContain('Mug × 2</li>');
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
