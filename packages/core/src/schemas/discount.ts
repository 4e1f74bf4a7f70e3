import * as z from 'zod/mini';
import './zod-locale.ts';
import { CurrencyCode } from '../money/currency.ts';
import { InstantInput, Timestamp } from './common.ts';

/**
 * A promo code: letters, digits, "_" and "-"; matched case-insensitively (stored upper-case).
 * Upper-cased with `overwrite`, not `transform`: the type stays a plain string, so every
 * schema holding a code (Cart, CartAction…) still converts to JSON Schema for OpenAPI.
 */
export const DiscountCode = z.string().check(
  z.trim(),
  z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"'),
  z.overwrite((s) => s.toUpperCase()),
);
export type DiscountCode = z.infer<typeof DiscountCode>;

export const DiscountKind = z.enum(['percent', 'fixed']);
export type DiscountKind = z.infer<typeof DiscountKind>;

const discountShape = {
  code: DiscountCode,
  kind: DiscountKind,
  value: z
    .int()
    .check(
      z.minimum(1),
      z.maximum(Number.MAX_SAFE_INTEGER),
      z.describe('percent: basis points 1–10000 (1000 = 10%); fixed: minor units of `currency`'),
    ),
  minSubtotal: z
    .nullable(z.int().check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)))
    .check(z.describe('Smallest subtotal (minor units) the code applies to, or null')),
  usageLimit: z
    .nullable(z.int().check(z.minimum(1), z.maximum(1_000_000_000)))
    .check(z.describe('Checkouts that may use the code, or null for unlimited')),
  combinable: z
    .boolean()
    .check(z.describe('Whether the code may be combined with other codes on one cart')),
  currency: z
    .nullable(CurrencyCode)
    .check(
      z.describe(
        'The currency of a fixed value and of the minimum subtotal: the code applies only to carts in it. Null: a percent code with no minimum, for carts in any currency',
      ),
    ),
};

/** A fixed value or a minimum subtotal is an amount, so it needs a currency. */
const currencyWhereNeeded = (d: {
  kind: DiscountKind;
  minSubtotal: number | null;
  currency?: CurrencyCode | null | undefined;
}) => d.currency !== null || (d.kind === 'percent' && d.minSubtotal === null);
const currencyIssue = {
  message: 'a fixed value or a minimum subtotal needs a currency',
  path: ['currency'],
};

const percentInRange = (d: { kind: DiscountKind; value: number }) =>
  d.kind !== 'percent' || d.value <= 10_000;
const windowOrdered = (d: { startsAt: string | null; endsAt: string | null }) =>
  d.startsAt === null || d.endsAt === null || Date.parse(d.startsAt) < Date.parse(d.endsAt);

/** A discount code as the admin API and the storage hold it. */
export const Discount = z
  .strictObject({
    ...discountShape,
    startsAt: z.nullable(Timestamp).check(z.describe('Valid from (inclusive), or null: no bound')),
    endsAt: z.nullable(Timestamp).check(z.describe('Valid until (exclusive), or null: no bound')),
    timesUsed: z.int().check(z.minimum(0), z.describe('Checkouts that used the code so far')),
  })
  .check(
    z.refine(percentInRange, {
      message: 'a percent value is basis points, at most 10000',
      path: ['value'],
    }),
    z.refine(windowOrdered, { message: 'endsAt must be after startsAt', path: ['endsAt'] }),
    z.refine(currencyWhereNeeded, currencyIssue),
  );
export type Discount = z.infer<typeof Discount>;

/**
 * Body of `POST /api/admin/discounts`. `currency` left out is the default region's when
 * the code needs one (a fixed value or a minimum subtotal), else null.
 */
export const DiscountInput = z
  .strictObject({
    ...discountShape,
    currency: z.optional(discountShape.currency),
    startsAt: z._default(z.nullable(InstantInput), null),
    endsAt: z._default(z.nullable(InstantInput), null),
    minSubtotal: z._default(discountShape.minSubtotal, null),
    usageLimit: z._default(discountShape.usageLimit, null),
    combinable: z._default(discountShape.combinable, true),
  })
  .check(
    z.refine(percentInRange, {
      message: 'a percent value is basis points, at most 10000',
      path: ['value'],
    }),
    z.refine(windowOrdered, { message: 'endsAt must be after startsAt', path: ['endsAt'] }),
    z.refine(currencyWhereNeeded, currencyIssue),
  );
export type DiscountInput = z.infer<typeof DiscountInput>;
