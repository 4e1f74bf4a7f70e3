import type { Config } from '../config.ts';
import type { EventBroker } from './cart-events.ts';
import { PostgresBroker } from './postgres-broker.ts';
import { RedisBroker } from './redis-broker.ts';

/**
 * The fan-out for live events across instances: Redis pub/sub when REDIS_URL is set,
 * else PostgreSQL LISTEN/NOTIFY on PostgreSQL; none on SQLite (one process).
 */
export function createBroker(
  config: Config,
  onError: (error: unknown) => void,
): EventBroker | null {
  if (config.REDIS_URL !== undefined)
    return new RedisBroker(
      config.REDIS_URL,
      onError,
      `${config.REDIS_PREFIX}events`,
      config.REDIS_COMMAND_TIMEOUT_MS,
    );
  if (/^postgres(ql)?:\/\//.test(config.DATABASE_URL))
    return new PostgresBroker(config.DATABASE_URL, onError);
  return null;
}
