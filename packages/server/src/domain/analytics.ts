import {
  ANALYTICS_LOST_DEMAND,
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
 * top products; checkout attempts against refusals and successes, and lost demand (adds
 * and checkouts refused for stock or a limit, per product). Only ids, counts and amounts:
 * nothing in it identifies a shopper.
 *
 * Every count is of events inside the window, so a cart created before it and checked
 * out inside it counts as checked out but not as created: over a short window, steps
 * can exceed the ones before them, and the rates are capped at 1. "Checkout started"
 * counts the carts that asked to check out, refused or not (a refused checkout writes no
 * event of the cart's, only its refusal).
 */
export async function buildAnalytics(
  storage: Storage,
  window: AnalyticsWindow,
  now: Date,
  settings: { currency: string; abandonAfterSeconds: number },
): Promise<Analytics> {
  const to = now.toISOString();
  const from = new Date(now.getTime() - WINDOW_SECONDS[window] * 1000).toISOString();
  const counts = await storage.analyticsCounts(from, to, ANALYTICS_TOP_PRODUCTS);
  const refusals = await storage.refusalCounts(from, to, ANALYTICS_LOST_DEMAND);
  const funnel = { ...counts.funnel, checkout_started: refusals.checkoutCarts };
  // A product deleted since shows with its id and no name.
  const named = new Map<string, string | null>();
  const ids = new Set([
    ...counts.topProducts.map((p) => p.productId),
    ...refusals.lostDemand.map((p) => p.productId),
  ]);
  await Promise.all(
    [...ids].map(async (id) => named.set(id, (await storage.getProduct(id))?.name ?? null)),
  );
  const name = (id: string) => named.get(id) ?? null;
  return {
    window,
    from,
    to,
    currency: settings.currency,
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
    abandonAfterSeconds: settings.abandonAfterSeconds,
    checkouts: {
      attempts: counts.orders + refusals.checkoutsRefused,
      succeeded: counts.orders,
      refused: refusals.checkoutsRefused,
      refusedByCode: refusals.refusedByCode,
    },
    lostDemand: refusals.lostDemand.map((p) => ({ ...p, name: name(p.productId) })),
    topProducts: counts.topProducts.map((p) => ({ ...p, name: name(p.productId) })),
  };
}
