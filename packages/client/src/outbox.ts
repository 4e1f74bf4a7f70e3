import { sameAttributes, type Cart, type CartAction, type Product } from '@cart/core';
import type { CartApiError } from './errors.ts';

/**
 * An action waiting for the server. Plain data, never a closure, so it can be
 * persisted, sent to other tabs and replayed after a reload (TanStack Query's lesson
 * for paused mutations).
 */
export interface PendingAction {
  /**
   * Made by the client when the action is queued and never changed: the server
   * applies an action with a given id at most once, however often it is sent.
   */
  actionId: string;
  /** The action as asked for, without `actionId`. Line ids may name optimistic lines. */
  action: CartAction;
  /** Sort key: queue time, a counter and the tab, so every tab orders the queue alike. */
  seq: string;
  /** When it was queued (ms since the epoch). */
  createdAt: number;
  /**
   * For an addLine: the product's facts as the page showed them, kept with the action so
   * the line can be shown (named, priced) after a reload, before the server confirms it.
   */
  product?: Product;
}

/**
 * A batch sent whose answer never came (the network failed, the tab closed): it may
 * or may not have been applied. Kept, exactly as sent, until an answer settles it.
 */
export interface Attempt {
  /** The Idempotency-Key it went with. */
  key: string;
  /** The body's actions, exactly as sent (with `actionId`s and server line ids). */
  actions: CartAction[];
}

/**
 * An optimistic line (added but not yet confirmed) has the id `tmp_<actionId>` of the
 * addLine that made it; once the server answers, this map gives its real id (or null
 * when the line did not survive, e.g. the add was refused).
 */
export type LineIdMap = Readonly<Record<string, string | null>>;

export const TEMP_LINE_PREFIX = 'tmp_';

export const tempLineId = (actionId: string): string => `${TEMP_LINE_PREFIX}${actionId}`;

export const isTempLineId = (lineId: string): boolean => lineId.startsWith(TEMP_LINE_PREFIX);

/** The line an action targets by id (setLineQuantity, removeLine), if any. */
export function lineRef(action: CartAction): string | undefined {
  return action.type === 'setLineQuantity' || action.type === 'removeLine'
    ? action.lineId
    : undefined;
}

/** The action with its optimistic line id replaced by the server's, when known. */
export function resolveLineId(action: CartAction, lineIds: LineIdMap): CartAction {
  if (action.type !== 'setLineQuantity' && action.type !== 'removeLine') return action;
  const real = lineIds[action.lineId];
  return typeof real === 'string' ? { ...action, lineId: real } : action;
}

export interface ComposedBatch {
  /** The queued actions the batch holds, a prefix of the queue (minus orphans). */
  items: PendingAction[];
  /** What goes in the body: each action with its own `actionId` and server line ids. */
  actions: CartAction[];
  /** Actions on an optimistic line that will never exist: to be dropped. */
  orphans: PendingAction[];
}

/**
 * The next batch: the longest prefix of the queue, up to `maxActions`, that the server
 * can apply as is. It stops before an action on an optimistic line whose addLine has
 * not been answered yet — the server knows that line by another id, which only its
 * answer tells us — so that action goes in the next batch, rewritten.
 */
export function composeBatch(
  outbox: readonly PendingAction[],
  lineIds: LineIdMap,
  maxActions: number,
): ComposedBatch {
  const queued = new Set(outbox.map((i) => i.actionId));
  const batch: ComposedBatch = { items: [], actions: [], orphans: [] };
  for (const item of outbox) {
    if (batch.items.length >= maxActions) break;
    const ref = lineRef(item.action);
    if (ref !== undefined && isTempLineId(ref)) {
      const real = lineIds[ref];
      if (real === undefined && queued.has(ref.slice(TEMP_LINE_PREFIX.length))) break;
      if (typeof real !== 'string') {
        batch.orphans.push(item);
        continue;
      }
    }
    batch.items.push(item);
    batch.actions.push({ ...resolveLineId(item.action, lineIds), actionId: item.actionId });
  }
  return batch;
}

/**
 * Learns the server's ids of the lines that confirmed addLines made: the line of the
 * same product and attributes (addLine merges into it, so there is one at most).
 */
export function learnLineIds(
  lineIds: LineIdMap,
  confirmed: readonly PendingAction[],
  cart: Cart,
): LineIdMap {
  const next: Record<string, string | null> = { ...lineIds };
  for (const item of confirmed) {
    const a = item.action;
    if (a.type !== 'addLine') continue;
    const line = cart.lines.find(
      (l) => l.productId === a.productId && sameAttributes(l.attributes, a.attributes ?? {}),
    );
    next[tempLineId(item.actionId)] = line?.id ?? null;
  }
  return next;
}

/** Forgets mappings nothing needs any more: no queued action names them, no line has them. */
export function pruneLineIds(
  lineIds: LineIdMap,
  outbox: readonly PendingAction[],
  cart: Cart | null,
): LineIdMap {
  const referenced = new Set(outbox.map((i) => lineRef(i.action)));
  const live = new Set(cart?.lines.map((l) => l.id) ?? []);
  const next: Record<string, string | null> = {};
  for (const [temp, real] of Object.entries(lineIds)) {
    if (referenced.has(temp) || (real !== null && live.has(real))) next[temp] = real;
  }
  return next;
}

/**
 * Puts an action in queue order, by `seq`, but never ahead of the first `fixed`
 * actions: those are part of a batch already sent, and the queue's order is the order
 * the server applies them in.
 */
export function insertPending(
  outbox: readonly PendingAction[],
  item: PendingAction,
  fixed: number,
): PendingAction[] {
  if (outbox.some((i) => i.actionId === item.actionId)) return [...outbox];
  let at = outbox.length;
  while (at > fixed && (outbox[at - 1] as PendingAction).seq > item.seq) at--;
  return [...outbox.slice(0, at), item, ...outbox.slice(at)];
}

/**
 * Which action of a batch the server refused, from the error's path (`/actions/<i>/…`,
 * an index into the actions it applied), or null when the error is about the batch as
 * a whole.
 */
export function refusedIndex(error: CartApiError): number | null {
  for (const e of error.errors) {
    const m = /^\/actions\/(\d+)(?:\/|$)/.exec(e.path);
    if (m) return Number(m[1]);
  }
  return null;
}
