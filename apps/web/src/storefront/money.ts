/**
 * Money for people, in the storefront: core's `formatMoney` (one home for the rule:
 * integer minor units written as an exact decimal, the currency's own digits; no
 * arithmetic here, the totals come from the cart), plus how a discount reads.
 */
import { formatMoney, moneyFormat, type Money } from '@cart/core';

export { formatMoney };

/** A discount as people read it: "−$5.00" (a true minus sign, not a hyphen). */
export function formatDiscount(money: Money): string {
  return money.amount === 0 ? formatMoney(money) : `\u2212${formatMoney(money)}`;
}

/**
 * Makes the formatter of a currency now. The first Intl number format of a page loads
 * the browser's locale data (tens of milliseconds on a phone); done before the first
 * render, that cost is paid once, up front, instead of in the middle of showing products.
 */
export function prepareMoneyFormat(currency: Money['currency'] = 'USD'): void {
  moneyFormat(currency);
}
