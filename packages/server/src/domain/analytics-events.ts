import type { CartState } from '@cart/core';
import type { AnalyticsEvent } from '../storage/port.ts';

/**
 * The usage events a change produced, found by comparing the cart before and after:
 * the same events whichever endpoint (or batch) made the change.
 */
export function analyticsFor(before: CartState, after: CartState, at: string): AnalyticsEvent[] {
  const events: AnalyticsEvent[] = [];
  const cartId = after.id;
  const previous = new Map(before.lines.map((l) => [l.id, l]));
  const current = new Map(after.lines.map((l) => [l.id, l]));
  for (const line of after.lines) {
    const old = previous.get(line.id);
    const amount = (q: number) => line.unitPrice.amount * q;
    if (!old) {
      events.push({
        at,
        type: 'line_added',
        cartId,
        productId: line.productId,
        quantity: line.quantity,
        amount: amount(line.quantity),
        currency: after.currency,
      });
    } else if (old.quantity !== line.quantity) {
      const delta = line.quantity - old.quantity;
      events.push({
        at,
        type: 'quantity_changed',
        cartId,
        productId: line.productId,
        quantity: delta,
        amount: amount(Math.abs(delta)),
        currency: after.currency,
      });
    }
  }
  for (const line of before.lines) {
    if (!current.has(line.id)) {
      events.push({
        at,
        type: 'line_removed',
        cartId,
        productId: line.productId,
        quantity: line.quantity,
        amount: line.unitPrice.amount * line.quantity,
        currency: before.currency,
      });
    }
  }
  const codesBefore = new Set(before.discounts.map((d) => d.code));
  const codesAfter = new Set(after.discounts.map((d) => d.code));
  for (const code of codesAfter)
    if (!codesBefore.has(code)) events.push({ at, type: 'discount_applied', cartId });
  for (const code of codesBefore)
    if (!codesAfter.has(code)) events.push({ at, type: 'discount_removed', cartId });
  return events;
}
