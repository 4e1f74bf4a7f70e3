/**
 * The HTTP contract (docs/api.md, docs/money.md, docs/errors.md) as a black-box suite: every endpoint and every
 * error code (but RATE_LIMITED and UNAVAILABLE), over real HTTP against a real server.
 * It knows nothing of the storage behind the server, so every adapter runs it unchanged:
 *
 *   defineCartContract('sqlite', (env) => startTestServer({ env }));
 *
 * One server is started per describe scope (the default configuration, then one per
 * configuration under test); every test makes its own products, discounts and carts, so
 * tests are independent of each other and of whatever else the server holds.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '@cart/core';
import { defineActionsContract } from './actions-contract.ts';
import { defineAuditContract } from './audit-contract.ts';
import { defineCartsContract } from './carts-contract.ts';
import { defineCatalogAdminContract } from './catalog-admin-contract.ts';
import { defineConcurrencyContract } from './concurrency-contract.ts';
import { defineConfigContract } from './config-contract.ts';
import { defineDiscountsContract } from './discounts-contract.ts';
import { answeredCodes, useServer, type StartServer } from './harness.ts';
import { defineIdempotencyContract } from './idempotency-contract.ts';
import { defineLinesContract } from './lines-contract.ts';
import { defineMergeCheckoutContract } from './merge-checkout-contract.ts';
import { defineProtocolContract } from './protocol-contract.ts';
import { defineRegionsContract } from './regions-contract.ts';

export type { StartServer } from './harness.ts';

export function defineCartContract(label: string, start: StartServer): void {
  describe(`cart HTTP contract (${label})`, () => {
    describe('default configuration', () => {
      const h = useServer(start);
      defineCartsContract(h);
      defineLinesContract(h);
      defineDiscountsContract(h);
      defineActionsContract(h);
      defineMergeCheckoutContract(h);
      defineIdempotencyContract(h);
      defineConcurrencyContract(h);
      defineCatalogAdminContract(h);
      defineAuditContract(h);
      defineProtocolContract(h);
      defineRegionsContract(h);
    });
    defineConfigContract(start);

    describe('the error catalog', () => {
      // Not reachable from outside on purpose: rate limiting and 503 belong to later
      // issues, and a 500 needs a fault the suite cannot cause over HTTP. A 408 takes
      // seconds of a slow socket: test/hardening/sockets-redis-proxies.test.ts has it.
      const untested: ErrorCode[] = ['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL', 'REQUEST_TIMEOUT'];
      it('has had every other code answered by some test above', () => {
        const missing = ERROR_CODES.filter((c) => !untested.includes(c) && !answeredCodes.has(c));
        expect(missing).toEqual([]);
      });
    });
  });
}
