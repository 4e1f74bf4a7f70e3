import type { Cart } from '@cart/core';
import type { Attempt, LineIdMap, PendingAction } from './outbox.ts';

/** What a store keeps about its cart besides the queue. */
export interface PersistedMeta {
  cartId: string | null;
  /**
   * The cart secret, in bearer mode only. In cookie mode (browsers) it lives in the
   * HttpOnly cookie and never reaches script or storage.
   */
  token: string | null;
  /** The last cart the server confirmed. */
  confirmed: Cart | null;
  lineIds: LineIdMap;
  /** Batches sent without an answer yet (see Attempt). */
  attempts: Attempt[];
  /** The key of a checkout sent without an answer: a repeat reuses it and gets the order. */
  checkoutKey: string | null;
}

export interface PersistedState {
  meta: PersistedMeta | null;
  /** The queue, in `seq` order. */
  outbox: PendingAction[];
}

/**
 * Where a store keeps its queue and cart across reloads. The queue is kept action by
 * action (put and delete by `actionId`), so tabs that queue at the same time never
 * overwrite each other's actions; the meta record is written by the tab that talks to
 * the server.
 */
export interface StorageAdapter {
  load(): Promise<PersistedState>;
  saveMeta(meta: PersistedMeta): Promise<void>;
  putActions(items: readonly PendingAction[]): Promise<void>;
  deleteActions(actionIds: readonly string[]): Promise<void>;
  /** Forgets everything (a new cart after checkout). */
  clear(): Promise<void>;
  close?(): void;
}

/**
 * Keeps state in memory, copied in and out as a real store would (nothing the caller
 * holds is shared). The default in Node; share one instance between stores to model
 * two tabs of one browser, or keep it to model a reload.
 */
export class MemoryStorage implements StorageAdapter {
  private meta: PersistedMeta | null = null;
  private readonly items = new Map<string, PendingAction>();

  load(): Promise<PersistedState> {
    const outbox = [...this.items.values()].sort((a, b) => (a.seq < b.seq ? -1 : 1));
    return Promise.resolve(structuredClone({ meta: this.meta, outbox }));
  }

  saveMeta(meta: PersistedMeta): Promise<void> {
    this.meta = structuredClone(meta);
    return Promise.resolve();
  }

  putActions(items: readonly PendingAction[]): Promise<void> {
    for (const item of items) this.items.set(item.actionId, structuredClone(item));
    return Promise.resolve();
  }

  deleteActions(actionIds: readonly string[]): Promise<void> {
    for (const id of actionIds) this.items.delete(id);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.meta = null;
    this.items.clear();
    return Promise.resolve();
  }
}
