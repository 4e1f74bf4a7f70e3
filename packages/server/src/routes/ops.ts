import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Storage } from '../storage/port.ts';

const Health = z.strictObject({
  status: z.enum(['ok', 'ready', 'draining', 'database unavailable']),
  redis: z
    .enum(['ok', 'degraded'])
    .optional()
    .describe('With REDIS_URL: whether Redis answered within REDIS_COMMAND_TIMEOUT_MS.'),
});

/**
 * `/healthz` (the process is up) and `/readyz` (it can serve: the database answers).
 *
 * With Redis, `/readyz` also says whether Redis answers (`redis: "ok"` or `"degraded"`),
 * but stays 200 when it does not: this instance still serves, counting rate limits
 * locally, and Redis is shared by every instance — failing readiness on it would take
 * them all out of the load balancer at once and turn a degraded shop into a closed one.
 */
const opsRoutes: FastifyPluginAsyncZod<{
  storage: Storage;
  isDraining: () => boolean;
  /** Pings Redis (bounded by its command timeout); null without REDIS_URL. */
  redisAnswers?: (() => Promise<boolean>) | null;
}> = (app, { storage, isDraining, redisAnswers = null }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        hide: true,
        response: { 200: Health },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        hide: true,
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      if (isDraining())
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ status: 'draining' as const });
      const [database, redis] = await Promise.all([
        storage.ping(),
        redisAnswers?.() ?? Promise.resolve(null),
      ]);
      if (!database)
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ status: 'database unavailable' as const });
      if (redis === null) return { status: 'ready' as const };
      return { status: 'ready' as const, redis: redis ? ('ok' as const) : ('degraded' as const) };
    },
  );
  return Promise.resolve();
};

export default opsRoutes;
