import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { Cursor, ErrorGroup, ErrorGroupPage, ErrorSource, PageLimit } from '@cart/core';
import type { Config } from '../config.ts';
import { ADMIN_SECURITY, adminOnly } from '../http/credentials.ts';
import { HttpProblem } from '../http/problem.ts';
import { ADMIN_READ } from '../http/route-policy.ts';
import type { Storage } from '../storage/port.ts';
import { checkCursor } from './products.ts';

const ErrorsQuery = z.strictObject({
  source: z.optional(ErrorSource),
  cursor: z.optional(Cursor),
  limit: z.optional(PageLimit),
});

const FingerprintParams = z.strictObject({
  fingerprint: z.string().regex(/^[a-f0-9]{16,64}$/, 'must be an error group fingerprint'),
});

/**
 * `/api/admin/errors`: error groups, most recently seen first, and one group with its
 * stack (docs/operations.md#error-tracking), behind the admin credential, checked in `onRequest`.
 */
const adminErrorsRoutes: FastifyPluginAsyncZod<{ storage: Storage; config: Config }> = (
  app,
  { storage, config },
) => {
  app.addHook('onRequest', adminOnly(config));

  app.get(
    '/admin/errors',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['monitoring'],
        operationId: 'listErrorGroups',
        security: ADMIN_SECURITY,
        summary: 'Error groups, most recently seen first',
        description:
          'Every unexpected server failure (5xx other than 503) and every error the web app reported, grouped by fingerprint (source, error class, top application frame, route). Stacks are only in `GET /api/admin/errors/{fingerprint}`.',
        querystring: ErrorsQuery,
        response: { 200: ErrorGroupPage },
      },
    },
    (request) => {
      const { source, cursor, limit } = request.query;
      checkCursor(cursor);
      return storage.listErrorGroups({
        ...(source !== undefined ? { source } : {}),
        cursor: cursor ?? null,
        limit: limit ?? 20,
      });
    },
  );

  app.get(
    '/admin/errors/:fingerprint',
    {
      config: { policy: ADMIN_READ, errors: ['NOT_FOUND'] },
      schema: {
        tags: ['monitoring'],
        operationId: 'getErrorGroup',
        description: 'One error group by its fingerprint, with the stack of its latest occurrence.',
        security: ADMIN_SECURITY,
        summary: 'One error group, with the stack of its latest occurrence',
        params: FingerprintParams,
        response: { 200: ErrorGroup },
      },
    },
    async (request) => {
      const group = await storage.getErrorGroup(request.params.fingerprint);
      if (!group)
        throw new HttpProblem('NOT_FOUND', 'There is no error group with that fingerprint.');
      return group;
    },
  );

  return Promise.resolve();
};

export default adminErrorsRoutes;
