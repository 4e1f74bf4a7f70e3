// A change of a cart by its holder: one action or a batch, applied by the core reducer
// all or nothing, each action at most once (its `actionId`), audited without free text.
import { APPLIED_ACTION_WINDOW, applyAll, type CartAction } from '@cart/core';
import {
  refuse,
  type CartUseCase,
  type DecisionSteps,
  type Presented,
  type RequestMeta,
} from './cart-decision.ts';
import { addRefusal } from './refusals.ts';

/**
 * The applied-action window a change leaves on its cart (`CartState.appliedActionIds`,
 * oldest first): the previous window without the ids this request names, then those ids
 * in request order (each once). Every id a successful request names is applied — now, or
 * before, when the cart skipped it — so a client resending an action learns from the
 * answer that it took effect. Trimmed to the newest APPLIED_ACTION_WINDOW, or to all of
 * this request's ids when it names more.
 */
export function appliedWindow(
  previous: readonly string[],
  requestIds: readonly string[],
): string[] {
  const latest = [...new Set(requestIds)];
  const named = new Set(latest);
  const window = [...previous.filter((id) => !named.has(id)), ...latest];
  return window.slice(-Math.max(APPLIED_ACTION_WINDOW, latest.length));
}

/**
 * Applies actions (one, or a batch) as one change: all or nothing, version +1. The
 * cart's applied-action window moves to the end by this request's ids (`appliedWindow`);
 * a refusal caused by one action names it by its index as sent and its `actionId`.
 * The transaction loads what the actions touch: their products, codes and lines.
 */
export function changeUseCase(
  steps: DecisionSteps,
  cartId: string,
  presented: Presented,
  actions: readonly CartAction[],
  meta: RequestMeta,
  action: string,
): CartUseCase {
  const productIds = actions.flatMap((a) => (a.type === 'addLine' ? [a.productId] : []));
  const codes = actions.flatMap((a) => (a.type === 'applyDiscount' ? [a.code] : []));
  const actionIds = actions.flatMap((a) => (a.actionId === undefined ? [] : [a.actionId]));
  const lineIds = actions.flatMap((a) => (a.type === 'setLineQuantity' ? [a.lineId] : []));
  // A move to another region re-prices every line: it needs the whole cart's catalog.
  const moves = actions.some((a) => a.type === 'setCountry' || a.type === 'setShippingAddress');
  const plan = {
    cartId,
    productIds,
    discountCodes: codes,
    lineIds,
    actionIds,
    wholeCatalog: moves,
  };
  const decide: CartUseCase['decide'] = (snap) => {
    const gate = steps.open(snap.cart, presented, meta);
    if ('outcome' in gate) return gate;
    const { stored } = gate;
    // An action whose id the cart has applied already is skipped, and so is a second
    // copy within this batch: every action takes effect at most once. Skipped actions
    // keep their index, so a refusal points at the action as the request sent it.
    const seen = new Set(snap.appliedActionIds);
    const skip = new Set<number>();
    for (const [index, a] of actions.entries()) {
      if (a.actionId === undefined) continue;
      if (seen.has(a.actionId)) skip.add(index);
      else seen.add(a.actionId);
    }
    // The cart as it is, its window also listing the actions of this request it had
    // applied before: the answer when nothing else of the request can be applied.
    const appliedBefore = [...skip].flatMap((i) => actions[i]?.actionId ?? []);
    const asItIs = () =>
      steps.view(
        {
          ...stored.state,
          appliedActionIds: appliedWindow(stored.state.appliedActionIds, appliedBefore),
        },
        meta.now,
      );
    // Every action was applied before (a client re-sending after a lost answer): nothing
    // changes, not even on a cart checked out since.
    if (actions.length > 0 && skip.size === actions.length)
      return { outcome: { kind: 'changed', cart: asItIs() }, write: null, changed: null };
    const result = applyAll(stored.state, actions, steps.context(snap, meta), { skip });
    // Closed since some of these were applied: the refusal carries the cart, so a client
    // re-sending them learns they took effect before it starts a new cart.
    if (!result.ok && result.error.code === 'CART_CLOSED' && skip.size > 0)
      return refuse(result.error, asItIs());
    if (!result.ok) {
      // Refused for stock or a limit: demand lost for that product, counted apart.
      const { code, path } = result.error;
      const lost = addRefusal(cartId, stored.state, actions, code, path, meta);
      return { ...refuse(result.error), ...(lost ? { refusals: [lost] } : {}) };
    }
    const fresh = actions.filter((_, index) => !skip.has(index));
    const next = steps.advance(
      {
        ...result.value,
        appliedActionIds: appliedWindow(stored.state.appliedActionIds, actionIds),
      },
      meta,
    );
    const ids = fresh.flatMap((a) => (a.actionId === undefined ? [] : [a.actionId]));
    return steps.commit(meta, stored.state, next, {
      action,
      detail: { actions: fresh.map(describeAction), skipped: actions.length - fresh.length },
      appliedActionIds: ids,
    });
  };
  return { plan, decide };
}

/** What an action did, for the audit log: ids and quantities, never free text or emails. */
function describeAction(a: CartAction): Record<string, unknown> {
  switch (a.type) {
    case 'addLine':
      return { type: a.type, productId: a.productId, quantity: a.quantity };
    case 'setLineQuantity':
      return { type: a.type, lineId: a.lineId, quantity: a.quantity };
    case 'removeLine':
      return { type: a.type, lineId: a.lineId };
    case 'applyDiscount':
    case 'removeDiscount':
      return { type: a.type, code: a.code };
    case 'setNote':
      return { type: a.type, length: a.note.length };
    case 'setEmail':
      return { type: a.type, set: a.email !== null };
    case 'clear':
      return { type: a.type };
    case 'setCountry':
      return { type: a.type, country: a.country };
    // An address is personal data: the audit log keeps only its country.
    case 'setShippingAddress':
      return { type: a.type, set: a.address !== null, country: a.address?.country ?? null };
    case 'setShippingOption':
      return { type: a.type, shippingOptionId: a.shippingOptionId };
  }
}
