import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, Product } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '../../server/test/support/test-app.ts';
import { MemoryStorage, createCartStore, type CartStore } from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';
import { InjectNetwork } from './support/inject-network.ts';
import { until } from './support/until.ts';

type Step =
  | { kind: 'add'; product: number; quantity: number }
  | { kind: 'lose'; answers: number }
  | { kind: 'down' }
  | { kind: 'up' }
  | { kind: 'tick' }
  | { kind: 'reload' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      product: fc.integer({ min: 0, max: 2 }),
      quantity: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('lose' as const),
      answers: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'down' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'up' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reload' as const }) },
);

const turn = () => new Promise((r) => setTimeout(r, 0));

/**
 * The claim of README "Exactly once", checked against the real application: whatever
 * the network loses (answers after the commit, whole requests) and however often the
 * page reloads mid-flight, once the network is back every queued add has been applied
 * exactly once.
 */
describe('exactly once, under any faults', () => {
  let t: TestApp;
  let products: Product[];

  beforeAll(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent' } });
    products = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: adminAuth,
        payload: productInput(),
      });
      products.push(res.json<Product>());
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('applies every add once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const net = new InjectNetwork(t.app);
        const clock = new FakeClock();
        const storage = new MemoryStorage();
        const open = async () => {
          const s = createCartStore({
            baseUrl: 'http://shop.test',
            auth: 'bearer',
            fetch: net.fetch,
            runtime: clock,
            live: false,
            storage,
          });
          await s.start();
          return s;
        };
        let store: CartStore = await open();
        await store.createCart();
        const expected = [0, 0, 0];
        try {
          for (const s of steps) {
            switch (s.kind) {
              case 'add':
                expected[s.product] = (expected[s.product] ?? 0) + s.quantity;
                void store.addLine(products[s.product] as Product, s.quantity);
                break;
              case 'lose':
                net.loseAnswers(/\/actions$/, s.answers);
                break;
              case 'down':
                net.isDown = true;
                break;
              case 'up':
                net.isDown = false;
                break;
              case 'tick':
                clock.tick(60_000);
                break;
              case 'reload':
                store.dispose();
                store = await open();
                break;
            }
            await turn();
          }
          net.isDown = false;
          net.loseAnswers(/$^/, 0);
          store.retry();
          await until(store, (snap) => snap.pendingCount === 0 && snap.status === 'idle');
          const res = await t.app.inject({
            url: `/api/carts/${store.getSnapshot().cartId}`,
            headers: bearer(store.api.token as string),
          });
          const cart = res.json<Cart>();
          const got = products.map(
            (p) => cart.lines.find((l) => l.productId === p.id)?.quantity ?? 0,
          );
          expect(got).toEqual(expected);
          expect(store.getSnapshot().cart?.lines.map((l) => l.quantity)).toEqual(
            cart.lines.map((l) => l.quantity),
          );
        } finally {
          store.dispose();
        }
      }),
      { numRuns: 25 },
    );
  });
});
