import type { CartState, CheckoutResult } from '@cart/core';
import type { CartErrorReport, CartSnapshot, SyncStatus } from './cart-snapshot.ts';
import { showCart, stateOf, type ShownCart, type ViewFacts } from './optimistic-view.ts';
import type { PendingAction } from './outbox.ts';
import type { SyncBook } from './sync-book.ts';

export interface SnapshotInput {
  book: SyncBook;
  /** What to show changes on without a confirmed cart (or null: nothing yet). */
  stand: CartState | null;
  facts: ViewFacts;
  /** Bumped when the product facts change. */
  productsVersion: number;
  status: SyncStatus;
  leader: boolean;
  lastError: CartErrorReport | null;
  lastOrder: CheckoutResult | null;
}

/**
 * Builds snapshots: immutable, and the same objects (cart, queue) while their inputs
 * are the same, so that `useSyncExternalStore` and memoised components skip work.
 */
export class SnapshotBuilder {
  private memo: {
    base: unknown;
    outbox: readonly PendingAction[] | null;
    lineIds: unknown;
    taxRateBps: number;
    products: number;
    cart: ShownCart | null;
    pending: readonly PendingAction[];
  } = {
    base: undefined,
    outbox: null,
    lineIds: null,
    taxRateBps: -1,
    products: -1,
    cart: null,
    pending: Object.freeze([]),
  };

  build(input: SnapshotInput): CartSnapshot {
    const { book } = input;
    const base = book.confirmed ?? input.stand;
    const m = this.memo;
    if (
      m.base !== base ||
      m.outbox !== book.outbox ||
      m.lineIds !== book.lineIds ||
      m.taxRateBps !== input.facts.taxRateBps ||
      m.products !== input.productsVersion
    ) {
      const state = book.confirmed ? stateOf(book.confirmed) : input.stand;
      this.memo = {
        base,
        outbox: book.outbox,
        lineIds: book.lineIds,
        taxRateBps: input.facts.taxRateBps,
        products: input.productsVersion,
        cart: state ? showCart(state, book.outbox, book.lineIds, input.facts).cart : null,
        pending: Object.freeze([...book.outbox]),
      };
    }
    return Object.freeze({
      status: input.status,
      cart: this.memo.cart,
      confirmed: book.confirmed,
      cartId: book.cartId,
      pending: this.memo.pending,
      pendingCount: book.outbox.length,
      online: input.status !== 'offline',
      leader: input.leader,
      lastError: input.lastError,
      lastOrder: input.lastOrder,
    });
  }
}

/** Whether two snapshots hold the same values (field by field, by reference). */
export function sameSnapshot(a: CartSnapshot, b: CartSnapshot): boolean {
  const x = a as unknown as Record<string, unknown>;
  return Object.entries(b).every(([k, v]) => x[k] === v);
}
