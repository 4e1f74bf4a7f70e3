import {
  CURRENCY_EXPONENTS,
  RegionList,
  ShippingOptionList,
  type CurrencyCode,
  type Region,
  type ShippingOption,
} from '@cart/core';
import { getJson } from '../api.ts';
import { percentOf } from '../amounts.ts';

/** The regions and every shipping option: the region views read both at once. */
export interface Shipping {
  regions: readonly Region[];
  options: readonly ShippingOption[];
}

export async function loadShipping(signal: AbortSignal): Promise<Shipping> {
  const [regions, options] = await Promise.all([
    getJson('/api/admin/regions', RegionList, signal),
    getJson('/api/admin/shipping-options', ShippingOptionList, signal),
  ]);
  return { regions: regions.items, options: options.items };
}

const currencyNames = new Intl.DisplayNames('en', { type: 'currency' });

/** The currencies a region can be in, for a select: "EUR — Euro". */
export const CURRENCIES = (Object.keys(CURRENCY_EXPONENTS) as CurrencyCode[]).map((code) => ({
  code,
  label: `${code} — ${currencyNames.of(code) ?? code}`,
}));

/** A region's tax rule in words: "20% included in prices", "8.25% added". */
export const taxRule = (region: Pick<Region, 'taxRateBps' | 'taxInclusive'>): string =>
  region.taxRateBps === 0
    ? 'no tax'
    : `${percentOf(region.taxRateBps)}% ${region.taxInclusive ? 'included in prices' : 'added'}`;

/** What the operator types for countries ("fr, de es") as the codes the server takes. */
export const countriesOf = (text: string): string[] =>
  text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((code) => code.toUpperCase());
