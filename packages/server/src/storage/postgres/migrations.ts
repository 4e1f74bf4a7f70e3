/**
 * The PostgreSQL schema's migrations: the numbered SQL files of migrations/, applied in
 * order under an advisory lock, in the schema the connection's search_path names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { SERVER_ROOT } from '../../paths.ts';

const MIGRATIONS_DIR = join(SERVER_ROOT, 'src', 'storage', 'postgres', 'migrations');

/**
 * Advisory-lock class of migrations (the two-int form; the object is the schema's name
 * hashed): instances migrating one schema take turns, other schemas are not held up.
 */
const MIGRATION_LOCK_CLASS = 0x6361_726d; // "carm"

/** The numbered SQL files, in order: `001_init.sql`, `002_….sql`… */
function migrationFiles(): { version: number; name: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name }));
}

/** `"My ""odd"" name"` → `My "odd" name`; an unquoted name folds to lower case, as in SQL. */
function unquoteIdentifier(text: string): string {
  const t = text.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2
    ? t.slice(1, -1).replaceAll('""', '"')
    : t.toLowerCase();
}

/** The first entry of a search_path setting (`a, "b c"` → `a`), unquoted; null when empty. */
export function firstSearchPathEntry(searchPath: string): string | null {
  const match = /^\s*("(?:[^"]|"")*"|[^,]*)/.exec(searchPath);
  const entry = match?.[1]?.trim() ?? '';
  return entry === '' ? null : unquoteIdentifier(entry);
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The schema this connection creates tables in: the first one its search_path names,
 * created now if it does not exist yet (so a `search_path` in the connection string is
 * all an operator has to give), or, for the default `"$user", public`, the first of those
 * that exists.
 */
async function targetSchema(client: pg.ClientBase): Promise<{ name: string; exists: boolean }> {
  const { rows } = await client.query<{ current: string | null; path: string }>(
    "SELECT current_schema() AS current, current_setting('search_path') AS path",
  );
  const current = rows[0]?.current ?? null;
  const first = firstSearchPathEntry(rows[0]?.path ?? '');
  if (first !== null && first !== '$user') return { name: first, exists: first === current };
  if (current === null) {
    throw new Error('no schema to migrate: search_path names no schema that exists');
  }
  return { name: current, exists: true };
}

/**
 * Applies pending migrations on `client`, which must be inside a transaction. Every step
 * runs under a transaction-scoped advisory lock, so two instances starting at once take
 * turns: the second sees the first's schema_migrations rows once it gets the lock, and
 * applies nothing twice. DDL is transactional in PostgreSQL: a failed file leaves nothing.
 */
export async function applyMigrations(client: pg.ClientBase): Promise<void> {
  const schema = await targetSchema(client);
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
    MIGRATION_LOCK_CLASS,
    schema.name,
  ]);
  if (!schema.exists) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema.name)}`);
  }
  await client.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.version));
  for (const file of migrationFiles()) {
    if (applied.has(file.version)) continue;
    // No parameters: sent as a simple query, so one file may hold many statements.
    await client.query(readFileSync(join(MIGRATIONS_DIR, file.name), 'utf8'));
    await client.query(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
      [file.version, file.name, new Date().toISOString()],
    );
  }
}
