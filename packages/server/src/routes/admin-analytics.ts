import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { Analytics, AnalyticsWindow } from '@cart/core';
import type { Config } from '../config.ts';
import { buildAnalytics } from '../domain/analytics.ts';
import { ADMIN_SECURITY, adminOnly } from '../http/credentials.ts';
import { ADMIN_READ } from '../http/route-policy.ts';
import type { Storage } from '../storage/port.ts';

const AnalyticsQuery = z.strictObject({ window: z.optional(AnalyticsWindow) });

/**
 * `/api/admin/analytics`: usage analytics over a window ending now
 * (docs/operations.md#analytics), behind the admin credential, checked in `onRequest`.
 */
const adminAnalyticsRoutes: FastifyPluginAsyncZod<{
  storage: Storage;
  config: Config;
  /** The clock the window ends at. */
  now: () => Date;
}> = (app, { storage, config, now }) => {
  app.addHook('onRequest', adminOnly(config));

  app.get(
    '/admin/analytics',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['monitoring'],
        operationId: 'getAnalytics',
        security: ADMIN_SECURITY,
        summary: 'Usage analytics over a window ending now',
        description:
          'The funnel (distinct carts reaching each step; "checkout_started" counts refused checkouts too), conversion and abandonment rates (a cart counts as abandoned after `abandonAfterSeconds` idle with items), orders, revenue, average order value, checkout attempts (succeeded + refused, refusals by code), lost demand (adds and checkouts refused for stock or a per-order/per-line limit, per product: refusals, units asked, carts) and top products, over the window (`1h`, `24h` — the default —, `7d`, `30d`). No personal data.',
        querystring: AnalyticsQuery,
        response: { 200: Analytics },
      },
    },
    (request) =>
      buildAnalytics(storage, request.query.window ?? '24h', now(), {
        currency: config.CURRENCY,
        abandonAfterSeconds: config.ABANDON_AFTER_SECONDS,
      }),
  );

  return Promise.resolve();
};

export default adminAnalyticsRoutes;
