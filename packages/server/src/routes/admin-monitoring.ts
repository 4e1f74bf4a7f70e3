import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { AlertsView, AuditChainStatus, MonitoringSeries } from '@cart/core';
import type { Config } from '../config.ts';
import { ADMIN_SECURITY, adminOnly } from '../http/credentials.ts';
import { HttpProblem } from '../http/problem.ts';
import { ADMIN_READ } from '../http/route-policy.ts';
import type { Monitoring } from '../plugins/app/monitoring.ts';

const SeriesQuery = z.strictObject({
  minutes: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'must be a whole number of minutes, at least 1')
    .transform(Number)
    .optional(),
});

const VerifyQuery = z.strictObject({
  full: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
});

/**
 * The dashboard's live views, behind the admin credential (checked in `onRequest`):
 * `/api/admin/monitoring/series` (the charts), `/api/admin/alerts` (rules and their
 * history) and `/api/admin/audit/verify` (the audit chain's status).
 */
const adminMonitoringRoutes: FastifyPluginAsyncZod<{ monitoring: Monitoring; config: Config }> = (
  app,
  { monitoring, config },
) => {
  app.addHook('onRequest', adminOnly(config));

  app.get(
    '/admin/monitoring/series',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['monitoring'],
        operationId: 'getMonitoringSeries',
        security: ADMIN_SECURITY,
        summary: 'The live request series behind the dashboard charts',
        description:
          'The last `minutes` (default 5) of complete buckets, oldest first: 1-second buckets up to 15 minutes, 1-minute buckets beyond (up to the retention, 6 hours or the longest alert window). Counts this process only; monitoring requests are not counted.',
        querystring: SeriesQuery,
        response: {
          200: z.strictObject({
            ...MonitoringSeries.shape,
            points: MonitoringSeries.shape.points.check(z.maxLength(monitoring.series.maxPoints)),
          }),
        },
      },
    },
    (request) => {
      const minutes = request.query.minutes ?? 5;
      const max = monitoring.series.retentionMinutes;
      if (minutes > max) {
        const message = `must be at most ${max}`;
        throw new HttpProblem('VALIDATION_FAILED', `minutes ${message}.`, {
          errors: [{ path: '/query/minutes', message }],
        });
      }
      return monitoring.series.series(minutes);
    },
  );

  app.get(
    '/admin/alerts',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['monitoring'],
        operationId: 'listAlerts',
        description: 'Every alert rule with its state, and the recent firing/resolved transitions.',
        security: ADMIN_SECURITY,
        summary: 'Alert rules, their state, and recent firing/resolved transitions',
        response: { 200: AlertsView },
      },
    },
    () => monitoring.alerts.view(),
  );

  app.get(
    '/admin/audit/verify',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['monitoring'],
        operationId: 'verifyAuditChain',
        security: ADMIN_SECURITY,
        summary: 'Verifies the audit log hash chain',
        description:
          'Checks the records appended since the last verified one (and that one again); `full=true` walks the whole chain. `records` counts the records that verified, `brokenAtSeq` names the first that does not.',
        querystring: VerifyQuery,
        response: { 200: AuditChainStatus },
      },
    },
    (request) => monitoring.auditChain.verify(request.query.full === 'true'),
  );
  return Promise.resolve();
};

export default adminMonitoringRoutes;
