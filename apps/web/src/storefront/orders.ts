import type { CheckoutResult } from '@cart/core';

/**
 * Orders placed from this tab, for the confirmation page: kept in memory and in
 * sessionStorage (so a reload of the confirmation still shows it), never sent anywhere.
 */
const placed = new Map<string, CheckoutResult>();
const KEY = (id: string) => `storefront-order:${id}`;

export function rememberOrder(order: CheckoutResult): void {
  placed.set(order.orderId, order);
  try {
    sessionStorage.setItem(KEY(order.orderId), JSON.stringify(order));
  } catch {
    // Storage full or disabled: the confirmation still shows until the tab reloads.
  }
}

export function findOrder(orderId: string): CheckoutResult | null {
  const known = placed.get(orderId);
  if (known) return known;
  try {
    const raw = sessionStorage.getItem(KEY(orderId));
    if (!raw) return null;
    const order = JSON.parse(raw) as CheckoutResult;
    return order.orderId === orderId ? order : null;
  } catch {
    return null;
  }
}
