import type { ActionRecord, MetaRecord } from './records.ts';

/**
 * What storage holds, raw. Another bundle version (another tab, after a deploy) may have
 * written any of it, so nothing here is trusted: `readState` (records.ts) validates it,
 * migrates the meta record and sets aside what this bundle cannot read.
 */
export interface PersistedState {
  /** The meta record, or null when there is none. */
  meta: unknown;
  /** The queued action records, in `seq` order. */
  outbox: unknown[];
}

/**
 * One step of the state machine, as written to storage: the new meta record, the queued
 * actions to put (by `actionId`; a second put replaces) and the action ids to delete
 * (unknown ids are ignored), applied in that order. Every part is optional; an empty
 * step writes nothing.
 */
export interface StorageStep {
  meta?: MetaRecord;
  put?: readonly ActionRecord[];
  delete?: readonly string[];
}

/**
 * Where a store keeps its queue and cart across reloads, shared by the tabs of one shop.
 * The queue is kept action by action, so tabs that queue at the same time never
 * overwrite each other's actions; the meta record is written by the tab that talks to
 * the server. Adapters move values only: validation is records.ts's.
 */
export interface StorageAdapter {
  load(): Promise<PersistedState>;
  /**
   * One step of the state machine: all of it in one transaction (all written or none),
   * durable when resolved. The store calls it for each step without waiting for the
   * last: an adapter must apply saves in the order they are called (IndexedDB does, for
   * transactions on the same stores).
   */
  save(step: StorageStep): Promise<void>;
  /** Forgets everything. */
  clear(): Promise<void>;
  close?(): void;
}

/** Whether a step writes nothing. */
function isEmptyStep(step: StorageStep): boolean {
  return step.meta === undefined && !step.put?.length && !step.delete?.length;
}

/**
 * Keeps state in memory, copied in and out as a real store would (nothing the caller
 * holds is shared). The default in Node; share one instance between stores to model
 * two tabs of one browser, or keep it to model a reload.
 */
export class MemoryStorage implements StorageAdapter {
  private meta: unknown = null;
  private readonly items = new Map<string, unknown>();

  load(): Promise<PersistedState> {
    const outbox = [...this.items.values()].sort((a, b) => {
      const [x, y] = [seqOf(a), seqOf(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return Promise.resolve(structuredClone({ meta: this.meta, outbox }));
  }

  save(step: StorageStep): Promise<void> {
    if (isEmptyStep(step)) return Promise.resolve();
    try {
      // Copied before anything changes, so a step that cannot be copied writes nothing
      // (as an aborted transaction would).
      const { meta, put = [], delete: deletes = [] } = structuredClone(step);
      if (meta !== undefined) this.meta = meta;
      for (const item of put) this.items.set(item.actionId, item);
      for (const id of deletes) this.items.delete(id);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  clear(): Promise<void> {
    this.meta = null;
    this.items.clear();
    return Promise.resolve();
  }
}

/** The order key of a stored record, as the IndexedDB `seq` index sees it. */
function seqOf(item: unknown): string {
  const seq = (item as { seq?: unknown } | null)?.seq;
  return typeof seq === 'string' ? seq : '';
}
