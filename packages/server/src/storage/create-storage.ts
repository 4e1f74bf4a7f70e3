import type { Config } from '../config.ts';
import type { Storage } from './port.ts';
import { PostgresStorage } from './postgres/postgres-storage.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';

/** Opens the storage that DATABASE_URL names (by its scheme), migrated and ready. */
export async function createStorage(config: Config): Promise<Storage> {
  const url = config.DATABASE_URL;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const storage = new PostgresStorage({
      connectionString: url,
      poolMax: config.DATABASE_POOL_MAX,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
    try {
      await storage.migrate();
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }
  const storage = new SqliteStorage(url.replace(/^sqlite:/, ''));
  await storage.migrate();
  return storage;
}
