// What a refused change tells the operators (docs/operations.md#lost-demand): demand lost
// to stock or to a limit, per product, and checkouts refused. The decisions say what was
// refused; CartService hands it to the observers once answered, and the refusal recorder
// (observability/refusal-recorder.ts) writes it, apart from any cart change.
import { isLostDemand, type CartAction, type CartState, type ErrorCode } from '@cart/core';
import type { RefusalEvent } from '../storage/port.ts';
import type { Decision, RequestMeta } from './cart-decision.ts';

/**
 * The refusal of a change for the product it asked more of, when it is lost demand (an
 * `addLine`, or a `setLineQuantity` raising a line, refused with one of core's
 * LOST_DEMAND_CODES — for stock or a limit): the
 * refused action is the one the error's path points at (`/actions/2/quantity`); the
 * units asked are the ones added, or the raise over the line as the cart held it.
 */
export function addRefusal(
  cartId: string,
  state: CartState,
  actions: readonly CartAction[],
  code: ErrorCode,
  path: string | undefined,
  meta: RequestMeta,
): RefusalEvent | null {
  if (!isLostDemand(code)) return null;
  const index = /^\/actions\/(\d+)(\/|$)/.exec(path ?? '')?.[1];
  const action = index === undefined ? undefined : actions[Number(index)];
  let productId: string;
  let quantity: number;
  if (action?.type === 'addLine') {
    productId = action.productId;
    quantity = action.quantity;
  } else if (action?.type === 'setLineQuantity') {
    const line = state.lines.find((l) => l.id === action.lineId);
    if (!line) return null;
    productId = line.productId;
    quantity = Math.max(1, action.quantity - line.quantity);
  } else return null;
  return { at: meta.now.toISOString(), stage: 'add', code, cartId, productId, quantity };
}

/**
 * A checkout decision with its refusal noted: every refused checkout counts but the
 * stranger's (CART_NOT_FOUND: no cart of the asker's was in question). A refusal noted
 * already (OUT_OF_STOCK names its product) is kept.
 */
export function withCheckoutRefusal(
  cartId: string,
  decision: Decision,
  meta: RequestMeta,
): Decision {
  const { outcome } = decision;
  if (outcome.kind !== 'refused' || outcome.code === 'CART_NOT_FOUND' || decision.refusals)
    return decision;
  return { ...decision, refusals: [checkoutRefusal(cartId, outcome.code, meta)] };
}

/** A refused checkout, naming the product and its units wanted when one was the cause. */
export function checkoutRefusal(
  cartId: string,
  code: ErrorCode,
  meta: RequestMeta,
  product: { productId: string; quantity: number } | null = null,
): RefusalEvent {
  return {
    at: meta.now.toISOString(),
    stage: 'checkout',
    code,
    cartId,
    productId: product?.productId ?? null,
    quantity: product?.quantity ?? null,
  };
}
