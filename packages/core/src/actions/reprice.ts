import type { Money } from '../money/money.ts';
import type { AppliedDiscount, CartState, LineState } from '../schemas/cart.ts';
import type { Discount } from '../schemas/discount.ts';
import type { Product } from '../schemas/product.ts';

/** A line whose unit price is no longer the catalog's. */
export interface LinePriceChange {
  lineId: string;
  productId: string;
  from: Money;
  to: Money;
}

/** The terms of an applied code that price it (what a cart holds of a discount). */
export type DiscountTerms = Omit<AppliedDiscount, 'code'>;

/** An applied code whose terms are no longer the current ones. */
export interface DiscountTermsChange {
  code: string;
  from: DiscountTerms;
  to: DiscountTerms;
}

/** A cart brought to today's catalog, and what that changed (empty when nothing). */
export interface Repricing {
  state: CartState;
  lines: LinePriceChange[];
  discounts: DiscountTermsChange[];
}

/** The catalog as it is now: the same lookups the reducer's context has. */
export interface RepriceCatalog {
  product: (id: string) => Product | undefined;
  discount: (code: string) => Discount | undefined;
}

/**
 * Brings a cart's snapshots up to the current catalog. A line keeps the unit price it
 * was added at and an applied code the terms it was applied with (so that a catalog
 * edit never changes a cart silently); before an order is placed they are compared
 * with today's:
 *
 * - A line whose product now costs another amount takes today's price, and with it
 *   today's name and sku (as adding more of it would). A change of name or sku alone
 *   changes nothing: it does not change what the shopper pays.
 * - An applied code whose kind, value, minimum subtotal or combinability changed
 *   takes today's terms.
 * - A product that has left the catalog, or is now priced in another currency than the
 *   cart, and a code that no longer exists, are left as they are: they cannot be
 *   re-priced, and the caller refuses them on their own terms (PRODUCT_NOT_FOUND,
 *   DISCOUNT_INVALID).
 *
 * Pure, and touches neither `version` nor `updatedAt`. When nothing changed, the very
 * same `state` comes back, so re-pricing against an unchanged catalog is the identity.
 */
export function reprice(state: CartState, catalog: RepriceCatalog): Repricing {
  const lineChanges: LinePriceChange[] = [];
  const lines = state.lines.map((line): LineState => {
    const product = catalog.product(line.productId);
    if (!product || product.price.currency !== state.currency) return line;
    if (product.price.amount === line.unitPrice.amount) return line;
    lineChanges.push({
      lineId: line.id,
      productId: line.productId,
      from: line.unitPrice,
      to: product.price,
    });
    return { ...line, sku: product.sku, name: product.name, unitPrice: product.price };
  });

  const discountChanges: DiscountTermsChange[] = [];
  const discounts = state.discounts.map((applied): AppliedDiscount => {
    const live = catalog.discount(applied.code);
    if (!live) return applied;
    const now = termsOf(live);
    const before = termsOf(applied);
    if (sameTerms(before, now)) return applied;
    discountChanges.push({ code: applied.code, from: before, to: now });
    return { code: applied.code, ...now };
  });

  if (lineChanges.length === 0 && discountChanges.length === 0) {
    return { state, lines: [], discounts: [] };
  }
  return { state: { ...state, lines, discounts }, lines: lineChanges, discounts: discountChanges };
}

function termsOf(d: DiscountTerms): DiscountTerms {
  return { kind: d.kind, value: d.value, minSubtotal: d.minSubtotal, combinable: d.combinable };
}

function sameTerms(a: DiscountTerms, b: DiscountTerms): boolean {
  return (
    a.kind === b.kind &&
    a.value === b.value &&
    a.minSubtotal === b.minSubtotal &&
    a.combinable === b.combinable
  );
}
