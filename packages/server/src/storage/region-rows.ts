/**
 * The rows of regions and shipping options, and their mapping to the port's types and
 * back, for both adapters (as rows.ts does for carts and the catalog).
 */
import type {
  CountryCode,
  CurrencyCode,
  Region,
  RegionInput,
  ShippingOption,
  ShippingOptionInput,
} from '@cart/core';
import { fromBoolean, fromJson } from './rows.ts';

export interface RegionRow {
  id: string;
  name: string;
  currency: string;
  /** JSON text in SQLite, JSONB in PostgreSQL. */
  countries: string | CountryCode[];
  tax_rate_bps: number;
  /** BOOLEAN in PostgreSQL, 0/1 in SQLite (as is_default). */
  tax_inclusive: boolean | number;
  is_default: boolean | number;
  created_at: string;
  updated_at: string;
}

export function toRegion(r: RegionRow): Region {
  return {
    id: r.id,
    name: r.name,
    currency: r.currency as CurrencyCode,
    countries: fromJson<CountryCode[]>(r.countries),
    taxRateBps: r.tax_rate_bps,
    taxInclusive: fromBoolean(r.tax_inclusive),
    default: fromBoolean(r.is_default),
  };
}

/**
 * A region's columns as its creation, its update and the seed write them (timestamps
 * aside): `countries` as JSON text (see ProductColumns), booleans that SQLite binds as 0/1.
 */
export interface RegionColumns {
  id: string;
  name: string;
  currency: string;
  countries: string;
  tax_rate_bps: number;
  tax_inclusive: boolean;
  is_default: boolean;
}

export function toRegionColumns(id: string, r: RegionInput): RegionColumns {
  return {
    id,
    name: r.name,
    currency: r.currency,
    countries: JSON.stringify(r.countries),
    tax_rate_bps: r.taxRateBps,
    tax_inclusive: r.taxInclusive,
    is_default: r.default,
  };
}

export interface ShippingOptionRow {
  id: string;
  region_id: string;
  name: string;
  amount: number;
  currency: string;
  free_over_subtotal: number | null;
  /** BOOLEAN in PostgreSQL, 0/1 in SQLite. */
  taxable: boolean | number;
  created_at: string;
  updated_at: string;
}

export function toShippingOption(r: ShippingOptionRow): ShippingOption {
  return {
    id: r.id,
    regionId: r.region_id,
    name: r.name,
    amount: { amount: r.amount, currency: r.currency as CurrencyCode },
    freeOverSubtotal: r.free_over_subtotal,
    taxable: fromBoolean(r.taxable),
  };
}

/** An option's columns as written (timestamps aside); `taxable` as SQLite binds it, 0/1, apart. */
export type ShippingOptionColumns = Omit<
  ShippingOptionRow,
  'created_at' | 'updated_at' | 'taxable'
> & {
  taxable: boolean;
};

export function toShippingOptionColumns(id: string, o: ShippingOptionInput): ShippingOptionColumns {
  return {
    id,
    region_id: o.regionId,
    name: o.name,
    amount: o.amount.amount,
    currency: o.amount.currency,
    free_over_subtotal: o.freeOverSubtotal,
    taxable: o.taxable,
  };
}
