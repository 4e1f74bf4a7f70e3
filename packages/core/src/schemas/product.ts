import * as z from 'zod';
import { Money } from '../money/money.ts';
import { Cursor, Id, multiLineText, singleLineText } from './common.ts';

/** Largest unit price accepted (minor units): keeps every cart total a safe integer. */
export const MAX_UNIT_PRICE = 10_000_000_000;

export const Sku = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"');

const productFields = {
  sku: Sku.describe('Stock-keeping unit, unique in the catalog'),
  name: singleLineText(200).trim().min(1, 'must not be empty'),
  description: multiLineText(5000).describe('May be empty'),
  price: Money.refine((m) => m.amount <= MAX_UNIT_PRICE, {
    message: `at most ${MAX_UNIT_PRICE} minor units`,
    path: ['amount'],
  }),
  stock: z
    .int()
    .min(0)
    .max(1_000_000_000)
    .nullable()
    .describe('Units on hand, or null for unlimited'),
  maxPerOrder: z
    .int()
    .min(1)
    .max(1_000_000)
    .nullable()
    .describe('Most units of this product one cart may hold, or null'),
  // Printable ASCII only: anything else must be percent-encoded, so no control, bidi or
  // invisible character can hide in a URL that pages render.
  imageUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII: percent-encode other characters')
    .nullable(),
};

/** A catalog product. Prices are server-side facts; a client never sets one on a cart. */
export const Product = z.strictObject({ id: Id, ...productFields });
export type Product = z.infer<typeof Product>;

/** Body of `POST /api/admin/products` and `PUT /api/admin/products/:id`: a product without `id`. */
export const ProductInput = z.strictObject(productFields);
export type ProductInput = z.infer<typeof ProductInput>;

export const ProductPage = z.strictObject({
  items: z.array(Product).max(100),
  nextCursor: Cursor.nullable().describe(
    'Pass as `?cursor=` for the next page; null on the last page',
  ),
});
export type ProductPage = z.infer<typeof ProductPage>;
