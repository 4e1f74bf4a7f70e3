import type { Config } from '../config.ts';
import type { Storage } from './port.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';

/** Opens the storage that DATABASE_URL names, migrated and ready. */
export async function createStorage(config: Config): Promise<Storage> {
  const path = config.DATABASE_URL.replace(/^sqlite:/, '');
  const storage = new SqliteStorage(path);
  await storage.migrate();
  return storage;
}
