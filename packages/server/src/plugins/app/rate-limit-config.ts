import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import { LocalStore, RedisStore } from '../../security/rate-limit-store.ts';
import type { RateLimitBucket } from '../../http/route-policy.ts';
import type { RateLimitOptions, RateLimitPolicy } from './rate-limit.ts';

/**
 * A Redis connection for shared counters. Commands fail fast while Redis is away (no
 * offline queue, one retry), and one that Redis does not answer within
 * `commandTimeoutMs` fails too (a stalled Redis keeps its connection open and answers
 * nothing: without the timeout every request would wait on it for ever). Either way the
 * hit is counted locally (RedisStore); ioredis reconnects on its own.
 */
export function connectRedis(url: string, log: FastifyBaseLogger, commandTimeoutMs = 250): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: commandTimeoutMs,
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
  const policy = (name: RateLimitBucket, quota: number) => ({ name, quota, windowSeconds });
  // The names are the buckets routes declare (http/route-policy.ts) and what the
  // RateLimit-Policy field and the rejection metric call them.
  const policies: Record<RateLimitBucket, RateLimitPolicy> = {
    client: policy('client', config.RATE_LIMIT_CLIENT),
    cart: policy('cart', config.RATE_LIMIT_CART),
    'discount-cart': policy('discount-cart', config.RATE_LIMIT_DISCOUNT_CART),
    'discount-client': policy('discount-client', config.RATE_LIMIT_DISCOUNT_CLIENT),
    checkout: policy('checkout', config.RATE_LIMIT_CHECKOUT),
    'admin-login': policy('admin-login', config.RATE_LIMIT_ADMIN_LOGIN),
  };
  return { store, policies };
}
