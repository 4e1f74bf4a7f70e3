import * as z from 'zod/mini';
import './zod-locale.ts';
import { CurrencyCode } from '../money/currency.ts';
import { Money } from '../money/money.ts';
import { ActionId, Id, LIMITS, Timestamp } from './common.ts';
import { DiscountCode, DiscountKind } from './discount.ts';
import { Sku } from './product.ts';
import { CountryCode } from './country.ts';
import { Address, AppliedShippingOption } from './region.ts';

export const CartStatus = z.enum(['active', 'merged', 'checked_out', 'expired']);
export type CartStatus = z.infer<typeof CartStatus>;

/**
 * A line as stored: the product facts (sku, name, unit price) are a snapshot taken from
 * the catalog when the line was added or last increased, so a later catalog edit never
 * changes what a customer saw silently mid-change.
 */
export const LineState = z.strictObject({
  id: Id,
  productId: Id,
  sku: Sku,
  name: z.string().check(z.maxLength(200)),
  quantity: z.int().check(z.minimum(1)),
  unitPrice: Money,
  // A default, so a line stored before shipping existed reads as not shipped, like its
  // product (migration 007): such an order never needed an address or an option.
  requiresShipping: z
    ._default(z.boolean(), false)
    .check(z.describe("The product's requiresShipping when the line was added")),
  attributes: z.record(
    z.string().check(z.maxLength(LIMITS.attributeKeyLength)),
    z.string().check(z.maxLength(LIMITS.attributeValueLength)),
  ),
});
export type LineState = z.infer<typeof LineState>;

/** A discount as applied to a cart: the terms that price it, copied when it was applied. */
export const AppliedDiscount = z.strictObject({
  code: DiscountCode,
  kind: DiscountKind,
  value: z.int().check(z.minimum(1)),
  minSubtotal: z.nullable(z.int().check(z.minimum(0))),
  combinable: z.boolean(),
  // A default, so a code applied before codes had a currency reads as having none.
  currency: z._default(z.nullable(CurrencyCode), null),
});
export type AppliedDiscount = z.infer<typeof AppliedDiscount>;

/**
 * How many of its most recently applied action ids a cart reports in `appliedActionIds`
 * (at least: a change whose request names more ids reports them all). A client rebases
 * by dropping the pending actions whose ids the cart reports. This bounds only what a
 * cart carries: the server's own record of applied ids, which keeps every action to one
 * effect, is not bounded.
 */
export const APPLIED_ACTION_WINDOW = 100;

const cartStateShape = {
  id: Id,
  version: z.int().check(z.minimum(1), z.describe('+1 on every accepted change; also the ETag')),
  status: CartStatus,
  regionId: Id.check(
    z.describe('The region the cart is priced in: its currency, tax and shipping'),
  ),
  currency: CurrencyCode.check(
    z.describe("The region's currency: every amount of the cart is in it"),
  ),
  // Defaults, so a cart stored before regions existed reads as having chosen nothing.
  country: z
    ._default(z.nullable(CountryCode), null)
    .check(z.describe('The country the shopper chose (or their address is in), or null: none yet')),
  shippingAddress: z._default(z.nullable(Address), null),
  shippingOption: z
    ._default(z.nullable(AppliedShippingOption), null)
    .check(z.describe('The shipping option chosen, with the terms it was chosen at, or null')),
  // The region's tax rule as of the cart's last move (or creation): like a line's unit
  // price, a snapshot, so an edit of the region never changes a cart silently; checkout
  // compares it with the region's and re-prices (PRICES_CHANGED) when they differ.
  taxRateBps: z
    .int()
    .check(
      z.minimum(0),
      z.maximum(10_000),
      z.describe("The tax rate this cart is priced with (its region's), in basis points"),
    ),
  taxInclusive: z
    .boolean()
    .check(z.describe('Whether prices include tax: taxTotal is then the tax the total contains')),
  lines: z.array(LineState),
  discounts: z.array(AppliedDiscount),
  note: z.string().check(z.maxLength(LIMITS.noteLength)),
  email: z.nullable(z.string().check(z.maxLength(254))),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  expiresAt: Timestamp,
  // A default, so a cart stored before the window existed reads as having reported none.
  appliedActionIds: z
    ._default(z.array(ActionId), [])
    .check(
      z.describe(
        'Ids of the most recent actions applied to this cart, oldest first (at least the last APPLIED_ACTION_WINDOW, and every id of the latest change)',
      ),
    ),
};

