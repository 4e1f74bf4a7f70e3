import * as z from 'zod/mini';
import './zod-locale.ts';
import { CurrencyCode } from '../money/currency.ts';
import { Money } from '../money/money.ts';
import { Id, singleLineText } from './common.ts';
import { COUNTRY_CODES, CountryCode } from './country.ts';
import { MAX_UNIT_PRICE, UnitPrice } from './product.ts';

const unique = (items: readonly string[]) => new Set(items).size === items.length;

/**
 * Bounds on what a shop configures: one region per country and one without any (the
 * default before a country is chosen), and a few ways to ship within each.
 */
export const REGION_LIMITS = { regions: 250, shippingOptionsPerRegion: 20 } as const;

const regionFields = {
  name: singleLineText(100).check(z.trim(), z.minLength(1, 'must not be empty')),
  currency: CurrencyCode.check(
    z.describe('Every price, discount and shipping cost in the region is in it'),
  ),
  countries: z
    .array(CountryCode)
    .check(
      z.maxLength(COUNTRY_CODES.length),
      z.refine(unique, { message: 'must not list a country twice' }),
      z.describe('The countries the region sells to; a country belongs to at most one region'),
    ),
  taxRateBps: z
    .int()
    .check(z.minimum(0), z.maximum(10_000), z.describe('Tax rate in basis points (2000 = 20%)')),
  taxInclusive: z
    .boolean()
    .check(z.describe('Whether prices include tax (the total then states the tax it contains)')),
  default: z
    .boolean()
    .check(
      z.describe(
        'Exactly one region is the default: where a cart starts, before a country is chosen',
      ),
    ),
};

/**
 * A region: the countries that share a currency, a tax rule and a set of shipping
 * options. A cart is always in exactly one; it starts in the default one.
 */
export const Region = z.strictObject({ id: Id, ...regionFields });
export type Region = z.infer<typeof Region>;

/** Body of `POST /api/admin/regions` and `PUT /api/admin/regions/:id`. */
export const RegionInput = z.strictObject(regionFields);
export type RegionInput = z.infer<typeof RegionInput>;

const shippingOptionFields = {
  regionId: Id.check(z.describe('The region the option ships within')),
  name: singleLineText(100).check(z.trim(), z.minLength(1, 'must not be empty')),
  amount: UnitPrice.check(z.describe("What the option costs, in its region's currency")),
  freeOverSubtotal: z
    .nullable(z.int().check(z.minimum(0), z.maximum(MAX_UNIT_PRICE)))
    .check(
      z.describe(
        'The option is free once subtotal − discountTotal reaches this (minor units), or null: never free',
      ),
    ),
  taxable: z.boolean().check(z.describe('Whether tax is due on the shipping cost')),
};

/** A way to ship within a region, and what it costs. */
export const ShippingOption = z.strictObject({ id: Id, ...shippingOptionFields });
export type ShippingOption = z.infer<typeof ShippingOption>;

/** Body of `POST /api/admin/shipping-options` and `PUT /api/admin/shipping-options/:id`. */
export const ShippingOptionInput = z.strictObject(shippingOptionFields);
export type ShippingOptionInput = z.infer<typeof ShippingOptionInput>;

/**
 * The shipping option a cart has chosen, as the cart holds it: a snapshot of the terms
 * that price it, taken when it was chosen (as a line keeps its unit price), so a client
 * prices the cart exactly as the server does.
 */
export const AppliedShippingOption = z.omit(ShippingOption, { regionId: true });
export type AppliedShippingOption = z.infer<typeof AppliedShippingOption>;

/**
 * Postal code formats of some countries: a code that does not match is refused with an
 * example, next to its field. Countries not listed take any code up to 20 characters.
 */
export const POSTAL_CODE_FORMATS: Partial<
  Record<CountryCode, { pattern: RegExp; example: string }>
> = {
  US: { pattern: /^\d{5}(-\d{4})?$/, example: '94103 or 94103-1234' },
  CA: { pattern: /^[A-Z]\d[A-Z] ?\d[A-Z]\d$/i, example: 'K1A 0B1' },
  GB: { pattern: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i, example: 'SW1A 1AA' },
  DE: { pattern: /^\d{5}$/, example: '10115' },
  FR: { pattern: /^\d{5}$/, example: '75001' },
  ES: { pattern: /^\d{5}$/, example: '28001' },
  IT: { pattern: /^\d{5}$/, example: '00184' },
  NL: { pattern: /^\d{4} ?[A-Z]{2}$/i, example: '1012 AB' },
  BE: { pattern: /^\d{4}$/, example: '1000' },
  AT: { pattern: /^\d{4}$/, example: '1010' },
  IE: { pattern: /^[A-Z\d]{3} ?[A-Z\d]{4}$/i, example: 'D02 X285' },
};

/** Where an order is shipped. Every field is bounded, single-line customer text. */
export const Address = z
  .strictObject({
    name: singleLineText(200).check(z.trim(), z.minLength(1, 'enter the name to ship to')),
    line1: singleLineText(200).check(z.trim(), z.minLength(1, 'enter the street and number')),
    line2: singleLineText(200).check(z.trim(), z.describe('Flat, floor or building; may be empty')),
    city: singleLineText(100).check(z.trim(), z.minLength(1, 'enter the town or city')),
    postalCode: singleLineText(20).check(
      z.trim(),
      z.describe('May be empty where a country has none'),
    ),
    province: singleLineText(100).check(
      z.trim(),
      z.describe('State, county or province; may be empty'),
    ),
    country: CountryCode,
  })
  .check(
    z.superRefine((a, ctx) => {
      const format = POSTAL_CODE_FORMATS[a.country];
      if (format && !format.pattern.test(a.postalCode)) {
        ctx.addIssue({
          code: 'custom',
          path: ['postalCode'],
          message: `enter a postal code such as ${format.example}`,
        });
      }
    }),
  );
export type Address = z.infer<typeof Address>;

/** The public list of regions, `GET /api/regions`. */
export const RegionList = z.strictObject({
  items: z.array(Region).check(z.maxLength(REGION_LIMITS.regions)),
});
export type RegionList = z.infer<typeof RegionList>;

/** A region's options, each with what it would cost this cart: `GET /api/carts/:id/shipping-options`. */
export const CartShippingOptions = z.strictObject({
  items: z
    .array(
      z.extend(ShippingOption, {
        cost: Money.check(
          z.describe('What the option costs this cart as it stands (0 once it is free)'),
        ),
      }),
    )
    .check(z.maxLength(REGION_LIMITS.shippingOptionsPerRegion)),
});

/** Every shipping option of the shop, `GET /api/admin/shipping-options`. */
export const ShippingOptionList = z.strictObject({
  items: z
    .array(ShippingOption)
    .check(z.maxLength(REGION_LIMITS.regions * REGION_LIMITS.shippingOptionsPerRegion)),
});
export type ShippingOptionList = z.infer<typeof ShippingOptionList>;
export type CartShippingOptions = z.infer<typeof CartShippingOptions>;
