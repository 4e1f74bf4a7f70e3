import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { ClientErrorReport } from '@cart/core';
import type { Csrf } from '../http/csrf.ts';
import { HttpProblem } from '../http/problem.ts';
import type { ErrorTracker } from '../observability/error-tracker.ts';
import { clientKey } from '../plugins/app/rate-limit.ts';

/**
 * `POST /api/client-errors`: the web app reports an error it caught, to be grouped with
 * the server's (docs/operations.md#error-tracking). Public, so that it works before any sign-in,
 * and made for `navigator.sendBeacon` (a JSON Blob, no custom headers): it needs no
 * CSRF token, but a browser on another site is refused by its Origin/Sec-Fetch-Site,
 * exactly as creating a cart is, and every report counts against the client's rate
 * limit like any /api request. The report is scrubbed (tokens, emails, secrets) and
 * stored before the answer, 202 with no body.
 *
 * What a report may hold is bounded twice: the schema refuses (400) a message over 1000
 * characters or a stack over 8000, as the web app never sends (it cuts its own reports
 * to those sizes, apps/web/src/report-errors.ts), so a client that does is told rather
 * than silently cut; then the tracker cuts the stack to 50 lines of 1 KiB before it
 * reads it, and reads it in linear time. A report that would start a new group beyond
 * the client's hourly quota or the cap is still answered 202 (a beacon reads no answer)
 * and counted in `cart_error_occurrences_dropped_total`.
 */
const clientErrorsRoutes: FastifyPluginAsyncZod<{ tracker: ErrorTracker; csrf: Csrf }> = (
  app,
  { tracker, csrf },
) => {
  app.post(
    '/client-errors',
    {
      config: {
        policy: {
          auth: 'none',
          csrf: 'origin',
          rateLimit: ['client'],
          idempotent: false,
          body: 'json',
        },
      },
      schema: {
        tags: ['monitoring'],
        operationId: 'reportClientErrors',
        summary: 'Report an error caught in the web app',
        description:
          'Same-origin only (Sec-Fetch-Site or Origin); no CSRF token, so `navigator.sendBeacon` with an `application/json` Blob works. Grouped like server errors, with the page as the route. The stack is cut to 50 lines of 1 KiB before it is read. A report that would start a new group beyond the client’s hourly quota (ERROR_GROUPS_NEW_PER_CLIENT_HOUR) or the cap (ERROR_GROUPS_MAX) is answered 202 but not stored; it still counts in a group that exists.',
        body: ClientErrorReport,
        response: {
          202: z.null().describe('Taken (stored, or dropped by a bound). The answer has no body.'),
        },
      },
      // Before the body is read: a cross-site report is refused whatever it holds.
      onRequest: (request, _reply, done) => {
        if (csrf.sameOrigin(request, false)) return done();
        done(
          new HttpProblem(
            'CSRF_TOKEN_INVALID',
            'Error reports are taken only from the shop’s own pages.',
          ),
        );
      },
    },
    async (request, reply) => {
      // Keyed as the client's rate limit is (an IPv6 client by its /64): it may start a
      // bounded number of new error groups an hour (ERROR_GROUPS_NEW_PER_CLIENT_HOUR).
      await tracker.recordClient(request.body, request.id, clientKey(request.ip));
      // No payload at all (not the JSON `null`): an empty 202.
      return reply.code(202).send(undefined as unknown as null);
    },
  );
  return Promise.resolve();
};

export default clientErrorsRoutes;
