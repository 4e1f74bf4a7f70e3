/**
 * The schemas of sdk-size-zod-classic.ts, one for one, written with `zod/mini` (functions
 * and `.check()` instead of methods, so that a bundler keeps only what is used).
 * bench/sdk-size.ts bundles both to estimate what moving @cart/core to zod/mini would save.
 */
import * as z from 'zod/mini';

const Id = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"'),
    z.describe('Identifier'),
  );
const Timestamp = z.iso.datetime({ offset: false, precision: 3 });
const text = (max: number) =>
  z.string().check(
    z.overwrite((s) => s.normalize('NFC').trim()),
    z.maxLength(max),
  );
const Money = z.strictObject({
  amount: z.int().check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  currency: z.enum(['USD', 'EUR', 'JPY']),
});
const Attributes = z.record(
  z.string().check(z.minLength(1), z.maxLength(64)),
  z.string().check(z.maxLength(256)),
);

const Line = z.strictObject({
  id: Id,
  productId: Id,
  name: text(200),
  quantity: z.int().check(z.minimum(1), z.maximum(999)),
  unitPrice: Money,
  attributes: z._default(Attributes, {}),
  imageUrl: z.nullable(z.string().check(z.maxLength(2048))),
});

const AddLine = z.strictObject({
  type: z.literal('addLine'),
  productId: Id,
  quantity: z.int().check(z.minimum(1), z.maximum(1_000_000)),
  attributes: z.optional(Attributes),
});
const SetNote = z.strictObject({ type: z.literal('setNote'), note: text(1000) });
const Clear = z.strictObject({ type: z.literal('clear') });
export const CartAction = z.discriminatedUnion('type', [AddLine, SetNote, Clear]);

export const Cart = z
  .strictObject({
    id: Id,
    status: z.enum(['active', 'merged', 'checked_out', 'expired']),
    version: z.int().check(z.minimum(1)),
    lines: z.array(Line).check(z.maxLength(250)),
    note: z.nullable(text(1000)),
    taxRateBps: z.catch(z.int().check(z.minimum(0), z.maximum(10_000)), 0),
    total: Money,
    updatedAt: Timestamp,
    meta: z.looseObject({ source: z.optional(z.string()) }),
    applied: z.boolean(),
  })
  .check(
    z.refine(
      (cart) => cart.lines.length === 0 || cart.status !== 'expired',
      'an expired cart is empty',
    ),
  );

export const parseCart = (value: unknown) => z.safeParse(Cart, value);
export const parseAction = (value: unknown) => z.safeParse(CartAction, value);
