import * as z from 'zod/mini';
import './zod-locale.ts';
import { CURRENCY_EXPONENTS, type CurrencyCode } from '../money/currency.ts';
import { Money } from '../money/money.ts';
import { Cursor, Id, multiLineText, singleLineText } from './common.ts';

/** Largest unit price accepted (minor units): keeps every cart total a safe integer. */
export const MAX_UNIT_PRICE = 10_000_000_000;

export const Sku = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"'),
  );

/** A unit price: Money of at most MAX_UNIT_PRICE minor units. */
export const UnitPrice = Money.check(
  z.refine((m) => m.amount <= MAX_UNIT_PRICE, {
    message: `at most ${MAX_UNIT_PRICE} minor units`,
    path: ['amount'],
  }),
);

const oneCurrencyEach = (prices: readonly Money[]) =>
  new Set(prices.map((p) => p.currency)).size === prices.length;

const productFields = {
  sku: Sku.check(z.describe('Stock-keeping unit, unique in the catalog')),
  name: singleLineText(200).check(z.trim(), z.minLength(1, 'must not be empty')),
  description: multiLineText(5000).check(z.describe('May be empty')),
  price: UnitPrice.check(z.describe("The price in the default region's currency")),
  prices: z
    .array(UnitPrice)
    .check(
      z.maxLength(Object.keys(CURRENCY_EXPONENTS).length),
      z.refine(oneCurrencyEach, { message: 'must give one price per currency' }),
      z.describe(
        'The price in each currency the product is sold in, `price` included; a cart in another currency cannot hold it',
      ),
    ),
  requiresShipping: z
    .boolean()
    .check(z.describe('Whether the product is shipped (a gift card or a download is not)')),
  stock: z
    .nullable(z.int().check(z.minimum(0), z.maximum(1_000_000_000)))
    .check(z.describe('Units on hand, or null for unlimited')),
  maxPerOrder: z
    .nullable(z.int().check(z.minimum(1), z.maximum(1_000_000)))
    .check(z.describe('Most units of this product one cart may hold, or null')),
  // Printable ASCII only: anything else must be percent-encoded, so no control, bidi or
  // invisible character can hide in a URL that pages render.
  imageUrl: z.nullable(
    z
      .url({ protocol: /^https?$/ })
      .check(
        z.maxLength(2048),
        z.regex(/^[\x21-\x7E]+$/, 'must be printable ASCII: percent-encode other characters'),
      ),
  ),
};

/** `prices` must agree with `price` in its currency. */
const pricesAgree = (p: { price: Money; prices: readonly Money[] }) =>
  p.prices.every((m) => m.currency !== p.price.currency || m.amount === p.price.amount);
const pricesAgreeIssue = {
  message: 'the price in the currency of `price` must be `price`',
  path: ['prices'],
};

/** A catalog product. Prices are server-side facts; a client never sets one on a cart. */
export const Product = z.strictObject({ id: Id, ...productFields }).check(
  z.refine(
    (p) => p.prices.some((m) => m.currency === p.price.currency && m.amount === p.price.amount),
    { message: '`prices` must include `price`', path: ['prices'] },
  ),
  z.refine(pricesAgree, pricesAgreeIssue),
);
export type Product = z.infer<typeof Product>;

/**
 * Body of `POST /api/admin/products` and `PUT /api/admin/products/:id`: a product without
 * `id`. `prices` may leave out `price` (it is added), or be left out: sold in the
 * currency of `price` only. `requiresShipping` defaults to true.
 */
export const ProductInput = z
  .strictObject({
    ...productFields,
    prices: z._default(productFields.prices, []),
    requiresShipping: z._default(productFields.requiresShipping, true),
  })
  .check(z.refine(pricesAgree, pricesAgreeIssue));
export type ProductInput = z.infer<typeof ProductInput>;

/** The product's `prices` once `price` is among them: what a stored product holds. */
export function pricesOf(input: Pick<ProductInput, 'price' | 'prices'>): Money[] {
  return [input.price, ...input.prices.filter((m) => m.currency !== input.price.currency)];
}

/** What one unit of the product costs in `currency`, or undefined: not sold in it. */
export function priceIn(
  product: Pick<Product, 'price' | 'prices'>,
  currency: CurrencyCode,
): Money | undefined {
  if (product.price.currency === currency) return product.price;
  return product.prices.find((m) => m.currency === currency);
}

/**
 * A product's units left, as a live-event stream announces it (`event: stock`) to carts
 * holding the product when it changes.
 */
export const StockLevel = z.strictObject({
  productId: Id,
  stock: productFields.stock,
});
export type StockLevel = z.infer<typeof StockLevel>;

export const ProductPage = z.strictObject({
  items: z.array(Product).check(z.maxLength(100)),
  nextCursor: z
    .nullable(Cursor)
    .check(z.describe('Pass as `?cursor=` for the next page; null on the last page')),
});
export type ProductPage = z.infer<typeof ProductPage>;
