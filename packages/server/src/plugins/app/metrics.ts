import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { Config } from '../../config.ts';
import type { CartObservers } from '../../domain/cart-observer.ts';
import { HttpProblem } from '../../http/problem.ts';
import { CartMetrics, problemCodeOf } from '../../observability/cart-metrics.ts';
import { safeEqual, sha256Hex } from '../../security/tokens.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * This app's Prometheus registry, scraped at /metrics. Other parts of the app add
     * their own metrics to it: `new Gauge({ name, help, registers: [app.metrics] })`.
     */
    metrics: Registry;
    metricsCounters: { rateLimitFallbacks: Counter };
    /** The business and refusal counters (observability/cart-metrics.ts). */
    cartMetrics: CartMetrics;
  }
  interface FastifyRequest {
    /** The catalog code of the problem document answered, once sent; null otherwise. */
    problemCode: string | null;
  }
}

export interface MetricsOptions {
  config: Config;
  /** Where the business counters listen for committed changes. */
  observers?: CartObservers;
  /** Metrics made before the registry existed (the storage timings), to register in it. */
  extraMetrics?: Metric[];
}

/** Request-duration buckets, seconds, with one at the 300 ms latency objective. */
export const REQUEST_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const PROBLEM_TYPE = 'application/problem+json';

/** The rate-limit policy whose budget a refused request went over. */
function refusingPolicy(request: FastifyRequest): string | null {
  const verdicts = (
    request as {
      rateLimits?: { policy: { name: string; quota: number }; state: { count: number } }[] | null;
    }
  ).rateLimits;
  return verdicts?.find((v) => v.state.count > v.policy.quota)?.policy.name ?? null;
}

/** Whether a batch request holds an `applyDiscount` action (the body is parsed already). */
function appliesDiscount(request: FastifyRequest): boolean {
  const actions = (request.body as { actions?: unknown } | null | undefined)?.actions;
  return (
    Array.isArray(actions) &&
    actions.some((a) => (a as { type?: unknown } | null)?.type === 'applyDiscount')
  );
}

/** Whether `header` is `Bearer <one of tokens>`; compared by hash, in constant time. */
function bearerMatches(header: string | undefined, tokens: (string | undefined)[]): boolean {
  const given = header === undefined ? null : /^Bearer ([\x21-\x7E]+)$/i.exec(header)?.[1];
  if (!given) return false;
  const hash = sha256Hex(given);
  let ok = false;
  for (const token of tokens)
    if (token !== undefined && safeEqual(hash, sha256Hex(token))) ok = true;
  return ok;
}

/**
 * Prometheus metrics at `/metrics` (docs/operations.md#metrics): process and event-loop
 * metrics (prefix `cart_`); request durations by route template, method and status
 * class (OpenTelemetry's `http.server.request.duration`, with a bucket at the 300 ms
 * latency objective); every problem answer by code; rate-limit, CSRF, version-conflict
 * and promo-code refusals and idempotent replays; and the business counters fed by the
 * cart observers. Each app has its own registry, so several apps in one process do not
 * collide. METRICS_ACCESS=token demands `Authorization: Bearer` METRICS_TOKEN or
 * ADMIN_TOKEN (else 401). /metrics is never rate limited (the limits cover /api only).
 */
export default fp(
  (app: FastifyInstance, { config, observers, extraMetrics = [] }: MetricsOptions) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'cart_' });
    for (const metric of extraMetrics) registry.registerMetric(metric);
    const duration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests, by route template, method and status class.',
      labelNames: ['http_route', 'http_request_method', 'status_class'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers: [registry],
    });
    const cartMetrics = new CartMetrics(registry);
    observers?.add(cartMetrics);
    app.decorate('metrics', registry);
    app.decorate('cartMetrics', cartMetrics);
    app.decorate('metricsCounters', {
      rateLimitFallbacks: new Counter({
        name: 'cart_rate_limit_store_fallbacks_total',
        help: 'Rate-limit hits counted in this instance because Redis did not answer.',
        registers: [registry],
      }),
    });
    app.decorateRequest('problemCode', null);

    // Problem documents are small, and only they are read (for their `code`).
    app.addHook('onSend', (request, reply, payload, done) => {
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith(PROBLEM_TYPE))
        request.problemCode = problemCodeOf(payload);
      done(null, payload);
    });

    // The histogram's series of each route, method and status class, looked up once:
    // prom-client would hash the three labels again on every observation.
    const series = new Map<string, ReturnType<typeof duration.labels>>();
    const seriesOf = (route: string, method: string, statusClass: number) => {
      const key = `${route} ${method} ${statusClass}`;
      let child = series.get(key);
      if (child === undefined) {
        child = duration.labels({
          http_route: route,
          http_request_method: method,
          status_class: `${statusClass}xx`,
        });
        series.set(key, child);
      }
      return child;
    };

    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url;
      // Bounded: route templates and methods are the app's own (an unknown method is a
      // 404 on "unmatched"), and there are five status classes.
      seriesOf(route ?? 'unmatched', request.method, Math.floor(reply.statusCode / 100)).observe(
        reply.elapsedTime / 1000,
      );
      const code = request.problemCode;
      cartMetrics.answered({
        method: request.method,
        route,
        problemCode: code,
        replayed: reply.getHeader('idempotent-replayed') === 'true',
        ratePolicy: code === 'RATE_LIMITED' ? refusingPolicy(request) : null,
        appliesDiscount: code !== null && code.startsWith('DISCOUNT_') && appliesDiscount(request),
      });
      done();
    });

    const tokenOnly = config.METRICS_ACCESS === 'token';
    if (tokenOnly && config.METRICS_TOKEN === undefined && config.ADMIN_TOKEN === undefined)
      app.log.warn(
        'METRICS_ACCESS=token but neither METRICS_TOKEN nor ADMIN_TOKEN is set: /metrics answers 401',
      );

    app.get(
      '/metrics',
      {
        schema: { hide: true },
        onRequest: (request, _reply, done) => {
          if (
            !tokenOnly ||
            bearerMatches(request.headers.authorization, [config.METRICS_TOKEN, config.ADMIN_TOKEN])
          )
            return done();
          done(
            new HttpProblem(
              'UNAUTHORIZED',
              'Scraping /metrics needs Authorization: Bearer <METRICS_TOKEN> (or the admin token).',
              { headers: { 'www-authenticate': 'Bearer realm="metrics"' } },
            ),
          );
        },
      },
      async (_request, reply) => {
        const text = await registry.metrics();
        return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
      },
    );
  },
  { name: 'metrics' },
);
