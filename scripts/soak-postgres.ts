/**
 * The soak's own PostgreSQL database: created fresh for the run (so nothing of another
 * run or test is read, and the backend kills can target it alone), dropped after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isClosing, onCleanup } from './soak-cleanup.ts';

export interface SoakDatabase {
  name: string;
  /** DATABASE_URL for the servers and `npm run audit:verify`. */
  url: string;
  /** Terminates every connection to it (the servers'); answers how many. */
  terminateBackends(): Promise<number>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `soak_<random>` through `adminUrl`, whose role must be allowed to. */
export async function createDatabase(adminUrl: string): Promise<SoakDatabase> {
  if (isClosing()) throw new Error('no database created: the soak is stopping');
  const name = `soak_${randomBytes(6).toString('hex')}`;
  const drop = async () => {
    // FORCE: a server killed mid-transaction may leave a backend behind for a moment.
    await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  // Registered before it exists, so a Ctrl-C during the CREATE still drops it.
  const unregister = onCleanup(`drop PostgreSQL database ${name}`, drop, {
    kind: 'database',
    adminUrl,
    name,
  });
  try {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    unregister(); // not created: nothing to drop
    throw error;
  }
  if (isClosing()) {
    // The cleanup ran while it was being created: it may have dropped nothing.
    await drop();
    throw new Error('database dropped again: the soak is stopping');
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    terminateBackends: () =>
      withClient(adminUrl, async (c) => {
        const { rows } = await c.query<{ done: boolean }>(
          'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        return rows.filter((r) => r.done).length;
      }),
    drop: async () => {
      unregister();
      await drop();
    },
  };
}
