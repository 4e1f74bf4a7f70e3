import { currencyExponent, type CurrencyCode } from '@cart/core';

/**
 * What an operator types for money and rates, and back: decimals in the currency's own
 * digits ("4.90" euros, "500" yen) for integer minor units, and percentages ("8.25") for
 * basis points. Read as text, never through a float, so "0.29" is 29 cents exactly.
 */

export type Reading = { ok: true; value: number } | { ok: false; message: string };

const DECIMAL = /^(\d+)(?:\.(\d*))?$/;

/** Integer minor units as a decimal in the currency's digits (490 EUR → "4.90"). */
export function decimalOf(amount: number, currency: CurrencyCode): string {
  return shifted(amount, currencyExponent(currency));
}

/** A typed amount in minor units of `currency` ("4.9" EUR → 490). */
export function minorUnitsOf(text: string, currency: CurrencyCode): Reading {
  const exponent = currencyExponent(currency);
  const example = exponent === 0 ? '500' : `4.${'9'.padEnd(exponent, '0')}`;
  return unshifted(
    text,
    exponent,
    exponent === 0
      ? `enter a whole number of ${currency}, such as ${example}`
      : `enter an amount in ${currency} with at most ${exponent} decimals, such as ${example}`,
  );
}

/** Basis points as a percentage (825 → "8.25"). */
export function percentOf(bps: number): string {
  return shifted(bps, 2).replace(/\.?0+$/, '') || '0';
}

/** A typed percentage in basis points ("8.25" → 825). */
export function basisPointsOf(text: string): Reading {
  const read = unshifted(text, 2, 'enter a percentage with at most 2 decimals, such as 8.25');
  if (read.ok && read.value > 10_000) return { ok: false, message: 'enter at most 100%' };
  return read;
}

/** `value` with `places` of its digits after a decimal point. */
function shifted(value: number, places: number): string {
  if (places === 0) return String(value);
  const digits = String(Math.abs(value)).padStart(places + 1, '0');
  const sign = value < 0 ? '-' : '';
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** The integer `text` is when its decimal point moves `places` to the right. */
function unshifted(text: string, places: number, message: string): Reading {
  const match = DECIMAL.exec(text.trim());
  const whole = match?.[1];
  const fraction = match?.[2] ?? '';
  if (whole === undefined || fraction.length > places) return { ok: false, message };
  const value = Number(`${whole}${fraction.padEnd(places, '0')}`);
  if (!Number.isSafeInteger(value)) return { ok: false, message: 'enter a smaller number' };
  return { ok: true, value };
}
