/**
 * The HTTP contract suite, unchanged, on PostgreSQL: each server the suite starts gets a
 * fresh schema of its own, as each SQLite server gets a fresh database (a server's
 * settings such as TAX_RATE_BPS seed the regions of a new store only), dropped at the end.
 */
import { afterAll, describe } from 'vitest';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../support/postgres.ts';
import { startTestServer } from '@cart/test-support/test-server.ts';
import { defineCartContract } from './cart-contract.ts';

const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping the PostgreSQL contract suite: ${unavailable}`);

describe.skipIf(unavailable !== null)('PostgreSQL', () => {
  const schemas: TestSchema[] = [];
  afterAll(async () => {
    await Promise.all(schemas.map((s) => s.drop()));
  });

  defineCartContract('postgres', async (env) => {
    const schema = await createTestSchema();
    schemas.push(schema);
    return startTestServer({ env: { ...env, DATABASE_URL: schema.databaseUrl } });
  });
});
