// Types only: this file also runs type-stripped as a plain script in a browser page
// (test/indexeddb.test.ts), so it imports no values. Validation lives in records.ts.
import type { PersistedState, StorageAdapter, StorageStep } from './storage.ts';

/**
 * The database schema version. Each version is a step in `UPGRADES`, run from the
 * version found (`event.oldVersion`) up to this one.
 */
const VERSION = 2;
const META = 'meta';
const OUTBOX = 'outbox';
const META_KEY = 'cart';

/** `UPGRADES[n]` takes a database from version n to n + 1, inside the upgrade transaction. */
const UPGRADES: readonly ((db: IDBDatabase) => void)[] = [
  // 0 → 1: the meta record (one, out-of-line key) and the queue, one record per action
  // keyed by `actionId` so tabs add and remove their own actions without overwriting
  // each other's, indexed by order key.
  (db) => {
    db.createObjectStore(META);
    db.createObjectStore(OUTBOX, { keyPath: 'actionId' }).createIndex('seq', 'seq');
  },
  // 1 → 2: no store changes; every record is kept. The meta record's shape changed
  // (version 2): it is migrated record by record when read (`migrateMeta`, records.ts)
  // and rewritten at the store's next step. The version bump keeps bundles of version 1,
  // which trust what they read, from opening a database that may hold version-2 records:
  // their open fails instead.
  () => undefined,
];

/**
 * The database was written by a newer bundle (its schema version is above this one's),
 * so this bundle cannot open it — as after a rollback, or with two bundle versions in two
 * tabs. Every call of the adapter rejects with it; the store reports it and keeps the
 * cart in memory for this page. The database is left as it is for the newer bundle.
 */
export class StorageVersionError extends Error {
  override readonly name = 'StorageVersionError';
  constructor(
    readonly database: string,
    options?: { cause?: unknown },
  ) {
    super(
      `IndexedDB "${database}" was written by a newer version of the cart SDK ` +
        `(schema above version ${VERSION}); it is left untouched`,
      options,
    );
  }
}

/**
 * Keeps the queue and the cart in IndexedDB, so they survive a reload, a closed tab
 * and a browser restart. One database per namespace. Each `save` is one transaction
 * over both stores, all written or none, and durable when the promise resolves.
 *
 * Errors: when the database belongs to a newer bundle, every call rejects with
 * `StorageVersionError`; other failures (quota, a blocked upgrade, private modes)
 * reject with the browser's error.
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
    const meta = request<unknown>(tx.objectStore(META).get(META_KEY));
    // The whole store, not the `seq` index: a record without a string `seq` (written by
    // another bundle) must still reach validation, to be set aside and reported.
    const items = request<unknown[]>(tx.objectStore(OUTBOX).getAll());
    const [m, outbox] = await Promise.all([meta, items]);
    return { meta: m ?? null, outbox: outbox.sort(bySeq) };
  }

  async save(step: StorageStep): Promise<void> {
    const { meta, put = [], delete: deletes = [] } = step;
    if (meta === undefined && put.length === 0 && deletes.length === 0) return;
    await this.write((tx) => {
      if (meta !== undefined) tx.objectStore(META).put(meta, META_KEY);
      const outbox = tx.objectStore(OUTBOX);
      for (const item of put) outbox.put(item);
      for (const id of deletes) outbox.delete(id);
    });
  }

  clear(): Promise<void> {
    return this.write((tx) => {
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
      let settled = false;
      const fail = (error: Error) => {
        settled = true;
        reject(error);
      };
      const req = this.factory.open(this.name, VERSION);
      req.onupgradeneeded = (event) => {
        for (let v = event.oldVersion; v < VERSION; v++) UPGRADES[v]?.(req.result);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Opened after we gave up (blocked): nobody will use it.
        if (settled) return db.close();
        settled = true;
        // Another tab upgrading the schema asks us to let go; the next call reopens.
        db.onversionchange = () => {
          db.close();
          this.db = null;
        };
        // Closed by the browser (storage cleared, disk error): the next call reopens.
        db.onclose = () => {
          this.db = null;
        };
        resolve(db);
      };
      req.onerror = (event) => {
        const error = req.error;
        // Handled here: an unhandled failed open would also be reported on window.
        event.preventDefault();
        if (error?.name === 'VersionError')
          fail(new StorageVersionError(this.name, { cause: error }));
        else fail(error ?? new Error(`cannot open IndexedDB "${this.name}"`));
      };
      req.onblocked = () =>
        fail(new Error(`IndexedDB "${this.name}" is held open by a tab that will not upgrade`));
    });
    this.db.catch(() => {
      this.db = null;
    });
    return this.db;
  }

  /** Runs one readwrite transaction over both stores: everything in `run` or nothing. */
  private async write(run: (tx: IDBTransaction) => void): Promise<void> {
    const db = await this.open();
    await new Promise<void>((resolve, reject) => {
      // 'strict' durability: resolved only once the data is flushed to disk, so a step
      // reported as saved survives a crash of the browser.
      const tx = db.transaction([META, OUTBOX], 'readwrite', { durability: 'strict' });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
      try {
        run(tx);
      } catch (error) {
        // A request that throws (a value that cannot be cloned, a record without its
        // key) does not abort the transaction by itself: the requests made before it
        // would commit. Abort, so the step is written whole or not at all.
        tx.abort();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }
}

/** Queue order by `seq`, compared as strings (records without one first). */
function bySeq(a: unknown, b: unknown): number {
  const [x, y] = [seqOf(a), seqOf(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function seqOf(item: unknown): string {
  const seq = (item as { seq?: unknown } | null)?.seq;
  return typeof seq === 'string' ? seq : '';
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB read failed'));
  });
}
