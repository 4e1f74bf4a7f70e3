import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { Config } from './config.ts';
import { toJson } from './json.ts';
import { CartObservers } from './domain/cart-observer.ts';
import { sweepAbandoned } from './domain/abandonment.ts';
import { CartService } from './domain/cart-service.ts';
import { CatalogService } from './domain/catalog-service.ts';
import { MutationRunner } from './domain/mutation-runner.ts';
import { CartEvents } from './events/cart-events.ts';
import { createBroker } from './events/create-broker.ts';
import { AdminSessions } from './http/admin-session.ts';
import { Csrf } from './http/csrf.ts';
import { checkRoutePolicy, refuseUnwantedBodies } from './http/route-policy.ts';
import { cleanForwardedFor, trustProxyOption } from './http/forwarded.ts';
import { registerSecurityHeaders } from './plugins/app/security-headers.ts';
import { registerSwagger } from './plugins/external/swagger.ts';
import errors, { acceptJsonOnly, answerUnparseable, frameworkError } from './plugins/app/errors.ts';
import idempotency from './plugins/app/idempotency.ts';
import logging, { loggerOptions } from './plugins/app/logging.ts';
import metrics from './plugins/app/metrics.ts';
import monitoring from './plugins/app/monitoring.ts';
import rateLimit from './plugins/app/rate-limit.ts';
import { connectRedis, rateLimitOptions } from './plugins/app/rate-limit-config.ts';
import tracingPlugin from './plugins/app/tracing.ts';
import { ErrorTracker } from './observability/error-tracker.ts';
import { instrumentStorage } from './observability/instrumented-storage.ts';
import { RefusalRecorder } from './observability/refusal-recorder.ts';
import { startTracing } from './observability/tracing.ts';
import { serverSecret } from './security/server-secret.ts';
import adminRoutes from './routes/admin.ts';
import adminAnalyticsRoutes from './routes/admin-analytics.ts';
import adminErrorsRoutes from './routes/admin-errors.ts';
import adminMonitoringRoutes from './routes/admin-monitoring.ts';
import adminSessionRoutes from './routes/admin-session.ts';
import { LiveStreams, streamLimits } from './routes/cart-events.ts';
import cartRoutes from './routes/carts.ts';
import clientErrorsRoutes from './routes/client-errors.ts';
import csrfRoutes from './routes/csrf.ts';
import errorDocsRoutes from './routes/error-docs.ts';
import opsRoutes from './routes/ops.ts';
import productRoutes from './routes/products.ts';
import { adminRegionRoutes, regionRoutes } from './routes/regions.ts';
import webRoutes from './routes/web.ts';
import { DEMO_REGIONS, DEMO_SHIPPING_OPTIONS, seedDemoCatalog } from './seed/demo-catalog.ts';
import { seedRegions, settingsRegion } from './seed/regions.ts';
import { createStorage } from './storage/create-storage.ts';
import type { Storage } from './storage/port.ts';

export interface BuildOptions {
  /** Logger settings, or an instance (tests capture lines with a stream). */
  logger?: FastifyServerOptions['logger'];
  /** A storage to use instead of the one DATABASE_URL names. */
  storage?: Storage;
  /** The clock of the background sweep and the analytics window (tests move it on). */
  now?: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage;
    cartService: CartService;
    /** Listeners to committed cart changes (metrics, event log lines, live series). */
    cartObservers: CartObservers;
    /** Runs the background sweep once now: expiry, purges, abandonment, error groups. */
    sweep: (now?: Date) => Promise<void>;
    /**
     * Waits for the records written after their answers (refused adds and checkouts,
     * observability/refusal-recorder.ts): closing waits for them; tests read them.
     */
    flushRecords: () => Promise<void>;
  }
}

const NO_QUERY = z.strictObject({});
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const EXPIRY_SWEEP_MS = 60_000;

/** Calls `log` at most once a minute: an outage is one warning, not one per request. */
function throttled(log: (error: unknown) => void, intervalMs = 60_000): (error: unknown) => void {
  let last = -Infinity;
  return (error) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(error);
  };
}

/** Pino settings (plugins/app/logging.ts), exported here for the tests' loggers. */
export { loggerOptions };

/**
 * Builds the application: plugins (security headers, cookies, OpenAPI), app services
 * (storage, cart service, errors, idempotency), then routes, in that order. It never
 * listens: `server.ts` does, and tests listen on a port of their own.
 */
