/**
 * Money for people. Amounts are integer minor units (docs/money.md) and stay integers:
 * the amount goes to Intl.NumberFormat as an exact decimal string built from its
 * digits, never as `amount / 100`, and no arithmetic happens here at all (totals come
 * from the cart, computed by the core reducer). The number of minor digits is the
 * currency's own, as Intl knows it (2 for USD, 0 for JPY, 3 for KWD).
 */
interface MoneyLike {
  amount: number;
  currency: string;
}

const LOCALE = 'en-US';
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE, { style: 'currency', currency });
    formatters.set(currency, f);
  }
  return f;
}

/** `{amount: 1999, currency: 'USD'}` → "$19.99". */
export function formatMoney(money: MoneyLike): string {
  const f = formatter(money.currency);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(toDecimalString(money.amount, digits));
}

/** A discount as people read it: "−$5.00" (a true minus sign, not a hyphen). */
export function formatDiscount(money: MoneyLike): string {
  return money.amount === 0 ? formatMoney(money) : `\u2212${formatMoney(money)}`;
}

/** `amount / 10^digits` written exactly as a decimal string (1999, 2 → "19.99"). */
export function toDecimalString(amount: number, digits: number): `${number}` {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`not an integer amount: ${amount}`);
  const sign = amount < 0 ? '-' : '';
  const whole = String(Math.abs(amount)).padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${whole}` as `${number}`;
  return `${sign}${whole.slice(0, -digits)}.${whole.slice(-digits)}` as `${number}`;
}

/**
 * Makes the formatter of a currency now. The first Intl number format of a page loads
 * the browser's locale data (tens of milliseconds on a phone); done before the first
 * render, that cost is paid once, up front, instead of in the middle of showing products.
 */
export function prepareMoneyFormat(currency = 'USD'): void {
  formatter(currency);
}
