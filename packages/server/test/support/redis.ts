import { Redis } from 'ioredis';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Why Redis tests cannot run here, or null when they can. On CI an unreachable Redis
 * throws instead: those tests must fail, never skip.
 */
export async function redisUnavailable(): Promise<string | null> {
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    const message = `Redis is not reachable at ${TEST_REDIS_URL}: ${String(error)}`;
    if (process.env.CI === 'true') throw new Error(message, { cause: error });
    return message;
  } finally {
    client.disconnect();
  }
}