export async function buildApp(
  config: Config,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    // One line per request, written by plugins/app/logging.ts when the answer has gone.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.MAX_BODY_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    // Bounds on what a slow client can hold (docs/deploy.md#timeouts): the whole request
    // must arrive within REQUEST_TIMEOUT_MS (its headers within HEADERS_TIMEOUT_MS), else
    // 408 and the socket is closed; these cover receiving the request only, so an answer
    // that streams (live events) is not cut by them. A socket silent both ways for
    // CONNECTION_TIMEOUT_MS is closed; an idle keep-alive one after KEEP_ALIVE_TIMEOUT_MS.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: {
      // Node requires headersTimeout ≤ requestTimeout.
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      // How often Node looks for requests past those bounds (its default is 30 s, which
      // would let a slow request live up to 30 s longer than the bound).
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, Math.floor(config.HEADERS_TIMEOUT_MS / 4)),
      ),
    },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Long enough that an over-long id reaches its route and is refused there (400)
    // rather than by the router (a bare 414).
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkError,
    clientErrorHandler: answerUnparseable,
    // /readyz answers "draining" itself while requests in flight finish.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();
  // Forwarded addresses are checked before anything reads request.ip (http/forwarded.ts).
  if (config.TRUST_PROXY !== false) app.server.prependListener('request', cleanForwardedFor);

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by typed code from the core schemas' types; re-validating each
  // one on the way out would double the cost of every answer. The response schemas
  // still document every route in the OpenAPI document, and the contract suite checks
  // real answers against them.
  // A cart's JSON is made once, by whoever needs it first (json.ts).
  app.setSerializerCompiler(() => toJson);

  acceptJsonOnly(app);

  const tracing = startTracing(config);
  const storage = options.storage ?? (await createStorage(config));
  // Every storage call is timed (and traced when tracing is on), whoever makes it.
  const storageTiming = instrumentStorage(storage, tracing);
  // One server secret signs CSRF tokens and (with ADMIN_TOKEN) dashboard sessions: SECRET,
  // else the one every instance on this database shares. None: no start (server.ts says why).
  let secret: Buffer;
  try {
    secret = await serverSecret(config, storage);
  } catch (error) {
    storageTiming.restore();
    if (!options.storage) await storage.close();
    throw error;
  }
  const redis =
    config.REDIS_URL === undefined
      ? null
      : connectRedis(config.REDIS_URL, app.log, config.REDIS_COMMAND_TIMEOUT_MS);
  const events = new CartEvents(
    throttled((error) => app.log.warn({ err: error }, 'live-event fan-out problem')),
  );
  const observers = new CartObservers(
    throttled((error) => app.log.warn({ err: error }, 'cart observer failed')),
  );
  // One mutation runner for cart and admin changes (domain/mutation-runner.ts).
  const runner = new MutationRunner(config);
  const service = new CartService(storage, config, runner, events, observers);
  const catalog = new CatalogService(storage, runner, events);
  const streams = new LiveStreams(events, streamLimits(config));
  const broker = createBroker(
    config,
    throttled((error) => app.log.warn({ err: error }, 'live-event broker problem')),
  );
  if (broker) {
    await events.connect(broker, async (cartId) => {
      const stored = await storage.getCart(cartId);
      return stored ? service.view(stored.state, new Date()) : null;
    });
    app.log.info({ broker: broker.name }, 'live events fan out across instances');
  }
  const csrf = new Csrf(secret, config);
  // Sign-outs are kept in the database, so that every instance refuses them.
  const adminSessions = new AdminSessions(secret, config.ADMIN_TOKEN, csrf, storage);
  let draining = false;

  app.decorate('storage', storage);
  app.decorate('cartService', service);
  app.decorate('cartObservers', observers);
  app.decorate('adminSessions', adminSessions);

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  registerSecurityHeaders(app);
  await app.register(cookie);
  await registerSwagger(app, config);
  await app.register(errors);
  await app.register(logging, { observers });
  await app.register(metrics, { config, observers, extraMetrics: [storageTiming.histogram] });
  streams.instrument(app.metrics);
  const clock = options.now ?? (() => new Date());
  const errorTracker = new ErrorTracker({
    storage,
    log: app.log,
    registry: app.metrics,
    secrets: [config.ADMIN_TOKEN, config.METRICS_TOKEN, config.SECRET],
    limits: {
      newGroupsPerClientHour: config.ERROR_GROUPS_NEW_PER_CLIENT_HOUR,
      maxGroups: config.ERROR_GROUPS_MAX,
    },
  });
  app.decorate('errorTracker', errorTracker);
  if (tracing) await app.register(tracingPlugin, { tracing });
  await app.register(monitoring, { storage, config });
  observers.add(app.monitoring.series);
  const refusals = new RefusalRecorder(
    storage,
    throttled((error) => app.log.warn({ err: error }, 'refusal not recorded')),
  );
  observers.add(refusals);
  app.decorate('flushRecords', () => refusals.flush());
  if (config.RATE_LIMITS === 'on')
    await app.register(
      rateLimit,
      rateLimitOptions(config, redis, app.log, () => app.metricsCounters.rateLimitFallbacks.inc()),
    );
  // A body where the route takes none is refused before anything reads or fingerprints it.
  await app.register(refuseUnwantedBodies);
  await app.register(idempotency);

  // Every API route declares its policies (auth, CSRF, rate limits, idempotency, body) in
  // its options, and the plugins read them from the matched route: a route without one,
  // or with one that contradicts it, fails the start (http/route-policy.ts).
  app.addHook('onRoute', checkRoutePolicy);

  // Every API route checks its query string: one that takes none refuses any (400),
  // rather than silently ignoring what a client thought it was asking for.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY };
  });

  await app.register(opsRoutes, {
    storage,
    isDraining: () => draining,
    redisAnswers: redis
      ? () =>
          redis.ping().then(
            () => true,
            () => false,
          )
      : null,
  });
  await app.register(errorDocsRoutes);
  await app.register(
    async (api) => {
      await api.register(productRoutes, { storage });
      await api.register(regionRoutes, { storage });
      await api.register(csrfRoutes, { csrf });
      await api.register(cartRoutes, {
        service,
        csrf,
        maxBatchActions: config.MAX_BATCH_ACTIONS,
        cartTtlSeconds: config.CART_TTL_SECONDS,
        streams,
      });
      await api.register(adminRoutes, { storage, catalog, config });
      await api.register(adminRegionRoutes, { storage, catalog, config });
      await api.register(adminErrorsRoutes, { storage, config });
      await api.register(adminAnalyticsRoutes, { storage, config, now: clock });
      await api.register(clientErrorsRoutes, { tracker: errorTracker, csrf });
      await api.register(adminMonitoringRoutes, { monitoring: app.monitoring, config });
      await api.register(adminSessionRoutes, { config, sessions: adminSessions });
    },
    { prefix: '/api' },
  );
  await app.register(webRoutes);

  if (config.SEED_DEMO && (await seedDemoCatalog(storage))) app.log.info('seeded the demo catalog');
  // A store without regions gets the demo shop's (SEED_DEMO) or one default region made
  // of CURRENCY and TAX_RATE_BPS; carts stored before regions join the default one.
  const [regions, shippingOptions] = config.SEED_DEMO
    ? [DEMO_REGIONS, DEMO_SHIPPING_OPTIONS]
    : [[settingsRegion(config)], []];
  if (await seedRegions(storage, regions, shippingOptions))
    app.log.info({ regions: regions.map((r) => r.id) }, 'seeded the regions');
  if (config.ADMIN_TOKEN === undefined)
    app.log.warn('ADMIN_TOKEN is not set: the admin API answers 401 to everyone');

  // Carts past their expiry are closed in the background too, not only when touched,
  // so that expiry is counted; stale idempotency records, and sign-outs of sessions that
  // have expired anyway, are dropped; carts left idle with items for ABANDON_AFTER_SECONDS
  // are counted as abandoned (domain/abandonment.ts).
  const sweep = async (now = clock()) => {
    for (const id of await storage.findExpiredCarts(now.toISOString(), 500))
      await service.expire(id, now);
    await storage.purgeIdempotency(now.toISOString());
    await storage.purgeRevokedAdminSessions(now.toISOString());
    // Error groups not seen for ERROR_GROUP_RETENTION_DAYS (docs/operations.md#error-tracking).
    await storage.purgeErrorGroups(
      new Date(now.getTime() - config.ERROR_GROUP_RETENTION_DAYS * 86_400_000).toISOString(),
    );
    await sweepAbandoned(
      { storage, service, observer: observers, idleSeconds: config.ABANDON_AFTER_SECONDS },
      now,
    );
  };
  app.decorate('sweep', sweep);
  const sweeper = setInterval(() => {
    sweep().catch((error: unknown) => {
      app.log.error({ err: error }, 'expiry sweep failed');
      errorTracker.capture(error, { route: 'background: sweep', requestId: null });
    });
  }, EXPIRY_SWEEP_MS);
  sweeper.unref();

  app.addHook('preClose', (done) => {
    draining = true;
    clearInterval(sweeper);
    streams.closeAll();
    done();
  });
  app.addHook('onClose', async () => {
    await errorTracker.flush();
    await refusals.flush();
    await events.close();
    redis?.disconnect();
    if (!options.storage) await storage.close();
    storageTiming.restore();
  });

  return app;
}
