/**
 * PostgreSQL for tests: the development and CI database (127.0.0.1:5432, trust auth,
 * database `test`), one fresh schema per test file, dropped after it.
 *
 * When the database cannot be reached, tests on a developer's machine are skipped with a
 * message saying why; on CI (`CI=true`) the same situation is an error, so a missing
 * database can never turn a red suite green by skipping it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const HOST = '127.0.0.1';
const PORT = 5432;
const DATABASE = 'test';
/** Roles tried in order: the usual superuser, then the one some images create instead. */
const USERS = ['postgres', 'root'] as const;

export interface TestSchema {
  /** DATABASE_URL of the schema (chosen through `search_path` in `options`). */
  databaseUrl: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

// Shared with the test servers of @cart/test-support, which start on PostgreSQL too.
export { TEST_AUDIT_KEYS, auditKeysFor } from '@cart/test-support/audit-keys.ts';

const serverUrl = (user: string) => `postgres://${user}@${HOST}:${PORT}/${DATABASE}`;

/** The URL of `schema` for `user`: `?options=-c search_path=<schema>`, URL-encoded. */
export function schemaUrl(user: string, schema: string): string {
  return `${serverUrl(user)}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

let found: Promise<string | Error> | undefined;

/** The first role that can log in, or why none could. Tried once per test file. */
function findUser(): Promise<string | Error> {
  found ??= (async () => {
    let last: unknown;
    for (const user of USERS) {
      const client = new pg.Client({
        connectionString: serverUrl(user),
        connectionTimeoutMillis: 3000,
      });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return user;
      } catch (error) {
        last = error;
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const reason = last instanceof Error ? last.message : String(last);
    return new Error(
      `PostgreSQL is not reachable at ${HOST}:${PORT}/${DATABASE} as ${USERS.join(' or ')}: ${reason}`,
    );
  })();
  return found;
}

/**
 * Why PostgreSQL tests cannot run here, or null when they can. On CI an unreachable
 * database throws instead: those tests must fail, never skip.
 */
export async function postgresUnavailable(): Promise<string | null> {
  const user = await findUser();
  if (typeof user === 'string') return null;
  if (process.env.CI === 'true') throw user;
  return user.message;
}

async function withClient<T>(user: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: serverUrl(user),
    connectionTimeoutMillis: 3000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh name `cart_test_<random>`; the schema itself is not created. */
export function newSchemaName(): string {
  return `cart_test_${randomBytes(6).toString('hex')}`;
}

/**
 * Creates a fresh schema `cart_test_<random>` in database `test` and returns a
 * DATABASE_URL that points at it. Throws when PostgreSQL is unreachable (see
 * `postgresUnavailable` for skipping on a developer's machine).
 */
export async function createTestSchema(): Promise<TestSchema> {
  const user = await findUser();
  if (typeof user !== 'string') throw user;
  const schema = newSchemaName();
  await withClient(user, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return {
    schema,
    databaseUrl: schemaUrl(user, schema),
    drop: () => dropSchema(schema),
  };
}

/** Drops a schema made by these helpers (or by an adapter migrating a new one). */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^cart_test_[0-9a-f]+$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  const user = await findUser();
  if (typeof user !== 'string') throw user;
  await withClient(user, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** The role the tests log in as (after a successful `postgresUnavailable()` check). */
export async function testUser(): Promise<string> {
  const user = await findUser();
  if (typeof user !== 'string') throw user;
  return user;
}
