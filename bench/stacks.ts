/**
 * Starting what serves a scenario (its `backend`), fresh for every scenario so that rows
 * do not inherit each other's state or warm caches, and a subset (BENCH_ONLY) measures
 * what the full run measures. SQLite gets a new file per scenario; PostgreSQL scenarios
 * share the run's database (each makes its own products and carts).
 */
import { join } from 'node:path';
import type { BenchDatabase } from './databases.ts';
import { REDIS_URL } from './databases.ts';
import { startCartServer } from './cart-server.ts';
import { startBaselineServer, type ServerProcess } from './processes.ts';
import { ADD_LINE_PRODUCTS, type Backend } from './scenarios.ts';

/** What the run sets up once and the scenarios share. */
export interface RunResources {
  adminToken: string;
  /** AUDIT_KEYS of the PostgreSQL servers (required there; one key for the whole run). */
  auditKeys: string;
  /** REDIS_PREFIX of the run's own, so its keys can be deleted after it. */
  redisPrefix: string;
  /** The run's PostgreSQL database, when PostgreSQL is reachable. */
  postgres: BenchDatabase | null;
}

/**
 * The cart server as measured: production-like (info logs, metrics on, the demo catalog)
 * with the limits a benchmark would trip lifted. Rate limits are off: the load comes from
 * one address and would otherwise be measured as 429s.
 */
function cartEnv(run: RunResources): Record<string, string> {
  return {
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    SEED_DEMO: 'true',
    ADMIN_TOKEN: run.adminToken,
    // add-line keeps adding 1 to lines that exist once a cart has every product.
    MAX_QUANTITY_PER_LINE: '1000000',
    // set-quantity-250-lines builds a 250-line cart; add-line fills carts up to 250.
    MAX_LINES_PER_CART: String(ADD_LINE_PRODUCTS),
  };
}

/** Starts the server(s) of `backend`, logging into `dir`. */
export async function startBackend(
  backend: Backend,
  dir: string,
  run: RunResources,
): Promise<ServerProcess[]> {
  switch (backend) {
    case 'bare':
      return [await startBaselineServer(join(dir, 'baseline.log'))];
    case 'sqlite':
      return [
        await startCartServer(
          { ...cartEnv(run), DATABASE_URL: `sqlite:${join(dir, 'bench.db')}` },
          join(dir, 'server.log'),
        ),
      ];
    case 'postgres':
    case 'postgres+redis': {
      if (run.postgres === null) throw new Error('PostgreSQL is not available');
      const env = { ...cartEnv(run), DATABASE_URL: run.postgres.url, AUDIT_KEYS: run.auditKeys };
      if (backend === 'postgres') return [await startCartServer(env, join(dir, 'server.log'))];
      const shared = { ...env, REDIS_URL, REDIS_PREFIX: run.redisPrefix };
      // One after the other: the second finds the schema migrated.
      const a = await startCartServer(shared, join(dir, 'server-a.log'));
      try {
        return [a, await startCartServer(shared, join(dir, 'server-b.log'))];
      } catch (error) {
        await a.stop();
        throw error;
      }
    }
  }
}
