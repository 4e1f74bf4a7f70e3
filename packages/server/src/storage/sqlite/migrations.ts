/**
 * The SQLite schema's migrations: the numbered SQL files of migrations/, each applied once
 * and in order, in a transaction of its own that also records it in schema_migrations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SERVER_ROOT } from '../../paths.ts';

const MIGRATIONS_DIR = join(SERVER_ROOT, 'src', 'storage', 'sqlite', 'migrations');

/** The numbered SQL files, in order: `001_init.sql`, `002_….sql`… */
function migrationFiles(): { version: number; name: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 3)), name }));
}

/**
 * Applies pending migrations on the writer as it opens, before any statement is prepared
 * against the schema. Each file runs under the write lock (BEGIN IMMEDIATE) with the row
 * that records it; DDL is transactional in SQLite, so a failed file leaves nothing.
 */
export function applyMigrations(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  for (const file of migrationFiles()) {
    if (applied.has(file.version)) continue;
    const sql = readFileSync(join(MIGRATIONS_DIR, file.name), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        file.version,
        file.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}
