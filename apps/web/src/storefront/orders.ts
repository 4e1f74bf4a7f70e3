import { CheckoutResult } from '@cart/core';

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
    // Read as the schema says, so an order kept by an older page (without a field this
    // page shows) is not shown half-made.
    const order = CheckoutResult.safeParse(JSON.parse(raw));
    return order.success && order.data.orderId === orderId ? order.data : null;
  } catch {
    return null;
  }
}
