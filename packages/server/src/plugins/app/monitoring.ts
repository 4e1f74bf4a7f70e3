import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { AlertEngine } from '../../alerts/engine.ts';
import { longestWindow } from '../../alerts/rules.ts';
import { AlertWebhook } from '../../alerts/webhook.ts';
import { AuditChainMonitor } from '../../audit/chain-monitor.ts';
import type { Config } from '../../config.ts';
import { pathOf } from '../../http/problem.ts';
import { RequestSeries } from '../../observability/request-series.ts';
import type { Storage } from '../../storage/port.ts';

export interface Monitoring {
  /** The live request series (also a cart observer: add it to the app's observers). */
  series: RequestSeries;
  alerts: AlertEngine;
  auditChain: AuditChainMonitor;
}

declare module 'fastify' {
  interface FastifyInstance {
    monitoring: Monitoring;
  }
}

export interface MonitoringOptions {
  storage: Storage;
  config: Config;
}

/** Audit records verified between two turns of the event loop (about 2 ms of HMACs). */
const AUDIT_CHECK_PAGE = 100;
/**
 * What the operators' surfaces and probes are: their requests are not shop traffic, so
 * a dashboard polling every second neither inflates the request rate nor dilutes the
 * error ratio. (Prometheus' own histogram counts them, by route, and the rules in
 * ops/prometheus filter them out the same way.)
 */
const NOT_SHOP_TRAFFIC =
  /^\/(?:metrics|healthz|readyz)$|^\/(?:dashboard|docs)(?:\/|$)|^\/api\/admin\/(?:monitoring|alerts|audit|errors|analytics|session)(?:\/|$)/;

/** Event streams stay open for minutes: their duration says nothing about speed. */
const STREAMING_ROUTES = new Set(['/api/carts/:id/events']);

/** The route template of a request, or its path when no route matched. */
const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? pathOf(request.url);

/** Whether a request counts in the live series. */
const isShopTraffic = (route: string) => !NOT_SHOP_TRAFFIC.test(route);

/**
 * The live monitoring of one app: the request series fed by every answer, the alert
 * engine and the audit-chain monitor, with their gauges (`cart_alerts_firing{rule}`,
 * `cart_audit_chain_intact`) in the app's registry. Once the app is ready, the chain is
 * verified in full in the background (a long chain never delays `listen`, and the walk
 * lets requests through between pages); the rules are evaluated from then until close.
 */
export default fp(
  (app: FastifyInstance, { storage, config }: MonitoringOptions) => {
    const rules = config.ALERT_RULES;
    const series = new RequestSeries({
      coarseMinutes: Math.max(360, Math.ceil(longestWindow(rules) / 60)),
    });
    const firing = new Gauge({
      name: 'cart_alerts_firing',
      help: 'Whether each alert rule is firing (1) or not (0), as evaluated in this process.',
      labelNames: ['rule'] as const,
      registers: [app.metrics],
    });
    const intact = new Gauge({
      name: 'cart_audit_chain_intact',
      help: 'Whether the audit log hash chain verified at the last check (1) or not (0); NaN before the first.',
      registers: [app.metrics],
    });
    intact.set(NaN);
    // The check runs in the server's own event loop, among requests: it reads and verifies
    // a small page at a time, and lets requests in between pages (setImmediate), so a
    // check of thousands of new records never holds an answer up for long.
    const auditChain = new AuditChainMonitor(
      async (after, limit) => {
        await new Promise((resolve) => setImmediate(resolve));
        return storage.readAuditChain(after, limit);
      },
      storage.auditKeys,
      {
        pageSize: AUDIT_CHECK_PAGE,
        onStatus: (status) => intact.set(status.intact ? 1 : 0),
      },
    );
    const log = app.log.child({ component: 'alerts' });
    const webhook = config.ALERT_WEBHOOK_URL
      ? new AlertWebhook(config.ALERT_WEBHOOK_URL, log)
      : null;
    const alerts = new AlertEngine({
      rules,
      totals: (seconds) => series.totals(seconds),
      auditChain,
      storage,
      log,
      intervalMs: config.ALERT_EVALUATION_INTERVAL_MS,
      gauge: firing,
      webhook,
    });
    app.decorate('monitoring', { series, alerts, auditChain });

    app.addHook('onResponse', (request, reply, done) => {
      const route = routeOf(request);
      if (isShopTraffic(route))
        series.record({
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
          timed: !STREAMING_ROUTES.has(route),
        });
      done();
    });

    app.addHook('onReady', (done) => {
      // Not awaited: the server listens while the first full walk runs; the rules are
      // evaluated from when it is done (a failed walk leaves them to the next full check).
      const first = rules.auditChain.enabled
        ? auditChain.verify(true).then(
            (status) => {
              if (!status.intact)
                log.error({ brokenAtSeq: status.brokenAtSeq }, 'the audit chain is broken');
            },
            (error: unknown) =>
              log.warn({ err: error }, 'could not verify the audit chain at start'),
          )
        : Promise.resolve();
      void first.then(() => alerts.start());
      done();
    });

    app.addHook('preClose', async () => {
      await alerts.stop();
      await webhook?.close();
    });
  },
  { name: 'monitoring', dependencies: ['metrics'] },
);
