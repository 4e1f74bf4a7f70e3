import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.ts';
import type { CartObserver, CartObservers } from '../../domain/cart-observer.ts';
import { pathOf } from '../../http/problem.ts';
import { REDACTED, lineScrubber } from '../../observability/redact.ts';

/**
 * Pino settings (Fastify's logger): one JSON object a line, or readable lines through
 * pino-pretty when LOG_FORMAT=pretty. Credential-bearing headers are censored by path,
 * and every line is scrubbed before it is written (observability/redact.ts): fields
 * named like secrets or emails at any depth, bearer/CSRF/cart tokens, email addresses
 * and the configured secrets inside any string.
 */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const options = {
    level: config.LOG_LEVEL,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'req.headers["idempotency-key"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        'headers["x-csrf-token"]',
        'headers["set-cookie"]',
      ],
      censor: REDACTED,
    },
    hooks: {
      streamWrite: lineScrubber([config.ADMIN_TOKEN, config.METRICS_TOKEN, config.SECRET]),
    },
  };
  if (config.LOG_FORMAT === 'json') return options;
  return {
    ...options,
    transport: {
      target: 'pino-pretty',
      options: {
        translateTime: 'SYS:HH:MM:ss.l',
        // The request line's method, path, status and duration are in its message.
        ignore: 'pid,hostname,method,path,statusCode,durationMs',
        messageFormat: '{msg}{if statusCode} {method} {path} {statusCode} {durationMs} ms{end}',
      },
    },
  };
}

/** Log level of a request line: server errors are errors; refusals worth a look, warnings. */
export function requestLevel(statusCode: number): 'error' | 'warn' | 'info' {
  if (statusCode >= 500) return 'error';
  if (statusCode === 401 || statusCode === 403 || statusCode === 429) return 'warn';
  return 'info';
}

/** Whether `log` writes lines at `level` (pino knows; another logger is asked to write). */
function enabled(log: FastifyBaseLogger, level: string): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return typeof check === 'function' ? check.call(log, level) : true;
}

const CART_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_PATH = 256;

/** The cart a request is about: the `:id` of a `/api/carts/:id…` route, when well-formed. */
function cartIdOf(request: FastifyRequest): string | undefined {
  const route = request.routeOptions.url;
  if (route === undefined || !route.startsWith('/api/carts/:id')) return undefined;
  const id = (request.params as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && CART_ID.test(id) ? id : undefined;
}

/** The fields of a request line (the request id comes from the request's logger). */
export function requestLine(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const path = pathOf(request.url);
  const line: Record<string, unknown> = {
    method: request.method,
    route: request.routeOptions.url ?? null,
    path: path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path,
    statusCode: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
    ip: request.ip,
  };
  const cartId = cartIdOf(request);
  if (cartId !== undefined) line.cartId = cartId;
  if (request.problemCode) line.code = request.problemCode;
  if (reply.getHeader('idempotent-replayed') === 'true') line.replayed = true;
  return line;
}

/**
 * The domain events of committed changes, one info line each (`msg: "cart event"`): the
 * event, cart, product and quantity, and the request that made it. Amounts are logged
 * (an order total is not personal); emails and notes are never part of an event.
 */
export function cartEventLogger(log: FastifyBaseLogger): CartObserver {
  return {
    committed(events, { requestId }) {
      if (!enabled(log, 'info')) return;
      for (const e of events) {
        const line: Record<string, unknown> = { reqId: requestId, event: e.type, cartId: e.cartId };
        if (typeof e.productId === 'string') line.productId = e.productId;
        if (typeof e.quantity === 'number') line.quantity = e.quantity;
        if (typeof e.amount === 'number') line.amount = e.amount;
        if (typeof e.currency === 'string') line.currency = e.currency;
        log.info(line, 'cart event');
      }
    },
  };
}

export interface LoggingOptions {
  /** Where the domain-event logger listens; without it no event lines are written. */
  observers?: CartObservers;
}

/**
 * Request and domain-event logging. Fastify's own two lines per request are turned off
 * (`disableRequestLogging`); instead one line is written when the answer has gone:
 * `request completed` with method, route template, path (no query string), status,
 * duration, client address, cart id, the problem code of an error answer, and whether
 * it was an idempotent replay — at error level for 5xx, warn for 401/403/429, else info.
 */
export default fp(
  (app: FastifyInstance, { observers }: LoggingOptions) => {
    app.addHook('onResponse', (request, reply, done) => {
      const level = requestLevel(reply.statusCode);
      if (enabled(request.log, level))
        request.log[level](requestLine(request, reply), 'request completed');
      done();
    });
    observers?.add(cartEventLogger(app.log));
  },
  { name: 'logging' },
);
