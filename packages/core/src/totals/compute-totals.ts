import { allocate } from '../money/allocate.ts';
import {
  add,
  applyBasisPoints,
  divideHalfEven,
  multiply,
  subtract,
  sum,
  zero,
  type Money,
} from '../money/money.ts';
import type { AppliedDiscount, Cart, CartDiscount, CartState } from '../schemas/cart.ts';
import type { AppliedShippingOption } from '../schemas/region.ts';

/** How a region taxes, and a cart as of its last move: the rate, and whether prices include it. */
export type TaxRule = Pick<CartState, 'taxRateBps' | 'taxInclusive'>;

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
 * 5. Shipping: the chosen option's amount, or 0 when no option is chosen, when no line
 *    needs shipping, or when subtotal − discountTotal reaches the option's
 *    `freeOverSubtotal`.
 * 6. Tax, rounded half to even once for the whole cart, of the taxable amount:
 *    subtotal − discountTotal, plus shipping when the option is taxable. Tax-exclusive:
 *    taxable × rate / 10000, added to the total. Tax-inclusive (prices contain the tax):
 *    taxable × rate / (10000 + rate), the tax the total already contains. Discounts come
 *    before tax because tax is due on what the customer pays; rounding once per cart
 *    keeps the tax within half a minor unit of the exact figure.
 * 7. total = subtotal − discountTotal + shippingTotal (+ taxTotal when tax-exclusive).
 *
 * The tax rule is the cart's own (`taxRateBps`, `taxInclusive`: its region's as of its
 * last move), so a client pricing a change before the server has answered uses the very
 * rule the server does.
 *
 * Throws MoneyOverflowError when an amount would leave the safe-integer range, and
 * CurrencyMismatchError when the lines, or the shipping option, are not all in the
 * cart's currency; `apply` turns the first into the AMOUNT_TOO_LARGE refusal before any
 * such cart is accepted, and never makes the second.
 */
export function computeTotals(state: CartState): Cart {
  const currency = state.currency;
  const a = priceAmounts(state);
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
    shippingTotal: a.shippingTotal,
    taxTotal: a.taxTotal,
    total: a.total,
    shippingOptionId: state.shippingOption?.id ?? null,
  };
}

/** The cart's amounts, steps 1–3 and 5–7 of `computeTotals`: no line is built or allocated. */
interface Amounts {
  lineSubtotals: Money[];
  subtotal: Money;
  discounts: Pick<CartDiscount, 'amount' | 'applicable'>[];
  discountTotal: Money;
  shippingTotal: Money;
  taxTotal: Money;
  total: Money;
}

function priceAmounts(state: CartState): Amounts {
  const tax: TaxRule = state;
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
  const option = state.lines.some((l) => l.requiresShipping) ? state.shippingOption : null;
  const shippingTotal = option ? shippingCost(option, discounted) : zero(currency);
  const taxable = option?.taxable ? add(discounted, shippingTotal) : discounted;
  const taxTotal: Money = {
    amount: tax.taxInclusive
      ? taxContained(taxable.amount, tax.taxRateBps)
      : applyBasisPoints(taxable.amount, tax.taxRateBps),
    currency,
  };
  const beforeTax = add(discounted, shippingTotal);
  return {
    lineSubtotals,
    subtotal,
    discounts,
    discountTotal: taken,
    shippingTotal,
    taxTotal,
    total: tax.taxInclusive ? beforeTax : add(beforeTax, taxTotal),
  };
}

/**
 * What a shipping option costs a cart whose subtotal after discounts is `discounted`:
 * its amount, or nothing once `discounted` reaches its `freeOverSubtotal`. Throws
 * CurrencyMismatchError when the two are in different currencies.
 */
export function shippingCost(
  option: Pick<AppliedShippingOption, 'amount' | 'freeOverSubtotal'>,
  discounted: Money,
): Money {
  const free = option.freeOverSubtotal !== null && discounted.amount >= option.freeOverSubtotal;
  // add() checks the currencies: an option priced in another currency is refused here.
  return add(zero(discounted.currency), free ? zero(option.amount.currency) : option.amount);
}

/**
 * The tax a tax-inclusive amount contains: `amount × bps / (10000 + bps)`, rounded half to
 * even, exact in BigInt (an amount of 1200 at 2000 bps contains 200).
 */
export function taxContained(amount: number, bps: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError('amount must be a non-negative safe integer');
  if (!Number.isSafeInteger(bps) || bps < 0)
    throw new RangeError('basis points must be a non-negative safe integer');
  return Number(divideHalfEven(BigInt(amount) * BigInt(bps), 10_000n + BigInt(bps)));
}

/**
 * Throws MoneyOverflowError when pricing `state` would leave the safe-integer range, as
 * `computeTotals` would: the same arithmetic, without building the priced lines. The
 * reducer's check after every action, so a batch does not price the whole cart each time.
 */
export function checkAmounts(state: CartState): void {
  priceAmounts(state);
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
