import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestSchema,
  postgresUnavailable,
  TEST_AUDIT_KEYS,
} from '../../test/support/postgres.ts';
import { loadConfig } from '../config.ts';
import { createStorage } from './create-storage.ts';

const unavailable = await postgresUnavailable();

describe('createStorage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cart-create-storage-'));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens SQLite for a sqlite: URL, migrated', async () => {
    const storage = await createStorage(
      loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'cart.db')}` }),
    );
    try {
      expect(storage.dialect).toBe('sqlite');
      expect(await storage.countProducts()).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it.skipIf(unavailable !== null)('opens PostgreSQL for a postgres:// URL, migrated', async () => {
    const schema = await createTestSchema();
    const storage = await createStorage(
      loadConfig({
        DATABASE_URL: schema.databaseUrl,
        AUDIT_KEYS: TEST_AUDIT_KEYS,
        DATABASE_POOL_MAX: '3',
        DATABASE_POOL_WAIT_MS: '1234',
      }),
    );
    try {
      expect(storage.dialect).toBe('postgres');
      expect(await storage.countProducts()).toBe(0);
      // The pool as configured: its size, and how long a request waits for a connection.
      const { options } = (storage as unknown as { pool: { options: Record<string, unknown> } })
        .pool;
      expect(options).toMatchObject({ max: 3, connectionTimeoutMillis: 1234 });
    } finally {
      await storage.close();
      await schema.drop();
    }
  });

  it('fails when PostgreSQL cannot be reached, closing what it opened', async () => {
    // Port 1: nothing listens, the connection is refused at once.
    const config = loadConfig({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/test',
      AUDIT_KEYS: TEST_AUDIT_KEYS,
    });
    await expect(createStorage(config)).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
