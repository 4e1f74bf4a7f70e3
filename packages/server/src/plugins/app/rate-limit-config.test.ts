import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config.ts';
import { TEST_REDIS_URL, redisUnavailable } from '../../../test/support/redis.ts';
import { connectRedis, rateLimitOptions } from './rate-limit-config.ts';

interface LogLine {
  level: number;
  msg: string;
  err?: { message: string };
}

/** A logger whose lines land in `lines`, parsed. */
function capturedLogger() {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString('utf8')) as LogLine);
        callback();
      },
    }),
  );
  return { log, lines, messages: () => lines.map((l) => l.msg) };
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
    const { log, lines, messages } = capturedLogger();
    const redis = connectRedis(NOBODY, log);
    let fallbacks = 0;
    const { store } = rateLimitOptions(config, redis, log, () => (fallbacks += 1));
    const warnings = () =>
      messages().filter((m) => m === 'rate limit counted locally: Redis did not answer').length;
    try {
      expect((await store.hit('k', 30_000)).count).toBe(1);
      expect((await store.hit('k', 30_000)).count).toBe(2);
      expect([fallbacks, warnings()]).toEqual([2, 1]);
      // The warning carries the error that made the hit local.
      const warning = lines.find(
        (l) => l.msg === 'rate limit counted locally: Redis did not answer',
      );
      expect(warning?.err?.message).toEqual(expect.any(String));
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
  it('counts in Redis under the configured prefix', async () => {
    const prefix = `test:${process.pid}:${Date.now()}:`;
    const key = `${prefix}rl:client:192.0.2.1`;
    const { log } = capturedLogger();
    const redis = connectRedis(TEST_REDIS_URL, log);
    // Commands fail rather than wait while the client connects (no offline queue).
    await new Promise((resolve) => redis.once('ready', resolve));
    try {
      const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', REDIS_PREFIX: prefix });
      const { store } = rateLimitOptions(config, redis, log);
      expect((await store.hit('client:192.0.2.1', 30_000)).count).toBe(1);
      expect(await redis.get(key)).toBe('1');
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });

  it('says once that Redis is away, however often it fails, and once that it is back', async () => {
    const { log, lines, messages } = capturedLogger();
    const redis = connectRedis(TEST_REDIS_URL, log);
    const ready = () => new Promise((resolve) => redis.once('ready', resolve));
    try {
      await ready();
      expect(messages()).toEqual([]);
      redis.emit('error', new Error('connection lost'));
      expect(lines).toMatchObject([
        {
          msg: 'Redis unavailable: rate limits fall back to this instance',
          err: { message: 'connection lost' },
        },
      ]);
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
