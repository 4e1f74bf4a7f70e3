// Merging a guest cart into the holder's cart: both carts change in one transaction,
// the source closed as `merged`, each change audited on its own cart.
import { mergeInto, type CartState } from '@cart/core';
import { hashToken, tokenMatches } from '../security/tokens.ts';
import {
  cartAudit,
  refuse,
  refused,
  type CartUseCase,
  type DecisionSteps,
  type Presented,
  type RequestMeta,
} from './cart-decision.ts';

/**
 * Merges the source cart (opened by its own token) into this one (core `mergeInto`).
 * The transaction loads the whole catalog: the source's lines and codes are applied to this
 * cart as actions are, against it.
 */
export function mergeUseCase(
  steps: DecisionSteps,
  cartId: string,
  presented: Presented,
  sourceCartId: string,
  sourceToken: string,
  meta: RequestMeta,
): CartUseCase {
  const sourcePresented = hashToken(sourceToken);
  const plan = {
    cartId,
    sourceCartId,
    productIds: [],
    discountCodes: [],
    actionIds: [],
    wholeCatalog: true,
  };
  const decide: CartUseCase['decide'] = (snap) => {
    const gate = steps.open(snap.cart, presented, meta);
    if ('outcome' in gate) return gate;
    const { stored } = gate;
    const source = snap.source;
    if (!source || !tokenMatches(sourcePresented, source.tokenHash)) {
      return refused('CART_NOT_FOUND', 'We could not find the cart to merge.');
    }
    const sourceState = effectiveStatus(source.state, meta.now);
    const result = mergeInto(stored.state, sourceState, steps.context(snap, meta));
    if (!result.ok) return refuse(result.error);
    const next = steps.advance(result.value, meta);
    const closedSource: CartState = {
      ...sourceState,
      status: 'merged',
      version: source.state.version + 1,
      updatedAt: meta.now.toISOString(),
    };
    return steps.commit(meta, stored.state, next, {
      action: 'cart.merge',
      detail: { sourceCartId },
      appliedActionIds: [],
      source: { state: closedSource, expectedVersion: source.state.version },
      extraAudit: [
        cartAudit(
          meta,
          'cart.mergedInto',
          sourceCartId,
          source.state.version,
          closedSource.version,
          { targetCartId: cartId },
        ),
      ],
      extraEvents: [{ at: meta.now.toISOString(), type: 'cart_merged', cartId: sourceCartId }],
    });
  };
  return { plan, decide };
}

/** The source as the merge sees it: an active cart past its expiry counts as expired. */
function effectiveStatus(state: CartState, now: Date): CartState {
  return state.status === 'active' && Date.parse(state.expiresAt) <= now.getTime()
    ? { ...state, status: 'expired' }
    : state;
}
