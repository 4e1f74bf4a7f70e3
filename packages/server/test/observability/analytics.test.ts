/**
 * Usage analytics end to end, on the real app: scripted traffic through the HTTP API
 * (carts created, lines added, changed and removed, checkouts), the idle sweep run on a
 * clock the test moves forward (ABANDON_AFTER_SECONDS=1), and `GET /api/admin/analytics`
 * answering the exact funnel, rates, orders, revenue, average order value (rounded half
 * to even) and top products — without a shopper's email, token or cart id in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analytics, type Cart, type CreatedCart, type Product } from '@cart/core';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import {
  TEST_ADMIN_TOKEN,
  addLine,
  adminAuth,
  bearer,
  createCart,
  createProduct,
  expectProblem,
  JSON_TYPE,
} from '@cart/test-support/test-app.ts';

const EMAIL = 'analytics.shopper@example.com';

describe('usage analytics', () => {
  let dir: string;
  let app: FastifyInstance;
  /** How far the app's sweep and analytics clock runs ahead of the real one. */
  let aheadMs = 0;
  let carts: Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f', CreatedCart>;
  let products: Record<'p1' | 'p2' | 'p3' | 'p4', Product>;

  const analytics = async (query = '?window=24h'): Promise<Analytics> => {
    const res = await app.inject({ url: `/api/admin/analytics${query}`, headers: adminAuth });
    expect(res.statusCode, res.body).toBe(200);
    return Analytics.parse(res.json());
  };

  const checkout = async (cart: CreatedCart): Promise<Cart> => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/checkout`,
      headers: bearer(cart.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ cart: Cart }>().cart;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-analytics-'));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      RATE_LIMITS: 'off',
      ABANDON_AFTER_SECONDS: '1',
    });
    app = await buildApp(config, { now: () => new Date(Date.now() + aheadMs) });
    await app.ready();

    products = {
      p1: await createProduct(app, { name: 'Mug', price: { amount: 1001, currency: 'USD' } }),
      p2: await createProduct(app, { name: 'Tea', price: { amount: 2500, currency: 'USD' } }),
      p3: await createProduct(app, { name: 'Spoon', price: { amount: 333, currency: 'USD' } }),
      p4: await createProduct(app, { name: 'Gone', price: { amount: 700, currency: 'USD' } }),
    };
    const { p1, p2, p3, p4 } = products;
    carts = {
      a: await createCart(app),
      b: await createCart(app),
      c: await createCart(app),
      d: await createCart(app),
      e: await createCart(app),
      f: await createCart(app),
    };
    const { a, b, c, d, f } = carts;

    // A: 2 × p1 + 1 × p2, with an email, checked out: 2 × 1001 + 2500 = 4502.
    await addLine(app, a, p1.id, 2);
    await addLine(app, a, p2.id, 1);
    const withEmail = await app.inject({
      method: 'PATCH',
      url: `/api/carts/${a.id}`,
      headers: { ...bearer(a.token), ...JSON_TYPE },
      payload: { email: EMAIL },
    });
    expect(withEmail.statusCode, withEmail.body).toBe(200);
    expect((await checkout(a)).total.amount).toBe(4502);

    // B: 1 × p1 raised to 3 (+2), checked out: 3003.
    const bCart = await addLine(app, b, p1.id, 1);
    const raised = await app.inject({
      method: 'PATCH',
      url: `/api/carts/${b.id}/lines/${bCart.lines[0]?.id ?? ''}`,
      headers: { ...bearer(b.token), ...JSON_TYPE },
      payload: { quantity: 3 },
    });
    expect(raised.statusCode, raised.body).toBe(200);
    expect((await checkout(b)).total.amount).toBe(3003);

    // C: 1 × p3, left idle. D: 2 × p2, then removed (empty: never abandoned).
    // E: created only. F: 1 × p4, left idle; p4 is deleted from the catalog afterwards.
    await addLine(app, c, p3.id, 1);
    const dCart = await addLine(app, d, p2.id, 2);
    const removed = await app.inject({
      method: 'DELETE',
      url: `/api/carts/${d.id}/lines/${dCart.lines[0]?.id ?? ''}`,
      headers: bearer(d.token),
    });
    expect(removed.statusCode, removed.body).toBe(200);
    await addLine(app, f, p4.id, 1);
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/api/admin/products/${p4.id}`,
      headers: adminAuth,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts no abandoned cart before the idle time has passed', async () => {
    await app.sweep();
    const before = await analytics();
    expect(before.abandonedCarts).toBe(0);
    expect(before.abandonmentRate).toBe(0);
  });

  it('marks idle carts with items abandoned once, with their totals', async () => {
    aheadMs = 5000;
    await app.sweep();
    await app.sweep(); // a second sweep finds nothing new
    const db = new Database(join(dir, 'cart.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          "SELECT cart_id, amount, currency FROM analytics_events WHERE type = 'cart_abandoned' ORDER BY amount",
        )
        .all();
      expect(rows).toEqual([
        { cart_id: carts.c.id, amount: 333, currency: 'USD' },
        { cart_id: carts.f.id, amount: 700, currency: 'USD' },
      ]);
    } finally {
      db.close();
    }
    // Told to the observers like a committed change: the business counter moved too.
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/^cart_carts_abandoned_total 2$/m);
  });

  it('answers the exact funnel, rates, orders, revenue, average order value and top products', async () => {
    const result = await analytics();
    const { p1, p2, p3, p4 } = products;
    const tied = [p3, p4].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(result).toEqual({
      window: '24h',
      from: result.from,
      to: result.to,
      currency: 'USD',
      funnel: [
        { step: 'cart_created', carts: 6 },
        { step: 'line_added', carts: 5 },
        { step: 'checkout_started', carts: 2 },
        { step: 'checked_out', carts: 2 },
      ],
      conversionRate: 2 / 6,
      abandonmentRate: 2 / 5,
      orders: 2,
      revenue: 4502 + 3003,
      // 7505 / 2 = 3752.5: half to even is 3752 (half up would say 3753).
      averageOrderValue: 3752,
      abandonedCarts: 2,
      abandonAfterSeconds: 1,
      // Nothing refused here (refusals and lost demand: src/domain/refusals.test.ts).
      checkouts: { attempts: 2, succeeded: 2, refused: 0, refusedByCode: [] },
      lostDemand: [],
      topProducts: [
        // p1: 2 (A) + 1 (B) + 2 (B's increase) in 2 carts; p2: 1 (A) + 2 (D, later removed).
        { productId: p1.id, name: 'Mug', quantityAdded: 5, carts: 2 },
        { productId: p2.id, name: 'Tea', quantityAdded: 3, carts: 2 },
        // One unit each: by id. p4 was deleted, so it has no name any more.
        ...tied.map((p) => ({
          productId: p.id,
          name: p.id === p4.id ? null : 'Spoon',
          quantityAdded: 1,
          carts: 1,
        })),
      ],
    });
    // The window ends at the app's clock and is as long as asked.
    expect(Date.parse(result.to) - Date.parse(result.from)).toBe(24 * 3600 * 1000);
    expect(Date.parse(result.to)).toBeGreaterThanOrEqual(Date.now() + 4000);
  });

  it('holds no personal data: no email, token or cart id', async () => {
    const text = JSON.stringify(await analytics('?window=30d'));
    expect(text).not.toContain(EMAIL);
    for (const cart of Object.values(carts)) {
      expect(text).not.toContain(cart.id);
      expect(text).not.toContain(cart.token);
    }
  });

  it('counts only the window asked for', async () => {
    aheadMs = 2 * 3600 * 1000;
    const hour = await analytics('?window=1h');
    expect(hour.funnel.map((s) => s.carts)).toEqual([0, 0, 0, 0]);
    expect(hour).toMatchObject({
      window: '1h',
      conversionRate: 0,
      abandonmentRate: 0,
      orders: 0,
      revenue: 0,
      averageOrderValue: null,
      abandonedCarts: 0,
      topProducts: [],
    });
    // The default window is 24 hours.
    const day = await analytics('');
    expect(day.window).toBe('24h');
    expect(day.orders).toBe(2);
  });

  it('refuses a bad window or an unknown parameter with 400', async () => {
    for (const query of ['?window=2d', '?window=', '?window=24H', '?window=24h&from=0', '?top=3'])
      expectProblem(
        await app.inject({ url: `/api/admin/analytics${query}`, headers: adminAuth }),
        400,
        'VALIDATION_FAILED',
      );
  });

  it('requires the admin credential', async () => {
    expectProblem(await app.inject({ url: '/api/admin/analytics' }), 401, 'UNAUTHORIZED');
  });
});
