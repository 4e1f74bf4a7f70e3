import { allocate } from '../money/allocate.ts';
import {
  add,
  applyBasisPoints,
  multiply,
  subtract,
  sum,
  zero,
  type Money,
} from '../money/money.ts';
import type { AppliedDiscount, Cart, CartDiscount, CartState } from '../schemas/cart.ts';

/**
 * Prices a cart. The order of the steps is the rounding rule of the service
 * (docs/money.md), and each step is exact integer arithmetic:
 *
 * 1. Line subtotals: unitPrice × quantity, exact.
 * 2. Subtotal: Σ line subtotals, exact.
 * 3. Discounts, in the order they were applied, each measured against the subtotal
 *    (percent codes do not compound): percent = subtotal × bps / 10000 rounded half to
 *    even; fixed = its value. A code whose minimum subtotal the cart no longer reaches
 *    takes nothing off (`applicable: false`); the minimum is compared with the subtotal
 *    before any discount, so applying a code can never switch itself off. The running
 *    sum is capped at the subtotal: a total can never go negative, whatever codes stack.
 * 4. The discount total is spread over the lines in proportion to their subtotals by
 *    largest remainder, so Σ line.total = subtotal − discountTotal to the cent.
 * 5. Tax: TAX_RATE_BPS of (subtotal − discountTotal), rounded half to even once for
 *    the whole cart. Discounts come before tax because tax is due on what the customer
 *    pays; rounding once per cart (not per line or per unit) keeps the tax within half a
 *    minor unit of the exact figure, where per-line rounding drifts by a cent per line.
 * 6. total = subtotal − discountTotal + taxTotal.
 *
 * The answer carries `taxRateBps`, so a client pricing a change before the server has
 * answered uses the very rate the server does.
 *
 * Throws MoneyOverflowError when an amount would leave the safe-integer range; `apply`
 * turns that into the AMOUNT_TOO_LARGE refusal before any such cart is accepted.
 */
export function computeTotals(state: CartState, taxRateBps: number): Cart {
  const currency = state.currency;
  const a = priceAmounts(state, taxRateBps);
  const discounts: CartDiscount[] = state.discounts.map((d, i) => ({
    ...d,
    ...(a.discounts[i] as Pick<CartDiscount, 'amount' | 'applicable'>),
  }));
  const shares = allocate(
    a.discountTotal.amount,
    a.lineSubtotals.map((m) => m.amount),
  );
  const lines = state.lines.map((l, i) => {
    const lineSubtotal = a.lineSubtotals[i] as Money;
    const lineDiscount: Money = { amount: shares[i] ?? 0, currency };
    return {
      ...l,
      subtotal: lineSubtotal,
      discountTotal: lineDiscount,
      total: subtract(lineSubtotal, lineDiscount),
    };
  });
  const itemCount = state.lines.reduce((n, l) => n + l.quantity, 0);

  return {
    ...state,
    lines,
    discounts,
    itemCount,
    subtotal: a.subtotal,
    discountTotal: a.discountTotal,
    taxTotal: a.taxTotal,
    total: a.total,
    taxRateBps,
  };
}

/** The cart's amounts, steps 1–3, 5 and 6 of `computeTotals`: no line is built or allocated. */
interface Amounts {
  lineSubtotals: Money[];
  subtotal: Money;
  discounts: Pick<CartDiscount, 'amount' | 'applicable'>[];
  discountTotal: Money;
  taxTotal: Money;
  total: Money;
}

function priceAmounts(state: CartState, taxRateBps: number): Amounts {
  const currency = state.currency;
  const lineSubtotals = state.lines.map((l) => multiply(l.unitPrice, l.quantity));
  const subtotal = sum(lineSubtotals, currency);

  let taken = zero(currency);
  const discounts = state.discounts.map((d) => {
    const applicable = isApplicable(d, subtotal);
    const wanted = applicable ? discountAmount(d, subtotal) : 0;
    const room = subtract(subtotal, taken).amount;
    const amount: Money = { amount: Math.min(wanted, room), currency };
    taken = add(taken, amount);
    return { amount, applicable };
  });
  const discounted = subtract(subtotal, taken);
  const taxTotal: Money = { amount: applyBasisPoints(discounted.amount, taxRateBps), currency };
  return {
    lineSubtotals,
    subtotal,
    discounts,
    discountTotal: taken,
    taxTotal,
    total: add(discounted, taxTotal),
  };
}

/**
 * Throws MoneyOverflowError when pricing `state` would leave the safe-integer range, as
 * `computeTotals` would: the same arithmetic, without building the priced lines. The
 * reducer's check after every action, so a batch does not price the whole cart each time.
 */
export function checkAmounts(state: CartState, taxRateBps: number): void {
  priceAmounts(state, taxRateBps);
}

/** Whether a code's minimum subtotal is met (compared before any discount). */
export function isApplicable(d: Pick<AppliedDiscount, 'minSubtotal'>, subtotal: Money): boolean {
  return d.minSubtotal === null || subtotal.amount >= d.minSubtotal;
}

function discountAmount(d: AppliedDiscount, subtotal: Money): number {
  switch (d.kind) {
    case 'percent':
      return applyBasisPoints(subtotal.amount, d.value);
    case 'fixed':
      return d.value;
    default: {
      const never: never = d.kind;
      throw new TypeError(`unknown discount kind ${String(never)}`);
    }
  }
}
