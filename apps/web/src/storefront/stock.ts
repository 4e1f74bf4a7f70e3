import { useEffect } from 'react';
import type { CartSnapshot, CartStore, ShownLine } from '@cart/client';
import { DEFAULT_LIMITS, type Product } from '@cart/core';
import { useCartSnapshot } from '@cart/react';
import { useServices } from './services.tsx';

/**
 * What the shop lets a cart hold of its products, as the pages need it: the SDK's stock
 * levels (read with the products, then kept current by the live `stock` events) and
 * each product's `maxPerOrder`, against what the cart holds already. The server decides
 * in the end; this only keeps the pages from offering what it would refuse.
 */

/** Most units of one product the shop sells in one line when nothing else limits it. */
const LINE_LIMIT = DEFAULT_LIMITS.maxQuantityPerLine;

/** What one line may hold. */
export interface LineRoom {
  /** The most units this line may hold now (the line limit, `maxPerOrder`, stock). */
  most: number;
  /** Units left for this line when it holds more than that (0: sold out); else null. */
  short: number | null;
}

type Lines = readonly Pick<ShownLine, 'key' | 'productId' | 'quantity'>[];

/** Units of a product on the other lines of the cart. */
function elsewhere(lines: Lines, productId: string, key: string | null): number {
  return lines
    .filter((l) => l.productId === productId && l.key !== key)
    .reduce((n, l) => n + l.quantity, 0);
}

/**
 * The room for a line (or, with `key` null, for a new one): `stock` is the units left
 * (null: unlimited, undefined: not known yet), less what other lines hold.
 */
export function roomFor(
  lines: Lines,
  productId: string,
  key: string | null,
  quantity: number,
  stock: number | null | undefined,
  maxPerOrder: number | null | undefined,
): LineRoom {
  const others = elsewhere(lines, productId, key);
  const stockLeft = stock === null || stock === undefined ? Infinity : Math.max(0, stock - others);
  const orderLeft =
    maxPerOrder === null || maxPerOrder === undefined
      ? Infinity
      : Math.max(0, maxPerOrder - others);
  return {
    most: Math.min(LINE_LIMIT, stockLeft, orderLeft),
    short: quantity > stockLeft ? stockLeft : null,
  };
}

/** A product's units left as the SDK last heard, else as it was read. */
export function stockOf(
  snapshot: Pick<CartSnapshot, 'stock'>,
  product: Pick<Product, 'id' | 'stock'>,
): number | null {
  const heard = snapshot.stock[product.id];
  return heard === undefined ? product.stock : heard;
}

/** The room of one line of the cart shown. */
export function useLineRoom(line: ShownLine): LineRoom {
  const snapshot = useCartSnapshot();
  const { catalog } = useServices();
  const lines = snapshot.cart?.lines ?? [];
  return roomFor(
    lines,
    line.productId,
    line.key,
    line.quantity,
    snapshot.stock[line.productId],
    catalog.cached(line.productId)?.maxPerOrder,
  );
}

/**
 * The lines of the cart that cannot be bought as they are (more than the stock left),
 * once the products of every line are read: the page reads those it has not (so the
 * levels are known when it loads, not only after a change).
 */
export function useShortLines(): ShownLine[] {
  const snapshot = useCartSnapshot();
  const { catalog } = useServices();
  const lines = snapshot.cart?.lines ?? [];
  const unread = [...new Set(lines.map((l) => l.productId))]
    .filter((id) => catalog.cached(id) === undefined)
    .sort()
    .join(' ');
  useEffect(() => {
    // Read through the catalog: it keeps them, and gives their facts to the SDK.
    for (const id of unread ? unread.split(' ') : []) catalog.product(id).catch(() => undefined);
  }, [catalog, unread]);
  return lines.filter(
    (l) =>
      roomFor(lines, l.productId, l.key, l.quantity, snapshot.stock[l.productId], null).short !==
      null,
  );
}

/**
 * Focuses the first line's fix; answers whether there was one. In the open drawer when
 * there is one: the page behind it (the cart page shows the same fixes) is inert.
 */
export function focusFirstFix(lines: readonly ShownLine[]): boolean {
  const first = lines[0];
  if (!first) return false;
  const scope = document.querySelector('dialog[open]') ?? document;
  const button = scope.querySelector<HTMLElement>(
    `[data-stock-fix="${CSS.escape(first.key)}"] button`,
  );
  button?.focus();
  return button !== null;
}

/** "1 item can't" / "2 items can't": for the notes that explain why checkout waits. */
export function shortNote(lines: readonly ShownLine[]): string {
  const n = lines.length;
  return `${n === 1 ? '1 item' : `${n} items`} in your cart can't be bought as ${n === 1 ? 'it is' : 'they are'}: update or remove the marked ${n === 1 ? 'line' : 'lines'} to check out.`;
}

/**
 * After checkout's OUT_OF_STOCK, which names each line short of stock
 * (`/lines/<lineId>`): reads those lines' products again, so their levels are known and
 * the lines marked, live events or not. Resolves once read (or failed: the refusal shows).
 */
export async function readStockOfNamedLines(
  store: CartStore,
  lines: readonly ShownLine[],
  errors: readonly { path: string }[],
): Promise<void> {
  const named = new Set(errors.map((e) => /^\/lines\/(.+)$/.exec(e.path)?.[1]));
  const ids = new Set(lines.filter((l) => named.has(l.id)).map((l) => l.productId));
  const read = await Promise.allSettled([...ids].map((id) => store.api.getProduct(id)));
  store.rememberProducts(read.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
}
