import { fail, ok, type Result } from '../errors/problem.ts';
import type { CurrencyCode } from '../money/currency.ts';
import type { AppliedDiscount, CartState, LineState } from '../schemas/cart.ts';
import { priceIn } from '../schemas/product.ts';
import type { CountryCode } from '../schemas/country.ts';
import type { Address, AppliedShippingOption, Region, ShippingOption } from '../schemas/region.ts';
import type { ApplyContext } from './context.ts';
import { regionOf, snapshot } from './line-pricing.ts';

// The reducer's region and shipping actions: setCountry, setShippingAddress and
// setShippingOption (`apply` dispatches to them).

/**
 * Moves the cart to the region that sells to `country`: its currency and tax rule follow, every
 * line is re-priced from the catalog in the new currency, and a shipping option chosen in
 * the old region is dropped. A line whose product is not sold there, or a code tied to
 * another currency, refuses the whole move: nothing is dropped silently. An address in
 * another country than the one chosen is cleared (it could not be shipped to).
 */
export function setCountry(
  state: CartState,
  country: CountryCode,
  ctx: ApplyContext,
): Result<CartState> {
  const region = ctx.regionFor(country);
  if (!region) {
    return fail('COUNTRY_NOT_SERVED', `We do not sell to ${countryName(country)}.`, '/country');
  }
  const moved = moveToRegion(state, region, ctx);
  if (!moved.ok) return moved;
  const address = moved.value.shippingAddress;
  return ok({
    ...moved.value,
    country,
    shippingAddress: address?.country === country ? address : null,
  });
}

function moveToRegion(state: CartState, region: Region, ctx: ApplyContext): Result<CartState> {
  if (region.id === state.regionId) return ok(state);
  const lines: LineState[] = [];
  for (const line of state.lines) {
    const product = ctx.product(line.productId);
    const price = product && priceIn(product, region.currency);
    if (!product || !price) {
      return fail(
        'PRODUCT_NOT_AVAILABLE',
        `${line.name} is not for sale in ${region.name} (${region.currency}): remove it to shop there.`,
        '/country',
      );
    }
    lines.push({ ...line, ...snapshot(product, price) });
  }
  for (const d of state.discounts) {
    const currency = discountCurrency(d, state.currency);
    if (currency !== null && currency !== region.currency) {
      return fail(
        'DISCOUNT_INVALID',
        `The code ${d.code} is for carts in ${currency}: remove it to shop in ${region.name}.`,
        '/country',
      );
    }
  }
  return ok({
    ...state,
    regionId: region.id,
    currency: region.currency,
    taxRateBps: region.taxRateBps,
    taxInclusive: region.taxInclusive,
    lines,
    shippingOption: null,
  });
}

/**
 * The currency an applied code is tied to, or null: any. A fixed code or one with a
 * minimum that was applied before codes named their currency is in the cart's.
 */
function discountCurrency(d: AppliedDiscount, cartCurrency: CurrencyCode): CurrencyCode | null {
  if (d.currency !== null) return d.currency;
  return d.kind === 'fixed' || d.minSubtotal !== null ? cartCurrency : null;
}

/**
 * Sets (or with null clears) where the order ships. The address's country moves the cart
 * as `setCountry` does, and the chosen shipping option is checked again: it stays, at
 * today's terms, only while it still exists in the cart's region.
 */
export function setShippingAddress(
  state: CartState,
  address: Address | null,
  ctx: ApplyContext,
): Result<CartState> {
  if (address === null) return ok({ ...state, shippingAddress: null });
  const moved = setCountry(state, address.country, ctx);
  if (!moved.ok) return { ...moved, error: { ...moved.error, path: '/address/country' } };
  const chosen = moved.value.shippingOption;
  const current = chosen && ctx.shippingOption(chosen.id);
  const option = current && current.regionId === moved.value.regionId ? current : null;
  return ok({
    ...moved.value,
    shippingAddress: address,
    shippingOption: option && appliedOption(option),
  });
}

export function setShippingOption(
  state: CartState,
  id: string | null,
  ctx: ApplyContext,
): Result<CartState> {
  if (id === null) return ok({ ...state, shippingOption: null });
  const option = ctx.shippingOption(id);
  if (!option || option.regionId !== state.regionId) {
    return fail(
      'SHIPPING_OPTION_UNAVAILABLE',
      `That shipping method is not offered in ${regionOf(state, ctx).name}.`,
      '/shippingOptionId',
    );
  }
  return ok({ ...state, shippingOption: appliedOption(option) });
}

/** An option as a cart holds it once chosen: its terms, without its region. */
export function appliedOption(option: ShippingOption): AppliedShippingOption {
  const { regionId: _region, ...terms } = option;
  return terms;
}

/** A country's English name ("GB" → "United Kingdom"), or its code where Intl lacks it. */
function countryName(country: CountryCode): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(country) ?? country;
  } catch {
    return country;
  }
}
