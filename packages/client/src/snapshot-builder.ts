import type { Cart, CartState, CheckoutResult } from '@cart/core';
import type { CartErrorReport, CartSnapshot, OfflineReason, SyncStatus } from './cart-snapshot.ts';
import { showCart, type ShownCart, type ViewFacts } from './optimistic-view.ts';
import type { LineIdMap, PendingAction } from './outbox.ts';
import type { SyncPhase } from './sync-state.ts';

export interface SnapshotInput {
  confirmed: Cart | null;
  cartId: string | null;
  outbox: readonly PendingAction[];
  lineIds: LineIdMap;
  /** What the queue is shown on (the confirmed cart, or a stand-in), or null: nothing yet. */
  base: CartState | null;
  facts: ViewFacts;
  /** Bumped when the facts of products, regions or shipping options change. */
  factsVersion: number;
  status: SyncStatus;
  /** Whether the device itself says it is offline (the online signal). */
  deviceOffline: boolean;
  sync: SyncPhase;
  leader: boolean;
  lastError: CartErrorReport | null;
  lastOrder: CheckoutResult | null;
  /** The same object while the levels are the same. */
  stock: Readonly<Record<string, number | null>>;
}

/**
 * Builds snapshots: immutable, and the same objects (cart, queue) while their inputs
 * are the same, so that `useSyncExternalStore` and memoised components skip work.
 */
export class SnapshotBuilder {
  private memo: {
    base: string | null;
    outbox: readonly PendingAction[] | null;
    lineIds: unknown;
    /** The tax rule of a cart not made yet, as `bps:inclusive`. */
    taxRule: string;
    facts: number;
    cart: ShownCart | null;
    pending: readonly PendingAction[];
  } = {
    base: null,
    outbox: null,
    lineIds: null,
    taxRule: '',
    facts: -1,
    cart: null,
    pending: Object.freeze([]),
  };
  private sync: SyncPhase = { kind: 'idle' };

  build(input: SnapshotInput): CartSnapshot {
    const m = this.memo;
    // The base is rebuilt on every call (a stand-in carries the time); its identity is
    // the cart's id and version, or the stand-in's region and currency.
    const b = input.base;
    const base = b ? `${b.id}@${b.version}:${b.status}:${b.regionId}:${b.currency}` : null;
    const taxRule = `${input.facts.taxRule.taxRateBps}:${input.facts.taxRule.taxInclusive}`;
    if (
      m.base !== base ||
      m.outbox !== input.outbox ||
      m.lineIds !== input.lineIds ||
      m.taxRule !== taxRule ||
      m.facts !== input.factsVersion ||
      (input.base !== null && m.cart === null)
    ) {
      this.memo = {
        base,
        outbox: input.outbox,
        lineIds: input.lineIds,
        taxRule,
        facts: input.factsVersion,
        cart: input.base
          ? showCart(input.base, input.outbox, input.lineIds, input.facts).cart
          : null,
        pending: Object.freeze([...input.outbox]),
      };
    }
    if (JSON.stringify(this.sync) !== JSON.stringify(input.sync))
      this.sync = Object.freeze(input.sync);
    return Object.freeze({
      status: input.status,
      sync: this.sync,
      cart: this.memo.cart,
      confirmed: input.confirmed,
      cartId: input.cartId,
      pending: this.memo.pending,
      pendingCount: input.outbox.length,
      online: input.status !== 'offline',
      offlineReason: offlineReason(input),
      leader: input.leader,
      lastError: input.lastError,
      lastOrder: input.lastOrder,
      stock: input.stock,
    });
  }
}

function offlineReason(input: SnapshotInput): OfflineReason | null {
  if (input.status !== 'offline') return null;
  return input.deviceOffline ? 'device' : 'shop';
}

/** Whether two snapshots hold the same values (field by field, by reference). */
export function sameSnapshot(a: CartSnapshot, b: CartSnapshot): boolean {
  const x = a as unknown as Record<string, unknown>;
  return Object.entries(b).every(([k, v]) => x[k] === v);
}
