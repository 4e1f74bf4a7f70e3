import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, redisUnavailable } from '../../test/support/redis.ts';
import { LocalStore, RedisStore } from './rate-limit-store.ts';

describe('LocalStore', () => {
  it('counts hits in fixed windows per key and resets when the window ends', async () => {
    let now = 1_000_000;
    const store = new LocalStore(() => now);
    expect(await store.hit('a', 1000)).toEqual({ count: 1, resetMs: 1000 });
    now += 400;
    expect(await store.hit('a', 1000)).toEqual({ count: 2, resetMs: 600 });
    expect(await store.hit('b', 1000)).toEqual({ count: 1, resetMs: 1000 });
    now += 600;
    expect(await store.hit('a', 1000)).toEqual({ count: 1, resetMs: 1000 });
  });

  it('forgets expired windows so memory stays bounded', async () => {
    let now = 0;
    const store = new LocalStore(() => now);
    for (let i = 0; i < 100; i++) await store.hit(`k${i}`, 1000);
    expect(store.size).toBe(100);
    now = 20_000;
    await store.hit('fresh', 1000);
    expect(store.size).toBe(1);
  });

  it('sweeps at most every 10 s, and only windows that have ended', async () => {
    let now = 0;
    const store = new LocalStore(() => now);
    await store.hit('short', 1000);
    await store.hit('ending', 10_000);
    await store.hit('long', 60_000);
    // 'short' has ended, but the next sweep is not due before 10 s: hits stay cheap.
    now = 2000;
    await store.hit('other', 60_000);
    expect(store.size).toBe(4);
    // Due at exactly 10 s: 'short' goes, and so does 'ending', whose window ends now; the
    // windows still running stay and keep counting.
    now = 10_000;
    expect(await store.hit('long', 60_000)).toEqual({ count: 2, resetMs: 50_000 });
    expect(store.size).toBe(2);
  });
});

const unavailable = await redisUnavailable();

describe.skipIf(unavailable !== null)('RedisStore', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `test:${process.pid}:${Date.now()}:`;
  /** A client of a port nobody listens on: every command fails at once. */
  const deadRedis = () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    return dead;
  };
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('shares one counter between stores (instances)', async () => {
    const fallbacks: unknown[] = [];
    const a = new RedisStore(redis, new LocalStore(), (e) => fallbacks.push(e), prefix);
    const b = new RedisStore(redis, new LocalStore(), (e) => fallbacks.push(e), prefix);
    expect((await a.hit('shared', 5000)).count).toBe(1);
    expect((await b.hit('shared', 5000)).count).toBe(2);
    const third = await a.hit('shared', 5000);
    expect(third.count).toBe(3);
    expect(third.resetMs).toBeGreaterThan(0);
    expect(third.resetMs).toBeLessThanOrEqual(5000);
    expect(fallbacks).toEqual([]);
  });

  it('counts locally, and says so, when Redis does not answer', async () => {
    const dead = deadRedis();
    const fallbacks: unknown[] = [];
    const store = new RedisStore(dead, new LocalStore(), (e) => fallbacks.push(e), prefix);
    expect((await store.hit('x', 1000)).count).toBe(1);
    expect((await store.hit('x', 1000)).count).toBe(2);
    expect(fallbacks).toHaveLength(2);
    dead.disconnect();
  });

  it('after a failure, counts locally for retryAfterMs without asking Redis, then asks again', async () => {
    let now = 0;
    const dead = deadRedis();
    const fallbacks: string[] = [];
    const store = new RedisStore(
      dead,
      new LocalStore(() => now),
      (e) => fallbacks.push((e as Error).message),
      prefix,
      1000,
      () => now,
    );
    const skipped = 'Redis failed less than a second ago: counted locally';
    expect((await store.hit('k', 5000)).count).toBe(1);
    now = 999;
    expect((await store.hit('k', 5000)).count).toBe(2);
    now = 1000;
    expect((await store.hit('k', 5000)).count).toBe(3);
    // Asked, skipped within the second, asked again once it had passed.
    expect(fallbacks).toHaveLength(3);
    expect(fallbacks.map((m) => m === skipped)).toEqual([false, true, false]);
    dead.disconnect();
  });
});
