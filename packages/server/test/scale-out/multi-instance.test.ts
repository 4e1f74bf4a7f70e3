/**
 * Two server PROCESSES on one PostgreSQL schema and one Redis behave as one service
 * (docs/architecture.md, "Several instances"): no lost update when both change one cart at once, the last
 * unit of stock sold once, live events crossing instances, and one shared rate limit.
 * Each instance is the compiled bundle, packages/server/dist/server.js, started as production
 * starts it (scale-out/processes.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import { openEventStream, sleep } from '@cart/test-support/http.ts';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../support/postgres.ts';
import { TEST_REDIS_URL, redisUnavailable } from '../support/redis.ts';
import {
  createCart,
  createProduct,
  errorLines,
  killAll,
  problemCode,
  send,
  startServer,
  verifyAuditChain,
  type ServerProcess,
} from './processes.ts';

// On CI a missing PostgreSQL or Redis throws here: the file fails, it never skips.
const unavailable = (await postgresUnavailable()) ?? (await redisUnavailable());
if (unavailable !== null) console.warn(`skipping the multi-instance tests: ${unavailable}`);

const RUN = randomBytes(4).toString('hex');

describe.skipIf(unavailable !== null)('two server processes, one PostgreSQL, one Redis', () => {
  let schema: TestSchema | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  const both = () => [a, b];
  /** The instance the i-th request of a load goes to: A, B, A, B… */
  const pick = (i: number) => (i % 2 === 0 ? a : b);
  const env = () => ({
    DATABASE_URL: schema?.databaseUrl ?? '',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `cart-test-${RUN}:`,
    // Load tests: the limiter must not turn accepted work into 429s (its own pair below).
    RATE_LIMITS: 'off',
  });

  beforeAll(async () => {
    schema = await createTestSchema();
    // Started together on an empty schema: their migrations must take turns.
    [a, b] = await Promise.all([startServer('A', env()), startServer('B', env())]);
  }, 120_000);

  afterAll(async () => {
    await killAll();
    await schema?.drop();
  });

  it('200 concurrent adds to one cart over both instances give exactly 200', async () => {
    const product = await createProduct(a.url, `MI-ADD-${RUN}`, null);
    const cart = await createCart(b.url);
    const add = (i: number, server: ServerProcess) =>
      send(server.url, 'POST', `/api/carts/${cart.id}/lines`, {
        token: cart.token,
        headers: { 'idempotency-key': `mi-add-${RUN}-${i}` },
        body: { productId: product.id, quantity: 1 },
        timeoutMs: 30_000,
      });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => add(i, pick(i))));

    // All 200 run at once against one row: they queue on its lock. On a quiet machine
    // every one is accepted at once. On a starved one a request can wait past the pool's
    // connection timeout (5 s) and be refused with 503 UNAVAILABLE and Retry-After: a
    // clean refusal, which the client retries with its key (and which must then count
    // once). Anything else — a 500, a 409, no answer — is a bug.
    const unexpected = answers.filter(
      (r) =>
        r.status !== 200 &&
        !(r.status === 503 && problemCode(r) === 'UNAVAILABLE' && r.headers.has('retry-after')),
    );
    expect(
      unexpected.map((r) => `${r.status} ${r.error ?? r.text}`).slice(0, 5),
      `every add is accepted (or cleanly refused as 503 under overload)\n${errorLines(a, started)}\n${errorLines(b, started)}`,
    ).toEqual([]);
    const shed = answers.filter((r) => r.status === 503).length;
    for (let i = 0; i < answers.length; i += 1) {
      for (let attempt = 1; answers[i]?.status !== 200 && attempt <= 20; attempt += 1) {
        await sleep(250);
        answers[i] = await add(i, pick(i + attempt));
      }
    }
    expect(
      answers.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`),
      `${shed} of 200 were refused at first`,
    ).toEqual([]);
    // Each add was applied exactly once: 200 distinct versions, 2…201, none skipped.
    const versions = answers.map((r) => (r.body as Cart).version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));

    for (const server of both()) {
      const read = await send(server.url, 'GET', `/api/carts/${cart.id}`, { token: cart.token });
      expect(read.status, read.text).toBe(200);
      const stored = read.body as Cart;
      expect(stored.version).toBe(201);
      expect(stored.lines).toHaveLength(1);
      expect(stored.lines[0]?.quantity).toBe(200);
      expect(stored.itemCount).toBe(200);
    }
  }, 60_000);

  it('sells the last unit of stock once when carts race through both instances', async () => {
    const product = await createProduct(b.url, `MI-LAST-${RUN}`, 1);
    const carts = await Promise.all(Array.from({ length: 12 }, (_, i) => createCart(pick(i).url)));
    for (const [i, cart] of carts.entries()) {
      const added = await send(pick(i).url, 'POST', `/api/carts/${cart.id}/lines`, {
        token: cart.token,
        body: { productId: product.id, quantity: 1 },
      });
      expect(added.status, added.text).toBe(200);
    }

    const answers = await Promise.all(
      carts.map((cart, i) =>
        send(pick(i + 1).url, 'POST', `/api/carts/${cart.id}/checkout`, {
          token: cart.token,
          timeoutMs: 20_000,
        }),
      ),
    );
    const sold = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status !== 200);
    expect(sold, answers.map((r) => `${r.status} ${r.error ?? r.text}`).join('\n')).toHaveLength(1);
    for (const r of refused) {
      expect(r.status, r.text).toBe(409);
      expect(problemCode(r), r.text).toBe('OUT_OF_STOCK');
    }

    for (const server of both()) {
      const read = await send(server.url, 'GET', `/api/products/${product.id}`);
      expect(read.status, read.text).toBe(200);
      expect((read.body as { stock: number | null }).stock).toBe(0);
    }
    // The winner is closed; every loser is still an active cart, unchanged.
    for (const [i, cart] of carts.entries()) {
      const read = await send(a.url, 'GET', `/api/carts/${cart.id}`, { token: cart.token });
      const stored = read.body as Cart;
      if (answers[i]?.status === 200) {
        expect(stored.status).toBe('checked_out');
      } else {
        expect(stored.status).toBe('active');
        expect(stored.version).toBe(2);
      }
    }
  }, 60_000);

  it('an SSE subscriber on one instance sees a change made through the other', async () => {
    const product = await createProduct(a.url, `MI-SSE-${RUN}`, null);
    const cart = await createCart(a.url);
    const auth = { authorization: `Bearer ${cart.token}` };
    const onA = await openEventStream(`${a.url}/api/carts/${cart.id}/events`, auth);
    const onB = await openEventStream(`${b.url}/api/carts/${cart.id}/events`, auth);
    try {
      expect(onA.status).toBe(200);
      expect(onB.status).toBe(200);
      expect((JSON.parse((await onA.next(5000)).data) as Cart).version).toBe(1);
      expect((JSON.parse((await onB.next(5000)).data) as Cart).version).toBe(1);

      // B → A
      const viaB = await send(b.url, 'POST', `/api/carts/${cart.id}/lines`, {
        token: cart.token,
        body: { productId: product.id, quantity: 3 },
      });
      expect(viaB.status, viaB.text).toBe(200);
      const seenOnA = await onA.next(5000);
      expect(seenOnA.event).toBe('cart');
      expect(JSON.parse(seenOnA.data)).toMatchObject({ version: 2, itemCount: 3 });

      // A → B
      const viaA = await send(a.url, 'PATCH', `/api/carts/${cart.id}`, {
        token: cart.token,
        body: { note: 'from A' },
      });
      expect(viaA.status, viaA.text).toBe(200);
      // B has seen version 2 (its own change) first.
      expect((JSON.parse((await onB.next(5000)).data) as Cart).version).toBe(2);
      const seenOnB = JSON.parse((await onB.next(5000)).data) as Cart;
      expect(seenOnB).toMatchObject({ version: 3, note: 'from A' });
    } finally {
      onA.close();
      onB.close();
    }
  }, 30_000);

  it('keeps one unbroken audit chain while both instances append to it', async () => {
    const verified = await verifyAuditChain(schema?.databaseUrl ?? '');
    expect(verified.code, verified.output).toBe(0);
    expect(verified.output).toMatch(/audit chain intact: \d+ records/);
  }, 60_000);

  describe('with rate limits on', () => {
    const QUOTA = 6;
    let c: ServerProcess;
    let d: ServerProcess;

    beforeAll(async () => {
      const limited = {
        ...env(),
        REDIS_PREFIX: `cart-test-${RUN}-rl:`,
        RATE_LIMITS: 'on',
        RATE_LIMIT_CLIENT: String(QUOTA),
        RATE_LIMIT_WINDOW_SECONDS: '600',
        DATABASE_POOL_MAX: '2',
      };
      [c, d] = await Promise.all([startServer('C', limited), startServer('D', limited)]);
    }, 120_000);

    it('a client alternating between instances hits one shared limit', async () => {
      const answers = [];
      for (let i = 0; i < QUOTA + 2; i += 1) {
        const server = i % 2 === 0 ? c : d;
        answers.push(await send(server.url, 'GET', '/api/products'));
      }
      // Within the quota, each answer counts the other instance's requests too.
      for (const [i, r] of answers.slice(0, QUOTA).entries()) {
        expect(r.status, r.text).toBe(200);
        expect(r.headers.get('ratelimit')).toMatch(
          new RegExp(`^"client";r=${QUOTA - i - 1};t=\\d+$`),
        );
      }
      // Request QUOTA+1 (on whichever instance) is the first one over: not 2 × QUOTA.
      for (const r of answers.slice(QUOTA)) {
        expect(r.status, r.text).toBe(429);
        expect(problemCode(r)).toBe('RATE_LIMITED');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // /healthz and /readyz are never limited.
      for (const server of [c, d]) {
        expect((await send(server.url, 'GET', '/readyz')).status).toBe(200);
      }
    }, 30_000);
  });
});
