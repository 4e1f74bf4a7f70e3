import type { Cart, CheckoutResult } from '@cart/core';
import type { CartErrorReport, SyncStatus } from './cart-snapshot.ts';
import { insertPending, type LineIdMap, type PendingAction } from './outbox.ts';

/** How a queued action ended: applied (error null) or dropped with the reason. */
export interface SettledAction {
  actionId: string;
  error: CartErrorReport | null;
}

/** What the leading tab tells the others after every change. */
export interface SharedState {
  cartId: string | null;
  /** Bearer mode only; the channel never leaves this origin. */
  token: string | null;
  confirmed: Cart | null;
  outbox: PendingAction[];
  lineIds: LineIdMap;
  /** The most recently settled actions, so other tabs resolve their waiting callers. */
  settled: SettledAction[];
  lastError: CartErrorReport | null;
  lastOrder: CheckoutResult | null;
  status: SyncStatus;
}

export type LeaderCommand =
  | { kind: 'retry' }
  | { kind: 'refresh' }
  | { kind: 'new' }
  | { kind: 'create' }
  | { kind: 'load'; cartId: string; token: string | null };

/** Messages between the tabs of one store namespace. */
export type TabMessage =
  | { type: 'state'; state: SharedState }
  | { type: 'enqueued'; item: PendingAction }
  | { type: 'hello' }
  | { type: 'command'; command: LeaderCommand };

export function isTabMessage(value: unknown): value is TabMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'state' || type === 'enqueued' || type === 'hello' || type === 'command';
}

/**
 * A following tab's queue after the leader's report: the leader's queue, then the
 * actions this tab queued that the leader has not heard of yet (its message is on the
 * way), minus anything settled.
 */
export function followQueue(
  leaders: readonly PendingAction[],
  mine: readonly PendingAction[],
  settled: (actionId: string) => boolean,
): PendingAction[] {
  const known = new Set(leaders.map((i) => i.actionId));
  let queue = leaders.filter((i) => !settled(i.actionId));
  for (const item of mine) {
    if (!known.has(item.actionId) && !settled(item.actionId))
      queue = insertPending(queue, item, queue.length);
  }
  return queue;
}
