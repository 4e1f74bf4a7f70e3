import type { PendingAction } from './outbox.ts';
import type { PersistedMeta, PersistedState, StorageAdapter } from './storage.ts';

const VERSION = 1;
const META = 'meta';
const OUTBOX = 'outbox';
const META_KEY = 'cart';

/**
 * Keeps the queue and the cart in IndexedDB, so they survive a reload, a closed tab
 * and a browser restart. One database per namespace; the queue is an object store
 * keyed by `actionId` (tabs add and remove their own actions without overwriting each
 * other's), the meta one record. Every write is one transaction that has completed
 * (is durable) when the promise resolves.
 */
export class IndexedDbStorage implements StorageAdapter {
  private db: Promise<IDBDatabase> | null = null;

  constructor(
    readonly name = 'cart-sdk',
    private readonly factory: IDBFactory = globalThis.indexedDB,
  ) {}

  /** Whether IndexedDB exists here (not in Node, not in some private modes). */
  static available(factory: IDBFactory | undefined = globalThis.indexedDB): boolean {
    return typeof factory?.open === 'function';
  }

  async load(): Promise<PersistedState> {
    const db = await this.open();
    const tx = db.transaction([META, OUTBOX], 'readonly');
    const meta = request<PersistedMeta | undefined>(tx.objectStore(META).get(META_KEY));
    const items = request<PendingAction[]>(tx.objectStore(OUTBOX).index('seq').getAll());
    const [m, outbox] = await Promise.all([meta, items]);
    return { meta: m ?? null, outbox };
  }

  saveMeta(meta: PersistedMeta): Promise<void> {
    return this.write([META], (tx) => tx.objectStore(META).put(meta, META_KEY));
  }

  putActions(items: readonly PendingAction[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return this.write([OUTBOX], (tx) => {
      const store = tx.objectStore(OUTBOX);
      for (const item of items) store.put(item);
    });
  }

  deleteActions(actionIds: readonly string[]): Promise<void> {
    if (actionIds.length === 0) return Promise.resolve();
    return this.write([OUTBOX], (tx) => {
      const store = tx.objectStore(OUTBOX);
      for (const id of actionIds) store.delete(id);
    });
  }

  clear(): Promise<void> {
    return this.write([META, OUTBOX], (tx) => {
      tx.objectStore(META).clear();
      tx.objectStore(OUTBOX).clear();
    });
  }

  close(): void {
    void this.db?.then((db) => db.close()).catch(() => undefined);
    this.db = null;
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = this.factory.open(this.name, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
        if (!db.objectStoreNames.contains(OUTBOX)) {
          db.createObjectStore(OUTBOX, { keyPath: 'actionId' }).createIndex('seq', 'seq');
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the schema asks us to let go; the next call reopens.
        db.onversionchange = () => {
          db.close();
          this.db = null;
        };
        resolve(db);
      };
      req.onerror = () => reject(req.error ?? new Error(`cannot open IndexedDB ${this.name}`));
      req.onblocked = () => reject(new Error(`IndexedDB ${this.name} is blocked by another tab`));
    });
    this.db.catch(() => {
      this.db = null;
    });
    return this.db;
  }

  private async write(stores: string[], run: (tx: IDBTransaction) => void): Promise<void> {
    const db = await this.open();
    await new Promise<void>((resolve, reject) => {
      // 'strict' durability: resolved only once the data is flushed to disk, so an
      // action reported as saved survives a crash of the browser.
      const tx = db.transaction(stores, 'readwrite', { durability: 'strict' });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
      run(tx);
    });
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB read failed'));
  });
}
