import type { Money } from '../money/money.ts';
import type { AppliedDiscount, CartState, LineState } from '../schemas/cart.ts';
import type { Discount } from '../schemas/discount.ts';
import { priceIn, type Product } from '../schemas/product.ts';
import type { AppliedShippingOption, Region, ShippingOption } from '../schemas/region.ts';
import type { TaxRule } from '../totals/compute-totals.ts';

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

/** The terms of a chosen shipping option that price it. */
export type ShippingTerms = Pick<AppliedShippingOption, 'amount' | 'freeOverSubtotal' | 'taxable'>;

/** The chosen shipping option, when its terms are no longer the current ones. */
export interface ShippingTermsChange {
  shippingOptionId: string;
  from: ShippingTerms;
  to: ShippingTerms;
}

/** The cart's region taxes otherwise than when the cart last moved. */
export interface TaxRuleChange {
  from: TaxRule;
  to: TaxRule;
}

/** A cart brought to today's catalog, and what that changed (empty when nothing). */
export interface Repricing {
  state: CartState;
  lines: LinePriceChange[];
  discounts: DiscountTermsChange[];
  shipping: ShippingTermsChange | null;
  tax: TaxRuleChange | null;
}

/** The catalog as it is now: the same lookups the reducer's context has. */
export interface RepriceCatalog {
  product: (id: string) => Product | undefined;
  discount: (code: string) => Discount | undefined;
  shippingOption: (id: string) => ShippingOption | undefined;
  region: (id: string) => Region | undefined;
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
 * - An applied code whose kind, value, minimum subtotal, combinability or currency
 *   changed takes today's terms.
 * - The chosen shipping option whose amount, free-over threshold or taxability changed
 *   takes today's terms, and the cart the tax rule its region has today.
 * - A product that has left the catalog or is no longer sold in the cart's currency, a
 *   code that no longer exists, and an option gone from the cart's region, are left as
 *   they are: they cannot be re-priced, and the caller refuses them on their own terms
 *   (PRODUCT_NOT_FOUND, PRODUCT_NOT_AVAILABLE, DISCOUNT_INVALID,
 *   SHIPPING_OPTION_UNAVAILABLE).
 *
 * Pure, and touches neither `version` nor `updatedAt`. When nothing changed, the very
 * same `state` comes back, so re-pricing against an unchanged catalog is the identity.
 */
export function reprice(state: CartState, catalog: RepriceCatalog): Repricing {
  const lineChanges: LinePriceChange[] = [];
  const lines = state.lines.map((line): LineState => {
    const product = catalog.product(line.productId);
    const price = product && priceIn(product, state.currency);
    if (!product || !price || price.amount === line.unitPrice.amount) return line;
    lineChanges.push({
      lineId: line.id,
      productId: line.productId,
      from: line.unitPrice,
      to: price,
    });
    return { ...line, sku: product.sku, name: product.name, unitPrice: price };
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

  const shipping = repriceShipping(state, catalog);
  const tax = repriceTax(state, catalog);

  if (
    lineChanges.length === 0 &&
    discountChanges.length === 0 &&
    shipping === null &&
    tax === null
  ) {
    return { state, lines: [], discounts: [], shipping: null, tax: null };
  }
  return {
    state: {
      ...state,
      ...(tax?.to ?? {}),
      lines,
      discounts,
      shippingOption:
        shipping && state.shippingOption
          ? { ...state.shippingOption, ...shipping.to }
          : state.shippingOption,
    },
    lines: lineChanges,
    discounts: discountChanges,
    shipping,
    tax,
  };
}

function repriceTax(state: CartState, catalog: RepriceCatalog): TaxRuleChange | null {
  const region = catalog.region(state.regionId);
  if (!region) return null;
  const from: TaxRule = { taxRateBps: state.taxRateBps, taxInclusive: state.taxInclusive };
  const to: TaxRule = { taxRateBps: region.taxRateBps, taxInclusive: region.taxInclusive };
  return from.taxRateBps === to.taxRateBps && from.taxInclusive === to.taxInclusive
    ? null
    : { from, to };
}

function repriceShipping(state: CartState, catalog: RepriceCatalog): ShippingTermsChange | null {
  const chosen = state.shippingOption;
  const live = chosen && catalog.shippingOption(chosen.id);
  if (!chosen || !live || live.regionId !== state.regionId) return null;
  const from: ShippingTerms = {
    amount: chosen.amount,
    freeOverSubtotal: chosen.freeOverSubtotal,
    taxable: chosen.taxable,
  };
  const to: ShippingTerms = {
    amount: live.amount,
    freeOverSubtotal: live.freeOverSubtotal,
    taxable: live.taxable,
  };
  const same =
    from.amount.amount === to.amount.amount &&
    from.amount.currency === to.amount.currency &&
    from.freeOverSubtotal === to.freeOverSubtotal &&
    from.taxable === to.taxable;
  return same ? null : { shippingOptionId: chosen.id, from, to };
}

function termsOf(d: DiscountTerms): DiscountTerms {
  return {
    kind: d.kind,
    value: d.value,
    minSubtotal: d.minSubtotal,
    combinable: d.combinable,
    currency: d.currency,
  };
}

function sameTerms(a: DiscountTerms, b: DiscountTerms): boolean {
  return (
    a.kind === b.kind &&
    a.value === b.value &&
    a.minSubtotal === b.minSubtotal &&
    a.combinable === b.combinable &&
    a.currency === b.currency
  );
}
