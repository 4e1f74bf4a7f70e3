/**
 * The PostgreSQL database and Redis of the PostgreSQL scenarios (127.0.0.1 only): a fresh
 * database made for the run and dropped after it, a Redis key prefix of the run's own
 * whose keys are deleted after it. When either cannot be reached, the scenarios that need
 * it are skipped with a line saying why.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

const PG_HOST = '127.0.0.1:5432';
/** The maintenance database, from which the run's database is created and dropped. */
const PG_ADMIN_URL = `postgres://postgres@${PG_HOST}/postgres`;
export const REDIS_URL = 'redis://127.0.0.1:6379';

async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Why PostgreSQL cannot be used, or null when it can. */
export async function postgresUnavailable(): Promise<string | null> {
  try {
    await withPostgres((c) => c.query('SELECT 1'));
    return null;
  } catch (error) {
    return `PostgreSQL is not reachable at ${PG_HOST} as postgres: ${reason(error)}`;
  }
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database `cart_bench_<random>` for this run. */
export async function createPostgresDatabase(): Promise<BenchDatabase> {
  const name = `cart_bench_${randomBytes(6).toString('hex')}`;
  await withPostgres((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: `postgres://postgres@${PG_HOST}/${name}`,
    // FORCE: a server killed mid-run may leave its connections behind for a moment.
    drop: async () => {
      await withPostgres((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

function redisClient(): Redis {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** Why Redis cannot be used, or null when it can. */
export async function redisUnavailable(): Promise<string | null> {
  const client = redisClient();
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis is not reachable at ${REDIS_URL}: ${reason(error)}`;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (the run's own REDIS_PREFIX). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = redisClient();
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
