import { fail, ok, type Result } from '../errors/problem.ts';
import type { CartState } from '../schemas/cart.ts';
import { apply, refuseClosed, sameAttributes } from './apply.ts';
import type { ApplyContext } from './context.ts';

/**
 * Merges a guest cart (`source`) into a customer's cart (`target`), the way a shopper
 * who signs in expects:
 * - a product + attributes in both carts keeps the larger quantity (the shopper chose
 *   that item twice, not two of it; commercetools' MergeWithExistingCustomerCart does
 *   the same);
 * - a line only in the guest cart is added;
 * - the guest cart's codes are added when they can be; a code that is no longer valid
 *   is dropped rather than block the merge;
 * - the note and email of the target win unless it has none;
 * - a guest cart in another region (another currency) comes in at the prices of the
 *   target's: a product not sold there refuses the merge (PRODUCT_NOT_AVAILABLE), and a
 *   code tied to the guest cart's currency is dropped like any code that cannot apply.
 * Every step runs through `apply`, so every limit holds; if one would be passed the
 * whole merge is refused and neither cart changes.
 */
export function mergeInto(
  target: CartState,
  source: CartState,
  ctx: ApplyContext,
): Result<CartState> {
  if (target.status !== 'active') return refuseClosed(target.status);
  // A guest cart that is closed, expired included, is CART_CLOSED (pointing at the source):
  // CART_EXPIRED would say the shopper's own cart expired, and have a new one started.
  if (source.status !== 'active') {
    return fail(
      'CART_CLOSED',
      `The cart being merged is ${source.status.replace('_', ' ')}.`,
      '/sourceCartId',
    );
  }
  let current = target;
  for (const line of source.lines) {
    const match = current.lines.find(
      (l) => l.productId === line.productId && sameAttributes(l.attributes, line.attributes),
    );
    if (match && match.quantity >= line.quantity) continue;
    const result = match
      ? apply(current, { type: 'setLineQuantity', lineId: match.id, quantity: line.quantity }, ctx)
      : apply(
          current,
          {
            type: 'addLine',
            productId: line.productId,
            quantity: line.quantity,
            attributes: line.attributes,
          },
          ctx,
        );
    if (!result.ok) return result;
    current = result.value;
  }
  for (const d of source.discounts) {
    const result = apply(current, { type: 'applyDiscount', code: d.code }, ctx);
    if (result.ok) current = result.value;
    else if (result.error.code !== 'DISCOUNT_INVALID') return result;
  }
  return ok({
    ...current,
    note: current.note === '' ? source.note : current.note,
    email: current.email ?? source.email,
  });
}
