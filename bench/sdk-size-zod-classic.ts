/**
 * A sample of @cart/core's schemas written with `zod` as core writes them (`import * as z`): the same kinds of
 * schema and check (strict objects, ids by regex, bounded integers, an ISO timestamp,
 * texts rewritten then bounded, a record, enums, a discriminated union, nullable, optional,
 * defaults, catch, refine, descriptions). bench/sdk-size.ts bundles it next to
 * sdk-size-zod-mini.ts, the same schemas with `zod/mini`, to estimate what moving core to
 * zod/mini would save: the library code each pulls in, not the schemas themselves.
 */
import * as z from 'zod';

const Id = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"')
  .describe('Identifier');
const Timestamp = z.iso.datetime({ offset: false, precision: 3 });
const text = (max: number) =>
  z
    .string()
    .overwrite((s) => s.normalize('NFC').trim())
    .max(max);
const Money = z.strictObject({
  amount: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.enum(['USD', 'EUR', 'JPY']),
});
const Attributes = z.record(z.string().min(1).max(64), z.string().max(256));

const Line = z.strictObject({
  id: Id,
  productId: Id,
  name: text(200),
  quantity: z.int().min(1).max(999),
  unitPrice: Money,
  attributes: Attributes.default({}),
  imageUrl: z.string().max(2048).nullable(),
});

const AddLine = z.strictObject({
  type: z.literal('addLine'),
  productId: Id,
  quantity: z.int().min(1).max(1_000_000),
  attributes: Attributes.optional(),
});
const SetNote = z.strictObject({ type: z.literal('setNote'), note: text(1000) });
const Clear = z.strictObject({ type: z.literal('clear') });
export const CartAction = z.discriminatedUnion('type', [AddLine, SetNote, Clear]);

export const Cart = z
  .strictObject({
    id: Id,
    status: z.enum(['active', 'merged', 'checked_out', 'expired']),
    version: z.int().min(1),
    lines: z.array(Line).max(250),
    note: text(1000).nullable(),
    taxRateBps: z.int().min(0).max(10_000).catch(0),
    total: Money,
    updatedAt: Timestamp,
    meta: z.looseObject({ source: z.string().optional() }),
    applied: z.boolean(),
  })
  .refine(
    (cart) => cart.lines.length === 0 || cart.status !== 'expired',
    'an expired cart is empty',
  );

export const parseCart = (value: unknown) => Cart.safeParse(value);
export const parseAction = (value: unknown) => CartAction.safeParse(value);
