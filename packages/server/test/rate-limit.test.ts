/**
 * Rate limits over real HTTP: they trigger, carry the IETF headers, reset, spare the
 * ops endpoints, stop promo-code brute force, and — on Redis — are one budget across
 * two instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUnavailable, TEST_REDIS_URL } from './support/redis.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('rate limits on one instance', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        RATE_LIMITS: 'on',
        RATE_LIMIT_WINDOW_SECONDS: '2',
        RATE_LIMIT_CLIENT: '8',
        RATE_LIMIT_DISCOUNT_CART: '3',
      },
    });
  });
  afterAll(() => server.close());

  it('answers 429 RATE_LIMITED with Retry-After and the RateLimit fields, then resets', async () => {
    // Start at a window boundary so that all hits fall in one window.
    const first = await fetch(`${server.url}/api/products`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"client";q=8;w=2');
    expect(first.headers.get('ratelimit')).toMatch(/^"client";r=7;t=[12]$/);
    const statuses = [first.status];
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const r = await fetch(`${server.url}/api/products`);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
      else await r.arrayBuffer();
    }
    expect(limited, `statuses ${statuses.join(',')}`).toBeDefined();
    const problem = (await limited!.json()) as { code: string; status: number };
    expect(problem).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(limited!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('ratelimit')).toMatch(/^"client";r=0;t=\d+$/);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);

    await new Promise((resolve) =>
      setTimeout(resolve, Number(limited!.headers.get('retry-after')) * 1000 + 100),
    );
    expect((await fetch(`${server.url}/api/products`)).status).toBe(200);
  });

  it('stops promo-code guessing per cart, also inside batches', async () => {
    await new Promise((resolve) => setTimeout(resolve, 2100)); // a fresh client window
    const cart = (await (await fetch(`${server.url}/api/carts`, { method: 'POST' })).json()) as {
      id: string;
      token: string;
    };
    const auth = { authorization: `Bearer ${cart.token}` };
    const guesses: number[] = [];
    for (const code of ['GUESS1', 'GUESS2', 'GUESS3']) {
      guesses.push(
        (await post(`${server.url}/api/carts/${cart.id}/discounts`, { code }, auth)).status,
      );
    }
    expect(guesses).toEqual([422, 422, 422]);
    const batch = await post(
      `${server.url}/api/carts/${cart.id}/actions`,
      { actions: [{ type: 'applyDiscount', code: 'GUESS4' }] },
      auth,
    );
    expect(batch.status).toBe(429);
    expect(batch.headers.get('ratelimit-policy')).toContain('"discount-cart";q=3;w=2');
    expect(((await batch.json()) as { code: string }).code).toBe('RATE_LIMITED');
  });
});

const unavailable = await redisUnavailable();

describe.skipIf(unavailable !== null)('rate limits shared through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const env = {
      RATE_LIMITS: 'on',
      RATE_LIMIT_WINDOW_SECONDS: '30',
      RATE_LIMIT_CLIENT: '6',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `test-${process.pid}-${Date.now()}:`,
    };
    a = await startTestServer({ env });
    b = await startTestServer({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('gives a client alternating between instances one budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${(i % 2 === 0 ? a : b).url}/api/products`);
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });
});
