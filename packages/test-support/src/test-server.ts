import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, loadConfig } from '@cart/server';
import { auditKeysFor } from './audit-keys.ts';

export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  adminToken: string;
  /** The SQLite file, when the server runs on SQLite. */
  databasePath: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * The real application on a real socket (127.0.0.1, a free port) over a fresh SQLite
 * database in a temporary folder, removed on close. `env` overrides configuration.
 */
export async function startTestServer(
  options: { env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-test-'));
  const databasePath = join(dir, 'cart.db');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${databasePath}`,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    // Suites share one server and one client address; rate-limit tests turn them on.
    RATE_LIMITS: 'off',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    ...auditKeysFor(options.env?.DATABASE_URL),
    ...options.env,
  });
  const app = await buildApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    adminToken: config.ADMIN_TOKEN ?? TEST_ADMIN_TOKEN,
    databasePath,
    app,
    async close() {
      await app.close(); // closing twice is harmless

      rmSync(dir, { recursive: true, force: true });
    },
  };
}
