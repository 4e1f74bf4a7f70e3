import type { Redis } from 'ioredis';

/** The state of one counter after a hit. */
export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/** Counts hits per key in fixed windows. */
export interface RateLimitStore {
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

/**
 * Counters in this process's memory: for one instance, and the fallback while Redis is
 * unreachable. Expired windows are swept as new ones start, so memory stays bounded by
 * the number of active clients.
 */
export class LocalStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    if (now >= this.nextSweep) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
      this.nextSweep = now + 10_000;
    }
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return Promise.resolve({ count: w.count, resetMs: w.resetAt - now });
  }

  get size(): number {
    return this.windows.size;
  }
}

// INCR, and start the window's clock on its first hit; answers the count and the time left.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

/**
 * Counters in Redis, shared by every instance: one atomic script per hit. When Redis
 * cannot answer (down, or stalled past the connection's command timeout), the hit is
 * counted locally instead — limits stay in force per instance rather than failing open —
 * and `onFallback` is told, so that it can be logged and counted. After a failure, hits
 * go straight to the local counter for `retryAfterMs`: a stalled Redis costs one command
 * timeout per second, not one per hit of every request. ioredis reconnects by itself;
 * shared counting resumes when it does.
 */
export class RedisStore implements RateLimitStore {
  private skipUntil = -Infinity;

  constructor(
    private readonly redis: Redis,
    private readonly fallback: RateLimitStore,
    private readonly onFallback: (error: unknown) => void,
    private readonly prefix: string,
    private readonly retryAfterMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    if (this.now() < this.skipUntil) {
      this.onFallback(new Error('Redis failed less than a second ago: counted locally'));
      return this.fallback.hit(key, windowMs);
    }
    try {
      const [count, ttl] = (await this.redis.eval(HIT, 1, this.prefix + key, windowMs)) as [
        number,
        number,
      ];
      return { count, resetMs: ttl };
    } catch (error) {
      this.skipUntil = this.now() + this.retryAfterMs;
      this.onFallback(error);
      return this.fallback.hit(key, windowMs);
    }
  }
}
