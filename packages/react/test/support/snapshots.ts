import type { CartSnapshot, ShownCart } from '@cart/client';
import { LOADING_SNAPSHOT } from '../../src/index.ts';

export interface SummaryLine {
  name: string;
  quantity: number;
  unitPrice: number;
  pending: boolean;
}

/**
 * A store snapshot holding a cart, made by hand: only the fields CartSummary reads are
 * filled in (the SDK's own tests cover how real snapshots are made).
 */
export function snapshotWith(
  status: CartSnapshot['status'],
  lines: SummaryLine[],
  pendingCount = lines.filter((l) => l.pending).length,
): CartSnapshot {
  const cart = {
    id: 'cart_1',
    lines: lines.map((l, i) => ({
      key: `line_${i}`,
      id: `line_${i}`,
      name: l.name,
      quantity: l.quantity,
      pending: l.pending,
    })),
    total: { amount: lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0), currency: 'USD' },
  } as unknown as ShownCart;
  return { ...LOADING_SNAPSHOT, status, cart, cartId: 'cart_1', pendingCount };
}

/** A store's own "nothing loaded yet": equal to LOADING_SNAPSHOT, not the same object. */
export const storeLoading = (): CartSnapshot => ({ ...LOADING_SNAPSHOT });
