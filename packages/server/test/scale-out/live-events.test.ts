/**
 * Several instances acting as one: an SSE subscriber connected to instance A sees a
 * change made through instance B (a cart's, or the stock of a product its cart holds) —
 * over Redis pub/sub when REDIS_URL is set, and over PostgreSQL LISTEN/NOTIFY without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import { openEventStream } from '@cart/test-support/http.ts';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../support/postgres.ts';
import { TEST_REDIS_URL, redisUnavailable } from '../support/redis.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const unavailable = (await postgresUnavailable()) ?? (await redisUnavailable());
if (unavailable !== null) console.warn(`skipping the scale-out live-event tests: ${unavailable}`);

async function json<T>(response: Response): Promise<T> {
  expect(response.ok, await response.clone().text()).toBe(true);
  return (await response.json()) as T;
}

const fanOuts: { fanOut: string; env: Record<string, string> }[] = [
  { fanOut: 'Redis pub/sub', env: { REDIS_URL: TEST_REDIS_URL } },
  { fanOut: 'PostgreSQL LISTEN/NOTIFY', env: {} },
];

describe.skipIf(unavailable !== null).each(fanOuts)(
  'live events across two instances ($fanOut)',
  ({ env }) => {
    let schema: TestSchema;
    let a: TestServer;
    let b: TestServer;

    beforeAll(async () => {
      schema = await createTestSchema();
      a = await startTestServer({ env: { ...env, DATABASE_URL: schema.databaseUrl } });
      b = await startTestServer({ env: { ...env, DATABASE_URL: schema.databaseUrl } });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await schema?.drop();
    });

    it('delivers a change made through B to a subscriber on A', async () => {
      const product = await json<{ id: string }>(
        await fetch(`${b.url}/api/admin/products`, {
          method: 'POST',
          headers: { authorization: `Bearer ${b.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            sku: `LIVE-${Date.now()}`,
            name: 'Live',
            description: '',
            price: { amount: 300, currency: 'USD' },
            stock: null,
            maxPerOrder: null,
            imageUrl: null,
          }),
        }),
      );
      const cart = await json<Cart & { token: string }>(
        await fetch(`${a.url}/api/carts`, { method: 'POST' }),
      );
      const auth = { authorization: `Bearer ${cart.token}` };
      const stream = await openEventStream(`${a.url}/api/carts/${cart.id}/events`, auth);
      try {
        expect(stream.status).toBe(200);
        const first = await stream.next(5000);
        expect((JSON.parse(first.data) as Cart).version).toBe(1);

        const changed = await json<Cart>(
          await fetch(`${b.url}/api/carts/${cart.id}/lines`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ productId: product.id, quantity: 2 }),
          }),
        );
        const event = await stream.next(5000);
        expect(event.event).toBe('cart');
        const seen = JSON.parse(event.data) as Cart;
        expect(seen.version).toBe(changed.version);
        expect(seen.lines.map((l) => l.quantity)).toEqual([2]);
      } finally {
        stream.close();
      }
    });

    it('delivers a stock level set through B to a subscriber on A whose cart holds the product', async () => {
      const input = {
        sku: `STOCK-${Date.now()}`,
        name: 'Counted',
        description: '',
        price: { amount: 300, currency: 'USD' },
        stock: 5,
        maxPerOrder: null,
        imageUrl: null,
      };
      const admin = { authorization: `Bearer ${b.adminToken}`, 'content-type': 'application/json' };
      const product = await json<{ id: string }>(
        await fetch(`${b.url}/api/admin/products`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify(input),
        }),
      );
      const cart = await json<Cart & { token: string }>(
        await fetch(`${a.url}/api/carts`, { method: 'POST' }),
      );
      const auth = { authorization: `Bearer ${cart.token}` };
      await json<Cart>(
        await fetch(`${a.url}/api/carts/${cart.id}/lines`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ productId: product.id, quantity: 3 }),
        }),
      );
      const stream = await openEventStream(`${a.url}/api/carts/${cart.id}/events`, auth);
      try {
        expect((await stream.next(5000)).event).toBe('cart');
        await json(
          await fetch(`${b.url}/api/admin/products/${product.id}`, {
            method: 'PUT',
            headers: admin,
            body: JSON.stringify({ ...input, stock: 1 }),
          }),
        );
        const event = await stream.next(5000);
        expect(event.event).toBe('stock');
        expect(JSON.parse(event.data)).toEqual({ productId: product.id, stock: 1 });
      } finally {
        stream.close();
      }
    });
  },
);
