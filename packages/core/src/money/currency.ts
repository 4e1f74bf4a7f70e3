import * as z from 'zod/mini';
import '../schemas/zod-locale.ts';

/**
 * ISO 4217 currencies this service prices in, with their minor-unit exponent
 * (USD 2 → amounts in cents; JPY 0 → whole yen; KWD 3 → fils). The exponent only
 * matters for display and for parsing decimal input: all arithmetic is on integers.
 */
export const CURRENCY_EXPONENTS = {
  AUD: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  MXN: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PLN: 2,
  SEK: 2,
  SGD: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  USD: 2,
  VND: 0,
  ZAR: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

export const CurrencyCode = z
  .enum(
    Object.keys(CURRENCY_EXPONENTS) as [
      keyof typeof CURRENCY_EXPONENTS,
      ...(keyof typeof CURRENCY_EXPONENTS)[],
    ],
  )
  .check(z.describe('ISO 4217 currency code'));
export type CurrencyCode = z.infer<typeof CurrencyCode>;

/** Number of minor-unit digits of a currency (2 for USD, 0 for JPY, 3 for KWD). */
export function currencyExponent(currency: CurrencyCode): 0 | 2 | 3 {
  return CURRENCY_EXPONENTS[currency];
}
