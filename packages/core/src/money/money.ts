import * as z from 'zod/mini';
import '../schemas/zod-locale.ts';
import { CurrencyCode, currencyExponent } from './currency.ts';

/**
 * An amount of money in integer minor units of its currency: `{amount: 1999, currency:
 * "USD"}` is $19.99. Never a float. Amounts are safe integers; every operation here is
 * checked and throws `MoneyOverflowError` rather than return a rounded or wrapped number.
 */
export const Money = z.strictObject({
  amount: z
    .int()
    .check(
      z.minimum(0),
      z.maximum(Number.MAX_SAFE_INTEGER),
      z.describe('Integer amount in minor units (cents for USD)'),
    ),
  currency: CurrencyCode,
});
export type Money = z.infer<typeof Money>;

/** A result would leave the safe-integer range; the operation is refused, never rounded. */
export class MoneyOverflowError extends RangeError {
  constructor(operation: string) {
    super(`money ${operation} overflows Number.MAX_SAFE_INTEGER`);
    this.name = 'MoneyOverflowError';
  }
}

/** A computation mixed two currencies. */
export class CurrencyMismatchError extends TypeError {
  constructor(a: CurrencyCode, b: CurrencyCode) {
    super(`cannot combine ${a} with ${b}`);
    this.name = 'CurrencyMismatchError';
  }
}

function checked(value: number, operation: string): number {
  if (!Number.isSafeInteger(value)) throw new MoneyOverflowError(operation);
  return value;
}

export function money(amount: number, currency: CurrencyCode): Money {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`money amount must be a non-negative safe integer, got ${amount}`);
  }
  return { amount, currency };
}

export function zero(currency: CurrencyCode): Money {
  return { amount: 0, currency };
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: checked(a.amount + b.amount, 'addition'), currency: a.currency };
}

/** `a − b`; refuses to go below zero (no amount in a cart is negative). */
export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  if (b.amount > a.amount) throw new RangeError('money subtraction would be negative');
  return { amount: a.amount - b.amount, currency: a.currency };
}

/** Unit price × integer quantity, exactly. */
export function multiply(a: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new RangeError(`quantity must be a non-negative safe integer, got ${quantity}`);
  }
  return { amount: checked(a.amount * quantity, 'multiplication'), currency: a.currency };
}

export function sum(items: readonly Money[], currency: CurrencyCode): Money {
  return items.reduce<Money>((acc, m) => add(acc, m), zero(currency));
}

/**
 * `amount × bps / 10000`, rounded half to even ("banker's rounding"). The product is
 * computed in BigInt, so it is exact for every safe amount and every rate. Half-even
 * is the rounding rule of this whole service (docs/money.md): it is unbiased, so many
 * roundings do not drift upward the way half-up does.
 */
export function applyBasisPoints(amount: number, bps: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError('amount must be a non-negative safe integer');
  if (!Number.isSafeInteger(bps) || bps < 0)
    throw new RangeError('basis points must be a non-negative safe integer');
  return checked(Number(divideHalfEven(BigInt(amount) * BigInt(bps), 10_000n)), 'basis points');
}

/** Integer division of non-negative `n / d`, rounded half to even. */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = r * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) return q + 1n;
  return q;
}

/**
 * Formats money for people: `formatMoney({amount: 1999, currency: 'USD'}, 'en-US')` → "$19.99".
 * The amount goes to Intl as an exact decimal string, not as `amount / 100`: a float
 * quotient of a large amount is not exact (9007199254740991 cents would print as
 * $90,071,992,547,409.90).
 */
export function formatMoney(m: Money, locale = 'en-US'): string {
  return moneyFormat(m.currency, locale).format(
    toDecimalString(m.amount, currencyExponent(m.currency)),
  );
}

/** One Intl formatter per currency and locale, made once (a page's first costs tens of ms). */
const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * The formatter `formatMoney` uses for a currency and locale, made now if it is not yet:
 * a page can call it before its first render, so that the locale data loads up front.
 */
export function moneyFormat(currency: Money['currency'], locale = 'en-US'): Intl.NumberFormat {
  const key = `${locale} ${currency}`;
  let format = moneyFormats.get(key);
  if (format === undefined) {
    const exponent = currencyExponent(currency);
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    moneyFormats.set(key, format);
  }
  return format;
}

/** `amount / 10^exponent` written exactly as a decimal string (1999, 2 → "19.99"). */
function toDecimalString(amount: number, exponent: number): number | `${number}` {
  // Not an integer amount (not valid Money): nothing exact to keep, format it as it is.
  if (!Number.isSafeInteger(amount)) return amount / 10 ** exponent;
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  if (exponent === 0) return `${sign}${digits}` as `${number}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}` as `${number}`;
}
