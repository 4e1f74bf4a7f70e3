import { formatMoney } from '../money/money.ts';
import type { AppliedDiscount, CartState } from '../schemas/cart.ts';
import type { Discount } from '../schemas/discount.ts';
import { fail, ok, type Result } from '../errors/problem.ts';

/** Whether a code may be used at `now`: inside its window and under its usage limit. */
export function checkDiscountUsable(discount: Discount, now: string): Result<Discount> {
  const t = Date.parse(now);
  if (discount.startsAt !== null && t < Date.parse(discount.startsAt)) {
    return fail('DISCOUNT_INVALID', `The code ${discount.code} is not valid yet.`, '/code');
  }
  if (discount.endsAt !== null && t >= Date.parse(discount.endsAt)) {
    return fail('DISCOUNT_INVALID', `The code ${discount.code} has expired.`, '/code');
  }
  if (discount.usageLimit !== null && discount.timesUsed >= discount.usageLimit) {
    return fail('DISCOUNT_INVALID', `The code ${discount.code} has been used up.`, '/code');
  }
  return ok(discount);
}

/**
 * Whether a code can join a cart: usable now, in the cart's currency (a code tied to one),
 * not below its minimum subtotal, and
 * combinable with what is already applied. A code that is not combinable stands alone:
 * it cannot join other codes, and no code can join it.
 */
export function checkDiscountForCart(
  state: CartState,
  discount: Discount,
  subtotalAmount: number,
  now: string,
  maxDiscounts: number,
): Result<AppliedDiscount> {
  const usable = checkDiscountUsable(discount, now);
  if (!usable.ok) return usable;
  if (discount.currency !== null && discount.currency !== state.currency) {
    return fail(
      'DISCOUNT_INVALID',
      `The code ${discount.code} is for carts in ${discount.currency}, not ${state.currency}.`,
      '/code',
    );
  }
  // Refused for now (the cart may grow to its minimum; the other codes may go): the
  // refusal carries the code's terms, so the device can say how much more is needed or
  // which code saves more. Only for the code the shopper named, found by the server.
  const terms = termsOf(discount);
  const forNow = (message: string) => withTerms(fail('DISCOUNT_INVALID', message, '/code'), terms);
  if (discount.minSubtotal !== null && subtotalAmount < discount.minSubtotal) {
    const min = formatMoney({ amount: discount.minSubtotal, currency: state.currency });
    return forNow(`The code ${discount.code} needs a subtotal of at least ${min}.`);
  }
  if (state.discounts.length > 0) {
    const blocker = state.discounts.find((d) => !d.combinable);
    if (blocker) return forNow(`The code ${blocker.code} cannot be combined with other codes.`);
    if (!discount.combinable)
      return forNow(`The code ${discount.code} cannot be combined with other codes.`);
  }
  if (state.discounts.length >= maxDiscounts) {
    return fail('DISCOUNT_INVALID', `A cart can hold at most ${maxDiscounts} codes.`, '/code');
  }
  return ok(terms);
}

/** A code's public terms: what a cart holding it copies (and what prices it). */
export function termsOf(discount: Discount): AppliedDiscount {
  return {
    code: discount.code,
    kind: discount.kind,
    value: discount.value,
    minSubtotal: discount.minSubtotal,
    combinable: discount.combinable,
    currency: discount.currency,
  };
}

function withTerms(result: Result<never>, discount: AppliedDiscount): Result<never> {
  return result.ok ? result : { ok: false, error: { ...result.error, discount } };
}
