import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config.ts';
import { TEST_REDIS_URL, redisUnavailable } from '../../../test/support/redis.ts';
import { connectRedis, rateLimitOptions } from './rate-limit-config.ts';

/** A logger whose lines land in `lines`, parsed. */
function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
        callback();
      },
    }),
  );
  return { log, messages: () => lines.map((l) => l.msg) };
}

/** A port nobody listens on: the connection fails, and so does every command. */
const NOBODY = 'redis://127.0.0.1:1';

afterEach(() => vi.useRealTimers());

describe('rateLimitOptions', () => {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    RATE_LIMIT_WINDOW_SECONDS: '30',
    RATE_LIMIT_CLIENT: '101',
    RATE_LIMIT_CART: '102',
    RATE_LIMIT_DISCOUNT_CART: '103',
    RATE_LIMIT_DISCOUNT_CLIENT: '104',
    RATE_LIMIT_CHECKOUT: '105',
    RATE_LIMIT_ADMIN_LOGIN: '106',
  });

  it('gives each bucket its configured quota, under its own name, in one window', () => {
    const { log } = capturedLogger();
    const { policies } = rateLimitOptions(config, null, log);
    expect(policies).toEqual({
      client: { name: 'client', quota: 101, windowSeconds: 30 },
      cart: { name: 'cart', quota: 102, windowSeconds: 30 },
      'discount-cart': { name: 'discount-cart', quota: 103, windowSeconds: 30 },
      'discount-client': { name: 'discount-client', quota: 104, windowSeconds: 30 },
      checkout: { name: 'checkout', quota: 105, windowSeconds: 30 },
      'admin-login': { name: 'admin-login', quota: 106, windowSeconds: 30 },
    });
  });

  it('while Redis does not answer, counts locally and warns once a minute, not once a hit', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { log, messages } = capturedLogger();
    const redis = connectRedis(NOBODY, log);
    let fallbacks = 0;
    const { store } = rateLimitOptions(config, redis, log, () => (fallbacks += 1));
    const warnings = () =>
      messages().filter((m) => m === 'rate limit counted locally: Redis did not answer').length;
    try {
      expect((await store.hit('k', 30_000)).count).toBe(1);
      expect((await store.hit('k', 30_000)).count).toBe(2);
      expect([fallbacks, warnings()]).toEqual([2, 1]);
      vi.setSystemTime(Date.now() + 60_000);
      await store.hit('k', 30_000);
      expect([fallbacks, warnings()]).toEqual([3, 1]);
      vi.setSystemTime(Date.now() + 1);
      await store.hit('k', 30_000);
      expect([fallbacks, warnings()]).toEqual([4, 2]);
    } finally {
      redis.disconnect();
    }
  });
});

const unavailable = await redisUnavailable();

describe.skipIf(unavailable !== null)('connectRedis', () => {
  it('says once that Redis is away, however often it fails, and once that it is back', async () => {
    const { log, messages } = capturedLogger();
    const redis = connectRedis(TEST_REDIS_URL, log);
    const ready = () => new Promise((resolve) => redis.once('ready', resolve));
    try {
      await ready();
      expect(messages()).toEqual([]);
      redis.emit('error', new Error('connection lost'));
      redis.emit('error', new Error('connection lost again'));
      // Reconnecting makes the client ready again, as it does when Redis comes back.
      redis.disconnect(true);
      await ready();
      expect(messages()).toEqual([
        'Redis unavailable: rate limits fall back to this instance',
        'Redis is back: rate limits are shared again',
      ]);
      redis.disconnect(true);
      await ready();
      expect(messages()).toHaveLength(2);
    } finally {
      redis.disconnect();
    }
  });
});