/** A cart as stored: everything but the totals, which are always computed (never stored). */
export const CartState = z.strictObject(cartStateShape);
export type CartState = z.infer<typeof CartState>;

export const Line = z.extend(LineState, {
  subtotal: Money.check(z.describe('unitPrice × quantity, before discounts')),
  discountTotal: Money.check(z.describe("This line's share of the cart's discounts")),
  total: Money.check(z.describe('subtotal − discountTotal')),
});
export type Line = z.infer<typeof Line>;

export const CartDiscount = z.extend(AppliedDiscount, {
  amount: Money.check(z.describe('What this code takes off now')),
  applicable: z.boolean().check(z.describe('False while the cart is below the minimum subtotal')),
});
export type CartDiscount = z.infer<typeof CartDiscount>;

/** A cart with its totals, as every cart endpoint answers it. */
export const Cart = z.strictObject({
  ...cartStateShape,
  lines: z.array(Line),
  discounts: z.array(CartDiscount),
  itemCount: z.int().check(z.minimum(0), z.describe('Σ line quantities')),
  subtotal: Money.check(z.describe('Σ unitPrice × quantity')),
  discountTotal: Money,
  shippingTotal: Money.check(
    z.describe(
      "The chosen option's cost: 0 with no option, with no line to ship, or once the option is free",
    ),
  ),
  taxTotal: Money.check(
    z.describe(
      'Tax on subtotal − discountTotal (+ shippingTotal when the option is taxable), rounded half to even: added to the total, or contained in it when taxInclusive',
    ),
  ),
  total: Money.check(
    z.describe('subtotal − discountTotal + shippingTotal, + taxTotal unless taxInclusive'),
  ),
  shippingOptionId: z.nullable(Id).check(z.describe('shippingOption.id, or null')),
});
export type Cart = z.infer<typeof Cart>;

/** `POST /api/carts` answers the cart plus its secret token, shown this one time only. */
export const CreatedCart = z.extend(Cart, {
  token: z
    .string()
    .check(
      z.maxLength(128),
      z.describe('The cart secret: send as `Authorization: Bearer <token>`. Shown only once.'),
    ),
});
export type CreatedCart = z.infer<typeof CreatedCart>;

export const CheckoutResult = z.strictObject({
  orderId: Id,
  orderNumber: z
    .int()
    .check(
      z.minimum(1),
      z.maximum(Number.MAX_SAFE_INTEGER),
      z.describe(
        'The order number people read and quote: unique and increasing, not necessarily without gaps',
      ),
    ),
  cart: Cart,
});
export type CheckoutResult = z.infer<typeof CheckoutResult>;

/**
 * Drops the computed fields of a cart (totals and `shippingOptionId`): what the reducer
 * works on.
 */
export function toCartState(cart: Cart): CartState {
  return {
    id: cart.id,
    version: cart.version,
    status: cart.status,
    regionId: cart.regionId,
    currency: cart.currency,
    country: cart.country,
    shippingAddress: cart.shippingAddress,
    shippingOption: cart.shippingOption,
    taxRateBps: cart.taxRateBps,
    taxInclusive: cart.taxInclusive,
    lines: cart.lines.map(
      ({ id, productId, sku, name, quantity, unitPrice, requiresShipping, attributes }) => ({
        id,
        productId,
        sku,
        name,
        quantity,
        unitPrice,
        requiresShipping,
        attributes,
      }),
    ),
    discounts: cart.discounts.map(({ code, kind, value, minSubtotal, combinable, currency }) => ({
      code,
      kind,
      value,
      minSubtotal,
      combinable,
      currency,
    })),
    note: cart.note,
    email: cart.email,
    createdAt: cart.createdAt,
    updatedAt: cart.updatedAt,
    expiresAt: cart.expiresAt,
    appliedActionIds: [...cart.appliedActionIds],
  };
}
