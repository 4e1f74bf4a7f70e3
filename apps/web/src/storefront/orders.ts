import { CheckoutResult } from '@cart/core';

/**
 * Orders placed in this browser, for the confirmation page: kept in memory and in
 * localStorage, so the confirmation still shows after a reload and in another tab of the
 * same browser (a link opened in a new tab, the page restored the next day). Never sent
 * anywhere, and only on this device: another browser or device has no way to read an
 * order (the shop has no accounts; the cart's secret stays in this browser's cookie).
 * Only the last few are kept: a shared computer should not list every order ever placed.
 */
export const ORDERS_KEPT = 5;
const KEY = 'storefront-orders';

const placed = new Map<string, CheckoutResult>();

/** The orders kept, newest first; the ones this page cannot read (older shapes) left out. */
function readKept(): CheckoutResult[] {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return [];
    const list: unknown = JSON.parse(raw);
    if (!Array.isArray(list)) return [];
    // Read as the schema says, so an order kept by an older page (without a field this
    // page shows) is not shown half-made.
    return list.flatMap((item: unknown) => {
      const order = CheckoutResult.safeParse(item);
      return order.success ? [order.data] : [];
    });
  } catch {
    return [];
  }
}

export function rememberOrder(order: CheckoutResult): void {
  placed.set(order.orderId, order);
  try {
    const kept = readKept().filter((o) => o.orderId !== order.orderId);
    localStorage.setItem(KEY, JSON.stringify([order, ...kept].slice(0, ORDERS_KEPT)));
  } catch {
    // Storage full or disabled: the confirmation still shows until the tab reloads.
  }
}

export function findOrder(orderId: string): CheckoutResult | null {
  return placed.get(orderId) ?? readKept().find((o) => o.orderId === orderId) ?? null;
}

/** An order number as the shopper reads and quotes it: "#1042". */
export function formatOrderNumber(orderNumber: number): string {
  return `#${orderNumber}`;
}
