import {
  ANALYTICS_TOP_PRODUCTS,
  divideHalfEven,
  type Analytics,
  type AnalyticsWindow,
} from '@cart/core';
import type { Storage } from '../storage/port.ts';

/** Length of each selectable window, in seconds. */
export const WINDOW_SECONDS: Record<AnalyticsWindow, number> = {
  '1h': 3600,
  '24h': 24 * 3600,
  '7d': 7 * 24 * 3600,
  '30d': 30 * 24 * 3600,
};

/** `part / whole`, 0 when there is no whole, at most 1 (see below). */
function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.min(1, part / whole);
}

/**
 * Usage analytics for the window ending `now` (docs/operations.md#analytics), from the
 * events committed with each change: the funnel (distinct carts reaching each step),
 * conversion and abandonment rates, orders, revenue, the average order value and the
 * top products. Only ids, counts and amounts: nothing in it identifies a shopper.
 *
 * Every count is of events inside the window, so a cart created before it and checked
 * out inside it counts as checked out but not as created: over a short window, steps
 * can exceed the ones before them, and the rates are capped at 1.
 */
export async function buildAnalytics(
  storage: Storage,
  window: AnalyticsWindow,
  now: Date,
  currency: string,
): Promise<Analytics> {
  const to = now.toISOString();
  const from = new Date(now.getTime() - WINDOW_SECONDS[window] * 1000).toISOString();
  const counts = await storage.analyticsCounts(from, to, ANALYTICS_TOP_PRODUCTS);
  const { funnel } = counts;
  // A product deleted since shows with its id and no name.
  const names = await Promise.all(
    counts.topProducts.map(async (p) => (await storage.getProduct(p.productId))?.name ?? null),
  );
  return {
    window,
    from,
    to,
    currency,
    funnel: (['cart_created', 'line_added', 'checkout_started', 'checked_out'] as const).map(
      (step) => ({ step, carts: funnel[step] }),
    ),
    conversionRate: rate(funnel.checked_out, funnel.cart_created),
    abandonmentRate: rate(counts.abandonedCarts, funnel.line_added),
    orders: counts.orders,
    revenue: counts.revenue,
    averageOrderValue:
      counts.orders === 0
        ? null
        : Number(divideHalfEven(BigInt(counts.revenue), BigInt(counts.orders))),
    abandonedCarts: counts.abandonedCarts,
    topProducts: counts.topProducts.map((p, i) => ({ ...p, name: names[i] ?? null })),
  };
}
