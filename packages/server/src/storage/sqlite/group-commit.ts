import type Database from 'better-sqlite3';

/**
 * Group commit for SQLite with `synchronous = FULL`: writes that arrive together share
 * one transaction, so one commit and one fsync, instead of one fsync each.
 *
 * The first write opens the group (`BEGIN IMMEDIATE`, which takes the write lock); each
 * write, that one included, runs in a savepoint of its own, so it is atomic and isolated:
 * what it throws rolls back its savepoint only, and rejects its own promise at once.
 * The group commits at the end of the event-loop turn in which it was opened
 * (`setImmediate`), or `windowMs` later when a window is set, or at once when it holds
 * `maxWrites`. Only then, once the commit has returned (and so is on disk), is each write's
 * promise resolved: nothing is acknowledged before it is durable. If the commit fails,
 * every write of the group is rejected and nothing of it is kept.
 *
 * better-sqlite3 is synchronous, so a write runs start to finish without yielding, and
 * writes in one process are serialized by construction; each sees the writes before it
 * in its group (they commit together, or not at all). Reads that must only see what is
 * committed use another connection (connection.ts).
 *
 * When another connection holds the write lock (another process on the same file, or
 * another adapter in this one), writes wait for it without blocking the event loop: the
 * group is opened again every few milliseconds, up to `busyTimeoutMs`, after which they
 * fail with SQLite's own "database is locked". (Waiting inside SQLite, as its busy
 * timeout does, would stall every request of the process, and could never end when the
 * holder is this process's own group, which commits on this event loop.)
 */
export class GroupCommit {
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** Writes waiting for the write lock, in arrival order, and since when. */
  private blocked: {
    work: () => unknown;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private blockedSince = 0;
  private retry: NodeJS.Timeout | null = null;
  /** Groups committed and writes in them, for the storage's metrics and the tests. */
  readonly stats = { groups: 0, writes: 0 };

  /** The transaction statements, prepared once (db.exec would parse each every time). */
  private readonly sql;

  constructor(
    private readonly db: Database.Database,
    private readonly options: {
      windowMs: number;
      maxWrites: number;
      busyTimeoutMs: number;
      /** Told when a group's writes are undone (its commit failed, or SQLite rolled it back). */
      onAbort?: () => void;
    },
  ) {
    const prepare = (text: string) => db.prepare(text);
    this.sql = {
      begin: prepare('BEGIN IMMEDIATE'),
      savepoint: prepare('SAVEPOINT w'),
      release: prepare('RELEASE w'),
      rollbackTo: prepare('ROLLBACK TO w'),
      commit: prepare('COMMIT'),
      rollback: prepare('ROLLBACK'),
    };
  }

  /** Runs `work` as one atomic write in the current group; settles once its group is durable. */
  write<T>(work: () => T): Promise<T> {
    try {
      if (this.blocked.length === 0 && this.open()) return this.inGroup(work);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<T>((resolve, reject) => {
      if (this.blocked.length === 0) this.blockedSince = Date.now();
      this.blocked.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.retry ??= setTimeout(() => this.unblock(), 2);
    });
  }

  /** Commits the open group now, if there is one (before closing the database). */
  flush(): void {
    if (this.timer !== null) this.commit();
  }

  private inGroup<T>(work: () => T): Promise<T> {
    this.sql.savepoint.run();
    let value: T;
    try {
      value = work();
    } catch (error) {
      this.undo();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.sql.release.run();
    const done = new Promise<T>((resolve, reject) =>
      this.waiting.push({ resolve: () => resolve(value), reject }),
    );
    if (this.waiting.length >= this.options.maxWrites) this.commit();
    return done;
  }

  /** Opens a group unless one is open: false when another connection holds the lock. */
  private open(): boolean {
    if (this.timer !== null) return true;
    try {
      this.sql.begin.run();
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return false;
      throw error;
    }
    this.timer =
      this.options.windowMs > 0
        ? setTimeout(() => this.commit(), this.options.windowMs)
        : setImmediate(() => this.commit());
    return true;
  }

  /** Tries again to open a group for the blocked writes; gives up after busyTimeoutMs. */
  private unblock(): void {
    this.retry = null;
    while (this.blocked.length > 0) {
      let opened: boolean;
      try {
        opened = this.open();
      } catch (error) {
        this.failBlocked(error);
        return;
      }
      if (!opened) break;
      // One at a time: a group that fills up commits, and the next write opens another.
      const b = this.blocked.shift()!;
      this.inGroup(b.work).then(b.resolve, b.reject);
    }
    if (this.blocked.length === 0) return;
    const waited = Date.now() - this.blockedSince;
    if (waited >= this.options.busyTimeoutMs)
      this.failBlocked(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    else this.retry = setTimeout(() => this.unblock(), Math.min(50, 2 + waited / 10));
  }

  private failBlocked(error: unknown): void {
    for (const b of this.blocked.splice(0)) b.reject(error);
  }

  /**
   * Rolls back the failed write's savepoint. Some errors (a full disk, an I/O error) make
   * SQLite roll back the whole transaction itself: then the group's earlier writes are
   * gone too, and each of them is rejected with that error.
   */
  private undo(): void {
    if (this.db.inTransaction) {
      this.sql.rollbackTo.run();
      this.sql.release.run();
      return;
    }
    this.settle(new Error('the database rolled back the transaction after a failed write'));
  }

  private commit(): void {
    try {
      this.sql.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.sql.rollback.run();
      this.settle(error);
      return;
    }
    this.stats.groups++;
    this.stats.writes += this.waiting.length;
    this.settle(null);
  }

  /** Ends the group: every write in it resolved (committed) or rejected with `error`. */
  private settle(error: unknown): void {
    if (error !== null) this.options.onAbort?.();
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = null;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
  }
}
