import type { Discount } from '../schemas/discount.ts';
import type { Product } from '../schemas/product.ts';
import type { CountryCode } from '../schemas/country.ts';
import type { Region, ShippingOption } from '../schemas/region.ts';

/** Limits a cart is held to; every change that would pass one is refused whole. */
export interface CartLimits {
  /** Most lines in one cart (default 100). */
  maxLines: number;
  /** Most units on one line (default 999). */
  maxQuantityPerLine: number;
  /** Most promo codes on one cart (default 5). */
  maxDiscounts: number;
}

export const DEFAULT_LIMITS: CartLimits = {
  maxLines: 100,
  maxQuantityPerLine: 999,
  maxDiscounts: 5,
};

/**
 * Everything the reducer needs from outside, passed in so that it stays pure: the same
 * inputs always give the same cart, on the server and in the browser.
 */
export interface ApplyContext {
  /** The instant of the change (ISO-8601), for discount validity windows. */
  now: string;
  /** Makes an id for a new line. */
  newId: () => string;
  /** Catalog lookup by product id. */
  product: (id: string) => Product | undefined;
  /** Discount lookup by canonical (upper-case) code. */
  discount: (code: string) => Discount | undefined;
  limits: CartLimits;
  /** Region lookup by id: the cart's region gives its currency and its tax rule. */
  region: (id: string) => Region | undefined;
  /** The region that sells to a country, or undefined: the shop does not. */
  regionFor: (country: CountryCode) => Region | undefined;
  /** Shipping option lookup by id. */
  shippingOption: (id: string) => ShippingOption | undefined;
}
