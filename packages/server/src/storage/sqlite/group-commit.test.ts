import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

let dir: string;
let writer: Database.Database;
let reader: Database.Database;

const open = (path: string) => {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 0');
  return db;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
  writer = open(join(dir, 'db'));
  writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  reader = open(join(dir, 'db'));
});

afterEach(() => {
  writer.close();
  reader.close();
  rmSync(dir, { recursive: true, force: true });
});

const group = (options: Partial<ConstructorParameters<typeof GroupCommit>[1]> = {}) =>
  new GroupCommit(writer, { windowMs: 0, maxWrites: 100, busyTimeoutMs: 1000, ...options });
const insert = (v: string) => () => writer.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;
const committed = () =>
  (reader.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);

describe('GroupCommit', () => {
  it('commits writes that arrive in one event-loop turn together, and answers each only once that commit is made', async () => {
    const commits = group();
    const settled: string[] = [];
    const writes = ['a', 'b', 'c'].map((v) =>
      commits.write(insert(v)).then(() => {
        // When a write is answered, it is visible to another connection: committed.
        expect(committed()).toContain(v);
        settled.push(v);
      }),
    );
    // Still this turn: nothing is committed, nothing answered.
    expect(committed()).toEqual([]);
    await Promise.resolve();
    expect(settled).toEqual([]);
    await Promise.all(writes);
    expect(settled).toEqual(['a', 'b', 'c']);
    expect(commits.stats).toEqual({ groups: 1, writes: 3 });
  });

  it('rolls back a failing write alone: the others of its group commit', async () => {
    const commits = group();
    const results = await Promise.allSettled([
      commits.write(insert('a')),
      commits.write(() => {
        insert('b')();
        throw new Error('refused half-way');
      }),
      commits.write(insert('a')), // the unique constraint fails, after a's insert in this group
      commits.write(insert('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(committed()).toEqual(['a', 'c']);
    expect(commits.stats).toEqual({ groups: 1, writes: 2 });
  });

  it('commits at once when a group holds maxWrites, and starts another for the rest', async () => {
    const commits = group({ maxWrites: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((v) => commits.write(insert(v))));
    expect(committed()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(commits.stats).toEqual({ groups: 3, writes: 5 });
  });

  it('keeps a group open for windowMs when a window is set', async () => {
    const commits = group({ windowMs: 30 });
    const first = commits.write(insert('a'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = commits.write(insert('b'));
    expect(committed()).toEqual([]);
    await Promise.all([first, second]);
    expect(commits.stats).toEqual({ groups: 1, writes: 2 });
  });

  it('rejects every write of a group whose commit fails, and keeps none of them', async () => {
    let aborted = 0;
    const commits = group({ onAbort: () => aborted++ });
    // A deferred foreign-key violation is only found at COMMIT.
    writer.exec(
      'CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    writer.pragma('foreign_keys = ON');
    const results = await Promise.allSettled([
      commits.write(insert('a')),
      commits.write(() => writer.prepare('INSERT INTO child (t_id) VALUES (999)').run()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(committed()).toEqual([]);
    expect(aborted).toBe(1);
    // The next write opens a fresh group.
    await commits.write(insert('b'));
    expect(committed()).toEqual(['b']);
  });

  it('waits, without blocking the event loop, for a lock another connection holds', async () => {
    const other = open(join(dir, 'db'));
    other.exec('BEGIN IMMEDIATE');
    const commits = group();
    const write = commits.write(insert('a'));
    let settled = false;
    void write.then(() => (settled = true));
    // The loop turns (this timer fires) while the write waits for the lock.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    other.exec('COMMIT');
    await write;
    expect(committed()).toEqual(['a']);
    other.close();
  });

  it('gives up with "database is locked" after busyTimeoutMs, in arrival order', async () => {
    const other = open(join(dir, 'db'));
    other.exec('BEGIN IMMEDIATE');
    const commits = group({ busyTimeoutMs: 40 });
    const results = await Promise.allSettled([
      commits.write(insert('a')),
      commits.write(insert('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/database is locked/);
    other.exec('ROLLBACK');
    await commits.write(insert('c'));
    expect(committed()).toEqual(['c']);
    other.close();
  });

  it('commits an open group on flush (before the database closes)', async () => {
    const commits = group({ windowMs: 10_000 });
    const write = commits.write(insert('a'));
    commits.flush();
    await write;
    expect(committed()).toEqual(['a']);
  });
});
