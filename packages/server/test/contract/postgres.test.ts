/**
 * The HTTP contract suite, unchanged, on PostgreSQL: one fresh schema for this file,
 * shared by every server the suite starts (the suite's tests make their own data), and
 * dropped at the end.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../support/postgres.ts';
import { startTestServer } from '@cart/test-support/test-server.ts';
import { defineCartContract } from './cart-contract.ts';

const unavailable = await postgresUnavailable();
if (unavailable !== null) console.warn(`skipping the PostgreSQL contract suite: ${unavailable}`);

describe.skipIf(unavailable !== null)('PostgreSQL', () => {
  let schema: TestSchema | undefined;
  beforeAll(async () => {
    schema = await createTestSchema();
  });
  afterAll(async () => {
    await schema?.drop();
  });

  defineCartContract('postgres', (env) => {
    if (!schema) throw new Error('the test schema was not created');
    return startTestServer({ env: { ...env, DATABASE_URL: schema.databaseUrl } });
  });
});
