import type { MutationPlan, StoredCart } from './port.ts';

/**
 * The products and codes a mutation's snapshot holds: those the request names, and those
 * of every line and code already on the loaded carts (MutationPlan's promise), each once.
 */
export function catalogKeys(
  plan: Pick<MutationPlan, 'productIds' | 'discountCodes'>,
  carts: readonly (StoredCart | null)[],
): { productIds: string[]; codes: string[] } {
  const loaded = carts.filter((c): c is StoredCart => c !== null);
  return {
    productIds: [
      ...new Set([
        ...plan.productIds,
        ...loaded.flatMap((c) => c.state.lines.map((l) => l.productId)),
      ]),
    ],
    codes: [
      ...new Set([
        ...plan.discountCodes,
        ...loaded.flatMap((c) => c.state.discounts.map((d) => d.code)),
      ]),
    ],
  };
}
