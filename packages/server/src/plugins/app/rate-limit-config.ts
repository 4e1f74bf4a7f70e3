import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import { LocalStore, RedisStore } from '../../security/rate-limit-store.ts';
import type { RateLimitOptions } from './rate-limit.ts';

/**
 * A Redis connection for shared counters. Commands fail fast while Redis is away (no
 * offline queue, one retry), so a request never waits on it; ioredis reconnects on its own.
 */
export function connectRedis(url: string, log: FastifyBaseLogger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down)
      log.warn({ err: error }, 'Redis unavailable: rate limits fall back to this instance');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('Redis is back: rate limits are shared again');
    down = false;
  });
  return redis;
}

/** The configured budgets, counted in Redis when there is one, else in memory. */
export function rateLimitOptions(
  config: Config,
  redis: Redis | null,
  log: FastifyBaseLogger,
  onFallback: () => void = () => {},
): RateLimitOptions {
  const local = new LocalStore();
  let warned = 0;
  const store = redis
    ? new RedisStore(
        redis,
        local,
        (error) => {
          onFallback();
          // One line per minute at most while Redis is away, not one per request.
          if (Date.now() - warned > 60_000) {
            warned = Date.now();
            log.warn({ err: error }, 'rate limit counted locally: Redis did not answer');
          }
        },
        `${config.REDIS_PREFIX}rl:`,
      )
    : local;
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  return {
    store,
    client: { name: 'client', quota: config.RATE_LIMIT_CLIENT, windowSeconds },
    cart: { name: 'cart', quota: config.RATE_LIMIT_CART, windowSeconds },
    discountPerCart: {
      name: 'discount-cart',
      quota: config.RATE_LIMIT_DISCOUNT_CART,
      windowSeconds,
    },
    discountPerClient: {
      name: 'discount-client',
      quota: config.RATE_LIMIT_DISCOUNT_CLIENT,
      windowSeconds,
    },
    checkout: { name: 'checkout', quota: config.RATE_LIMIT_CHECKOUT, windowSeconds },
  };
}
