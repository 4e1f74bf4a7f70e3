import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
    metricsCounters: { rateLimitFallbacks: Counter };
  }
}

/**
 * Prometheus metrics at `/metrics`: process and event-loop metrics, and request
 * durations by route template, method and status class (OpenTelemetry's
 * `http.server.request.duration`, with a bucket at the 300 ms latency objective).
 * Each app has its own registry, so several apps in one process do not collide.
 */
export default fp(
  (app: FastifyInstance) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'cart_' });
    const duration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests, by route template, method and status class.',
      labelNames: ['http_route', 'http_request_method', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      registers: [registry],
    });
    app.decorate('metrics', registry);
    app.decorate('metricsCounters', {
      rateLimitFallbacks: new Counter({
        name: 'cart_rate_limit_store_fallbacks_total',
        help: 'Rate-limit hits counted in this instance because Redis did not answer.',
        registers: [registry],
      }),
    });

    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      duration.observe(
        {
          http_route: route,
          http_request_method: request.method,
          status_class: `${Math.floor(reply.statusCode / 100)}xx`,
        },
        reply.elapsedTime / 1000,
      );
      done();
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  },
  { name: 'metrics' },
);
