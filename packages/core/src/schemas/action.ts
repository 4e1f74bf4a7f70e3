import * as z from 'zod/mini';
import './zod-locale.ts';
import { ActionId, Attributes, Email, Id, LIMITS, multiLineText } from './common.ts';
import { DiscountCode } from './discount.ts';
import { CountryCode } from './country.ts';
import { Address } from './region.ts';

/** Quantities a request may carry at all; the cart limits (999 by default) apply after. */
export const MAX_REQUEST_QUANTITY = 1_000_000;

const actionId = { actionId: z.optional(ActionId) };

export const AddLineAction = z.strictObject({
  type: z.literal('addLine'),
  productId: Id,
  quantity: z.int().check(z.minimum(1), z.maximum(MAX_REQUEST_QUANTITY)),
  attributes: z.optional(Attributes),
  ...actionId,
});
export const SetLineQuantityAction = z.strictObject({
  type: z.literal('setLineQuantity'),
  lineId: Id,
  quantity: z
    .int()
    .check(z.minimum(0), z.maximum(MAX_REQUEST_QUANTITY), z.describe('0 removes the line')),
  ...actionId,
});
export const RemoveLineAction = z.strictObject({
  type: z.literal('removeLine'),
  lineId: Id,
  ...actionId,
});
export const ApplyDiscountAction = z.strictObject({
  type: z.literal('applyDiscount'),
  code: DiscountCode,
  ...actionId,
});
export const RemoveDiscountAction = z.strictObject({
  type: z.literal('removeDiscount'),
  code: DiscountCode,
  ...actionId,
});
export const SetNoteAction = z.strictObject({
  type: z.literal('setNote'),
  note: multiLineText(LIMITS.noteLength),
  ...actionId,
});
export const SetEmailAction = z.strictObject({
  type: z.literal('setEmail'),
  email: z.nullable(Email).check(z.describe('null clears it')),
  ...actionId,
});
export const ClearAction = z.strictObject({ type: z.literal('clear'), ...actionId });
export const SetCountryAction = z.strictObject({
  type: z.literal('setCountry'),
  country: CountryCode.check(
    z.describe("Moves the cart to the country's region: its currency, tax and prices follow"),
  ),
  ...actionId,
});
export const SetShippingAddressAction = z.strictObject({
  type: z.literal('setShippingAddress'),
  address: z
    .nullable(Address)
    .check(z.describe('null clears it; its country moves the cart as setCountry does')),
  ...actionId,
});
export const SetShippingOptionAction = z.strictObject({
  type: z.literal('setShippingOption'),
  shippingOptionId: z
    .nullable(Id)
    .check(z.describe("An option of the cart's region; null clears it")),
  ...actionId,
});

/** Every change a cart can undergo: what `apply` takes and `/actions` batches carry. */
export const CartAction = z.discriminatedUnion('type', [
  AddLineAction,
  SetLineQuantityAction,
  RemoveLineAction,
  ApplyDiscountAction,
  RemoveDiscountAction,
  SetNoteAction,
  SetEmailAction,
  ClearAction,
  SetCountryAction,
  SetShippingAddressAction,
  SetShippingOptionAction,
]);
export type CartAction = z.infer<typeof CartAction>;
export type CartActionType = CartAction['type'];
export type AddLineAction = z.infer<typeof AddLineAction>;
export type SetLineQuantityAction = z.infer<typeof SetLineQuantityAction>;

/** Default most actions in one `/actions` batch (configurable on the server). */
export const DEFAULT_MAX_BATCH = 100;

export const ActionBatch = z.strictObject({
  actions: z.array(CartAction).check(z.minLength(1), z.maxLength(1000, 'at most 1000 actions')),
});
export type ActionBatch = z.infer<typeof ActionBatch>;

// Bodies of the single-purpose endpoints: the same actions without `type`.
export const AddLineBody = z.omit(AddLineAction, { type: true, actionId: true });
export const SetLineQuantityBody = z.strictObject({
  quantity: SetLineQuantityAction.shape.quantity,
});
export const ApplyDiscountBody = z.strictObject({ code: DiscountCode });
export const UpdateCartBody = z
  .strictObject({
    note: z.optional(SetNoteAction.shape.note),
    email: z.optional(SetEmailAction.shape.email),
    country: z.optional(SetCountryAction.shape.country),
    shippingAddress: z.optional(SetShippingAddressAction.shape.address),
  })
  .check(
    z.refine((b) => Object.values(b).some((v) => v !== undefined), {
      message: 'give at least one of note, email, country and shippingAddress',
    }),
  );
export const SetShippingOptionBody = z.strictObject({
  shippingOptionId: SetShippingOptionAction.shape.shippingOptionId,
});
export const MergeBody = z.strictObject({
  sourceCartId: Id,
  sourceToken: z.string().check(z.minLength(1), z.maxLength(128)),
});
