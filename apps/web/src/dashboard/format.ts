import { CurrencyCode, formatMoney } from '@cart/core';

const integer = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

export const formatCount = (n: number): string => integer.format(n);
export const formatNumber = (n: number): string => decimal.format(n);
/** A ratio 0–1 as a percentage. */
export const formatRate = (ratio: number): string => percent.format(ratio);
export const formatMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '–' : `${decimal.format(ms)} ms`;
export const formatTime = (iso: string): string => dateTime.format(new Date(iso));

/** Minor units of a currency for people ("$19.99"); unknown currencies as "1999 XYZ". */
export function formatAmount(amount: number, currency: string): string {
  const code = CurrencyCode.safeParse(currency);
  return code.success ? formatMoney({ amount, currency: code.data }) : `${amount} ${currency}`;
}

/** A length of time in the largest whole unit it fills: "1 hour", "90 minutes", "45 seconds". */
export function formatDuration(seconds: number): string {
  const units = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ] as const;
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${formatCount(n)} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${formatCount(seconds)} second${seconds === 1 ? '' : 's'}`;
}
