import { fail, type Result } from '../errors/problem.ts';
import type { Money } from '../money/money.ts';
import type { CartState, LineState } from '../schemas/cart.ts';
import type { Product } from '../schemas/product.ts';
import type { Region } from '../schemas/region.ts';
import type { ApplyContext } from './context.ts';

/** The catalog facts a line keeps from when it was added or last increased. */
export function snapshot(
  product: Product,
  unitPrice: Money,
): Pick<LineState, 'sku' | 'name' | 'unitPrice' | 'requiresShipping'> {
  return {
    sku: product.sku,
    name: product.name,
    unitPrice,
    requiresShipping: product.requiresShipping,
  };
}

/** The cart's region; the context knows every region a cart can be in. */
export function regionOf(state: CartState, ctx: Pick<ApplyContext, 'region'>): Region {
  const region = ctx.region(state.regionId);
  if (!region) throw new TypeError(`unknown region ${state.regionId}`);
  return region;
}

/** PRODUCT_NOT_AVAILABLE: the product has no price in the cart's currency. */
export function notSoldHere(
  name: string,
  state: CartState,
  ctx: ApplyContext,
  path: string,
): Result<never> {
  const region = regionOf(state, ctx);
  return fail(
    'PRODUCT_NOT_AVAILABLE',
    `${name} is not for sale in ${region.name} (${region.currency}).`,
    path,
  );
}
