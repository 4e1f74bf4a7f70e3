import type { AuthMode } from './cart-api.ts';
import type { PendingAction } from './outbox.ts';
import { META_VERSION, readState, type MetaRecord } from './records.ts';
import type { StorageAdapter, StorageStep } from './storage.ts';
import type { SyncState } from './sync-state.ts';

/** What storage held, validated: the meta record (if readable) and the queue. */
export interface Restored {
  meta: MetaRecord | null;
  outbox: PendingAction[];
}

/**
 * Keeps storage in step with the machine: reads it back (validated, see records.ts),
 * and saves each step's difference — the meta record if it changed, the queued actions
 * added and gone — as one `save` (one transaction). A meta record written by a newer
 * bundle is never overwritten. Storage failures are reported, never thrown: the store
 * then goes on in memory.
 */
export class StepSaver {
  /**
   * What storage holds now (the last step saved), to save only the difference. The
   * machine replaces a part of its state whenever it changes it, so the meta record
   * changed exactly when one of its parts is another object.
   */
  private saved: { meta: MetaParts | null; ids: Set<string> } = { meta: null, ids: new Set() };
  private last: Promise<void> = Promise.resolve();
  /** A newer bundle wrote the meta record: leave it alone. */
  private metaReadOnly = false;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly auth: AuthMode,
    private readonly report: (error: unknown) => void,
  ) {}

  /** Reads storage (a reload, or what the previous leading tab left). */
  async restore(): Promise<Restored | null> {
    let loaded;
    try {
      loaded = readState(await this.storage.load());
    } catch (error) {
      this.report(error);
      return null;
    }
    for (const { reason } of loaded.setAside)
      this.report(new Error(`set aside a stored record: ${reason}`));
    if (loaded.metaIsNewer) {
      this.metaReadOnly = true;
      this.report(
        new Error('the stored cart was written by a newer version of this app; it is left alone'),
      );
    }
    this.saved = { meta: loaded.meta, ids: new Set(loaded.outbox.map((i) => i.actionId)) };
    return { meta: loaded.meta, outbox: loaded.outbox };
  }

  /**
   * Saves what changed since the last save, at once: adapters apply saves in the order
   * they are called (IndexedDB runs transactions on the same stores in the order they
   * were made). Resolves when this step is durable (or failed and was reported).
   */
  save(s: SyncState): Promise<void> {
    const step: StorageStep = {};
    if (!this.metaReadOnly && !sameMeta(this.saved.meta, s)) {
      step.meta = metaOf(s, this.auth);
      this.saved.meta = s;
    }
    const ids = new Set(s.outbox.map((i) => i.actionId));
    const put = s.outbox.filter((i) => !this.saved.ids.has(i.actionId));
    const gone = [...this.saved.ids].filter((id) => !ids.has(id));
    if (put.length > 0) step.put = put;
    if (gone.length > 0) step.delete = gone;
    this.saved.ids = ids;
    if (!step.meta && !step.put && !step.delete) return this.last;
    this.last = this.storage.save(step).catch((error: unknown) => this.report(error));
    return this.last;
  }

  /** Saves one queued action of a following tab (the leader saves the rest). */
  put(item: PendingAction): Promise<void> {
    return this.storage.save({ put: [item] }).catch((error: unknown) => this.report(error));
  }
}

/** The parts of the state the meta record is made of. */
type MetaParts = Pick<
  SyncState,
  'cart' | 'lineIds' | 'checkout' | 'createKey' | 'clock' | 'lastOrder'
>;

/** Whether the state's parts are the ones saved last (by reference: see `saved`). */
function sameMeta(saved: MetaParts | null, s: SyncState): boolean {
  return (
    saved !== null &&
    saved.cart === s.cart &&
    saved.lineIds === s.lineIds &&
    saved.checkout === s.checkout &&
    saved.createKey === s.createKey &&
    saved.clock === s.clock &&
    saved.lastOrder === s.lastOrder
  );
}

/** The meta record of a state. The cart token is kept in bearer mode only. */
function metaOf(s: SyncState, auth: AuthMode): MetaRecord {
  const cart = auth === 'bearer' || s.cart.kind === 'none' ? s.cart : { ...s.cart, token: null };
  return {
    v: META_VERSION,
    cart,
    lineIds: s.lineIds,
    checkout: s.checkout,
    createKey: s.createKey,
    clock: s.clock,
    lastOrder: s.lastOrder,
  };
}
