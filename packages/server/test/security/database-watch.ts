/**
 * A read-only second connection to the SQLite file a test server writes, for checking
 * from outside the server what a request did to the data: an exact snapshot of every
 * table (content and schema), and a cheap "did anything commit?" probe.
 */
import Database from 'better-sqlite3';

/** Every table's rows (as one canonical string each) plus the schema, by name. */
export type Snapshot = ReadonlyMap<string, string>;

const SCHEMA_KEY = '(schema)';

interface TableContent {
  n: number;
  c: string | null;
}
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class DatabaseWatch {
  private readonly db: Database.Database;
  private readonly schema: Database.Statement<[], { s: string | null }>;

  /**
   * `exclude`: tables left out of snapshots (e.g. idempotency_keys). `summarizeAppendOnly`:
   * take the shortcut below for tables that can only grow (false: every row, always).
   */
  constructor(
    path: string,
    private readonly exclude: ReadonlySet<string> = new Set(),
    private readonly summarizeAppendOnly = false,
  ) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    this.schema = this.db.prepare(
      "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(30)) AS s FROM (SELECT * FROM sqlite_master ORDER BY type, name)",
    );
  }

  /**
   * SQLite's `PRAGMA data_version`: it changes exactly when another connection has
   * committed a change to the file since this connection last asked. Equal values
   * before and after a request prove that the request committed nothing at all.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Names of the tables in the file (sqlite_* internals included), sorted. */
  tables(): string[] {
    const rows = this.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all();
    return rows.map((r) => r.name).sort();
  }

  /**
   * Every row of every table but the excluded ones, each table as one string built in
   * SQLite (`quote()` of every column, rows in storage order: by rowid, or by primary
   * key for a WITHOUT ROWID table), plus the schema itself: two snapshots are equal
   * exactly when no row, column or table differs. (Append-only tables are summed up by
   * their count and newest row: see below.)
   */
  snapshot(): Snapshot {
    const schema = this.schema.get()?.s ?? '';
    if (this.plan?.schema !== schema) this.plan = { schema, tables: this.planTables() };
    const out = new Map<string, string>([[SCHEMA_KEY, schema]]);
    for (const [table, statement] of this.plan.tables) {
      const content = statement.get();
      out.set(table, `${content?.n ?? 0}\u001e${content?.c ?? ''}`);
    }
    return out;
  }

  private plan: {
    schema: string;
    tables: [string, Database.Statement<[], TableContent>][];
  } | null = null;

  /** One prepared query per table, made again whenever the schema changes. */
  private planTables(): [string, Database.Statement<[], TableContent>][] {
    const appendOnly = this.summarizeAppendOnly ? this.appendOnlyTables() : new Set<string>();
    return this.tables()
      .filter((table) => !this.exclude.has(table))
      .map((table) => {
        const columns = this.db
          .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
          .all(table)
          .map((c) => `quote(${quoteIdent(c.name)})`);
        const row = columns.join(' || char(31) || ');
        const from = quoteIdent(table);
        // A table whose triggers refuse every UPDATE and DELETE can only grow (the
        // triggers are part of the schema above, so dropping one shows as a change): its
        // row count and its newest row stand for all of it. (An INSERT OR REPLACE could
        // still swap a row without firing the DELETE trigger; the server never does.)
        const sql = appendOnly.has(table)
          ? `SELECT count(*) AS n, (SELECT ${row} FROM ${from} ORDER BY rowid DESC LIMIT 1) AS c FROM ${from}`
          : `SELECT count(*) AS n, group_concat(r, char(30)) AS c FROM (SELECT ${row} AS r FROM ${from})`;
        return [table, this.db.prepare<[], TableContent>(sql)];
      });
  }

  /** Tables with unconditional BEFORE UPDATE and BEFORE DELETE triggers that abort. */
  private appendOnlyTables(): Set<string> {
    const triggers = this.db
      .prepare<[], { tbl_name: string; sql: string }>(
        "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
      )
      .all();
    const refuses = (table: string, verb: string) =>
      triggers.some(
        (t) =>
          t.tbl_name === table &&
          new RegExp(`\\bBEFORE\\s+${verb}\\s+ON\\b`, 'i').test(t.sql) &&
          /RAISE\s*\(\s*ABORT/i.test(t.sql) &&
          !/\bWHEN\b/i.test(t.sql),
      );
    return new Set(
      triggers.map((t) => t.tbl_name).filter((t) => refuses(t, 'UPDATE') && refuses(t, 'DELETE')),
    );
  }

  /** Names of the tables (or "(schema)") whose content differs between two snapshots. */
  static diff(before: Snapshot, after: Snapshot): string[] {
    const names = new Set([...before.keys(), ...after.keys()]);
    return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
  }

  /** Runs a read-only query (for tests that look at particular rows). */
  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }

  /** `PRAGMA integrity_check`: "ok" when the file's structure is sound. */
  integrity(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  close(): void {
    this.db.close();
  }
}
