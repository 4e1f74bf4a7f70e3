import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Csrf } from '../http/csrf.ts';
import { PUBLIC_READ } from '../http/route-policy.ts';

/** `GET /api/csrf`: a signed double-submit token for cookie-authenticated browsers. */
const csrfRoutes: FastifyPluginAsyncZod<{ csrf: Csrf }> = (app, { csrf }) => {
  app.get(
    '/csrf',
    {
      config: { policy: PUBLIC_READ },
      schema: {
        tags: ['carts'],
        operationId: 'getCsrfToken',
        summary: 'A CSRF token for cookie-authenticated changes',
        description:
          'Send it back as `X-CSRF-Token` on every change authenticated by the cart cookie. Also sets the `csrf_token` cookie it is checked against.',
        response: { 200: z.strictObject({ token: z.string().max(256) }) },
      },
    },
    (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return { token: csrf.issue(request, reply) };
    },
  );
  return Promise.resolve();
};

export default csrfRoutes;
