import { multiply, sum } from '../money/money.ts';
import type { AppliedDiscount, CartState } from '../schemas/cart.ts';
import { computeTotals } from '../totals/compute-totals.ts';

/**
 * The device's look at a promo code it knows the terms of (from the cart, or from the
 * server's refusal of it): how far the cart is from the code's minimum, which codes on
 * the cart it could not be combined with, and what the cart would save with it. The
 * same rules as `checkDiscountForCart` and the same pricing as `computeTotals`, so the
 * figures are the server's; but the server stays the judge of every apply (a code may
 * have expired or been used up since), and its refusal wins.
 */
export interface CodeOutlook {
  code: string;
  /** Minor units the subtotal still lacks for the code's minimum: 0 once it is reached. */
  shortfall: number;
  /**
   * The codes on the cart that would have to go for this one to join: all of them for a
   * code that cannot be combined, else the ones that cannot be combined. Empty: it joins.
   */
  replaces: string[];
  /** The cart's discount total now, and with the code applied (`replaces` removed). */
  savingNow: number;
  savingWith: number;
  /** The cart as the server would make it: `replaces` removed, the code applied last. */
  state: CartState;
}

/** A cart's subtotal in minor units: Σ unitPrice × quantity, before any discount. */
export function subtotalOf(state: CartState): number {
  return sum(
    state.lines.map((l) => multiply(l.unitPrice, l.quantity)),
    state.currency,
  ).amount;
}

/** What a subtotal lacks for a code's minimum: `minSubtotal − subtotal`, or 0 when met. */
export function shortfall(terms: Pick<AppliedDiscount, 'minSubtotal'>, subtotal: number): number {
  return terms.minSubtotal === null ? 0 : Math.max(0, terms.minSubtotal - subtotal);
}

/**
 * How a code would do on a cart, or null when it never can there as things stand: it is
 * tied to another currency than the cart's, or the cart would hold more than
 * `maxDiscounts` codes with it. A code already on the cart is looked at as it is.
 */
export function outlook(
  state: CartState,
  terms: AppliedDiscount,
  maxDiscounts: number,
): CodeOutlook | null {
  if (terms.currency !== null && terms.currency !== state.currency) return null;
  const savingNow = computeTotals(state).discountTotal.amount;
  const on = state.discounts.some((d) => d.code === terms.code);
  const replaces = on
    ? []
    : state.discounts.filter((d) => !terms.combinable || !d.combinable).map((d) => d.code);
  const kept = on ? state.discounts : state.discounts.filter((d) => !replaces.includes(d.code));
  if (!on && kept.length >= maxDiscounts) return null;
  const next: CartState = { ...state, discounts: on ? kept : [...kept, terms] };
  return {
    code: terms.code,
    shortfall: shortfall(terms, subtotalOf(state)),
    replaces,
    savingNow,
    savingWith: computeTotals(next).discountTotal.amount,
    state: next,
  };
}

/** What a shopper could do about a code they tried, as the device sees it. */
export type CodeAdvice =
  /** The cart is below the code's minimum: add `amount` (minor units) to use it. */
  | { kind: 'addMore'; code: string; amount: number }
  /** It qualifies and joins the codes on the cart: apply it. */
  | { kind: 'apply'; code: string; gain: number }
  /** It qualifies but cannot be combined with `replaces`, and saves `gain` more than they do. */
  | { kind: 'switch'; code: string; replaces: string[]; gain: number }
  /** It qualifies but the codes it cannot be combined with save as much or more: keep them. */
  | { kind: 'keep'; code: string; replaces: string[] };

/** The advice for a code tried (refused for now), or null when it cannot be used here. */
export function adviceFor(
  state: CartState,
  terms: AppliedDiscount,
  maxDiscounts: number,
): CodeAdvice | null {
  const o = outlook(state, terms, maxDiscounts);
  if (o === null) return null;
  if (o.shortfall > 0) return { kind: 'addMore', code: o.code, amount: o.shortfall };
  const gain = o.savingWith - o.savingNow;
  if (o.replaces.length === 0) return { kind: 'apply', code: o.code, gain };
  return gain > 0
    ? { kind: 'switch', code: o.code, replaces: o.replaces, gain }
    : { kind: 'keep', code: o.code, replaces: o.replaces };
}
