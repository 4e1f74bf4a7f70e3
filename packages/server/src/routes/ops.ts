import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Storage } from '../storage/port.ts';

const Health = z.strictObject({ status: z.string() });

/** `/healthz` (the process is up) and `/readyz` (it can serve: the database answers). */
const opsRoutes: FastifyPluginAsyncZod<{ storage: Storage; isDraining: () => boolean }> = (
  app,
  { storage, isDraining },
) => {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Health } } }, () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      if (isDraining())
        return reply.code(503).header('retry-after', '5').send({ status: 'draining' });
      if (!(await storage.ping()))
        return reply.code(503).header('retry-after', '5').send({ status: 'database unavailable' });
      return { status: 'ready' };
    },
  );
  return Promise.resolve();
};

export default opsRoutes;
