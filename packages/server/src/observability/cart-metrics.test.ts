import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { problemBody } from '../http/problem.ts';
import type { AnalyticsEvent } from '../storage/port.ts';
import { CartMetrics, problemCodeOf, type Answer } from './cart-metrics.ts';

async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const base = name.replace(/_(count|sum)$/, '');
  const metric = await registry.getSingleMetric(base)?.get();
  return (
    metric?.values.find(
      (v) =>
        ((v as { metricName?: string }).metricName ?? base) === name &&
        Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l) &&
        Object.keys(v.labels).length === Object.keys(labels).length,
    )?.value ?? 0
  );
}

const at = '2026-01-01T00:00:00.000Z';
const answer = (overrides: Partial<Answer>): Answer => ({
  method: 'POST',
  route: '/api/carts/:id/lines',
  problemCode: null,
  replayed: false,
  ratePolicy: null,
  appliesDiscount: false,
  ...overrides,
});

describe('problemCodeOf', () => {
  it('reads the code of a problem document as the server serializes it', () => {
    const body = problemBody('VERSION_CONFLICT', 'The "code":"X" is stale', 'r-1', '/api/x');
    const withCart = { ...body, cart: { discounts: [{ code: 'SAVE10' }] } };
    expect(problemCodeOf(JSON.stringify(withCart))).toBe('VERSION_CONFLICT');
    expect(problemCodeOf(Buffer.from(JSON.stringify(body)))).toBe('VERSION_CONFLICT');
  });

  it('answers null for anything that is not a catalog code', () => {
    expect(problemCodeOf('{"code":"NOT_IN_THE_CATALOG"}')).toBeNull();
    expect(problemCodeOf('{"status":500}')).toBeNull();
    expect(problemCodeOf(null)).toBeNull();
    expect(problemCodeOf({ code: 'INTERNAL' })).toBeNull();
  });
});

describe('CartMetrics', () => {
  it('counts committed events: abandoned and expired carts, checkout values by currency', async () => {
    const registry = new Registry();
    const metrics = new CartMetrics(registry);
    const events: AnalyticsEvent[] = [
      { at, type: 'cart_abandoned', cartId: 'a' },
      { at, type: 'cart_abandoned', cartId: 'b' },
      { at, type: 'cart_expired', cartId: 'c', amount: 100, currency: 'USD' },
      { at, type: 'checkout_started', cartId: 'd' },
      { at, type: 'checked_out', cartId: 'd', amount: 4200, currency: 'USD' },
      { at, type: 'quantity_changed', cartId: 'd', productId: 'p', quantity: 2 },
      { at, type: 'cart_merged', cartId: 'e' },
    ];
    metrics.committed(events);
    expect(await value(registry, 'cart_carts_abandoned_total')).toBe(2);
    expect(await value(registry, 'cart_carts_expired_total')).toBe(1);
    expect(await value(registry, 'cart_checkouts_total')).toBe(1);
    expect(await value(registry, 'cart_lines_added_total')).toBe(0);
    expect(await value(registry, 'cart_checkout_value_minor_units_sum', { currency: 'USD' })).toBe(
      4200,
    );
  });

  it('counts a replayed refusal as a problem and a replay, not as a new conflict or refusal', async () => {
    const registry = new Registry();
    const metrics = new CartMetrics(registry);
    const conflict = answer({
      method: 'PATCH',
      route: '/api/carts/:id',
      problemCode: 'VERSION_CONFLICT',
    });
    metrics.answered(conflict);
    metrics.answered({ ...conflict, replayed: true });
    const refusal = answer({ route: '/api/carts/:id/discounts', problemCode: 'DISCOUNT_INVALID' });
    metrics.answered(refusal);
    metrics.answered({ ...refusal, replayed: true });
    expect(await value(registry, 'cart_version_conflicts_total')).toBe(1);
    expect(
      await value(registry, 'cart_discounts_refused_total', { code: 'DISCOUNT_INVALID' }),
    ).toBe(1);
    expect(await value(registry, 'cart_idempotent_replays_total')).toBe(2);
    expect(await value(registry, 'cart_http_problems_total', { code: 'VERSION_CONFLICT' })).toBe(2);
  });

  it('counts a promo-code refusal only for an attempt to apply one', async () => {
    const registry = new Registry();
    const metrics = new CartMetrics(registry);
    // Removing a code that is not on the cart, or a code gone stale at checkout: not attempts.
    metrics.answered(
      answer({
        method: 'DELETE',
        route: '/api/carts/:id/discounts/:code',
        problemCode: 'DISCOUNT_INVALID',
      }),
    );
    metrics.answered(answer({ route: '/api/carts/:id/checkout', problemCode: 'DISCOUNT_INVALID' }));
    metrics.answered(answer({ route: '/api/carts/:id/actions', problemCode: 'DISCOUNT_INVALID' }));
    expect(
      await value(registry, 'cart_discounts_refused_total', { code: 'DISCOUNT_INVALID' }),
    ).toBe(0);
    // A batch that applies a code, and the apply endpoint.
    metrics.answered(
      answer({
        route: '/api/carts/:id/actions',
        problemCode: 'DISCOUNT_INVALID',
        appliesDiscount: true,
      }),
    );
    metrics.answered(
      answer({ route: '/api/carts/:id/discounts', problemCode: 'DISCOUNT_INVALID' }),
    );
    // Refused for another reason than the code: counted where that reason is.
    metrics.answered(
      answer({
        route: '/api/carts/:id/discounts',
        problemCode: 'RATE_LIMITED',
        ratePolicy: 'discount-cart',
      }),
    );
    expect(
      await value(registry, 'cart_discounts_refused_total', { code: 'DISCOUNT_INVALID' }),
    ).toBe(2);
    expect(
      await value(registry, 'cart_rate_limit_rejections_total', { policy: 'discount-cart' }),
    ).toBe(1);
    expect(await value(registry, 'cart_http_problems_total', { code: 'DISCOUNT_INVALID' })).toBe(5);
  });
});
