import type { MutationPlan, StoredCart } from './port.ts';

/**
 * The products and codes a mutation's snapshot holds (MutationPlan's promise), each once:
 * those the request names, the products of the lines it names on the cart (the first of
 * `carts`), and, with `wholeCatalog`, those of every line and code on the loaded carts.
 */
export function catalogKeys(
  plan: Pick<MutationPlan, 'productIds' | 'discountCodes' | 'lineIds' | 'wholeCatalog'>,
  carts: readonly (StoredCart | null)[],
): { productIds: string[]; codes: string[] } {
  const loaded = carts.filter((c): c is StoredCart => c !== null);
  const named = new Set(plan.lineIds ?? []);
  const lines = plan.wholeCatalog
    ? loaded.flatMap((c) => c.state.lines)
    : named.size > 0
      ? (carts[0]?.state.lines.filter((l) => named.has(l.id)) ?? [])
      : [];
  return {
    productIds: [...new Set([...plan.productIds, ...lines.map((l) => l.productId)])],
    codes: [
      ...new Set([
        ...plan.discountCodes,
        ...(plan.wholeCatalog ? loaded.flatMap((c) => c.state.discounts.map((d) => d.code)) : []),
      ]),
    ],
  };
}
