import { loadAuditKeyring, type AuditKeyring } from '../audit/keyring.ts';
import type { Config } from '../config.ts';
import type { Storage } from './port.ts';
import { PostgresStorage } from './postgres/storage.ts';
import { SqliteStorage } from './sqlite/storage.ts';

/**
 * Opens the storage that DATABASE_URL names (by its scheme), migrated and ready, with
 * the audit keys the configuration gives (`auditKeys`, to use others: the CLI passes a
 * ring it read without creating a key file). Without keys for PostgreSQL it refuses, with
 * one line saying what to set.
 */
export async function createStorage(config: Config, auditKeys?: AuditKeyring): Promise<Storage> {
  const url = config.DATABASE_URL;
  const keys = auditKeys ?? loadAuditKeyring(config, true);
  if (/^postgres(ql)?:\/\//.test(url)) {
    const storage = new PostgresStorage({
      connectionString: url,
      poolMax: config.DATABASE_POOL_MAX,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      connectionTimeoutMs: config.DATABASE_POOL_WAIT_MS,
      auditKeys: keys,
    });
    try {
      await storage.migrate();
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }
  const storage = new SqliteStorage(url.replace(/^sqlite:/, ''), {
    auditKeys: keys,
    commitWindowMs: config.SQLITE_COMMIT_WINDOW_MS,
    synchronous: config.SQLITE_SYNCHRONOUS,
    stateCacheBytes: config.CART_CACHE_MAX_BYTES,
  });
  await storage.migrate();
  return storage;
}
