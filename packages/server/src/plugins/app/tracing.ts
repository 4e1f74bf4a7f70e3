import type { Context, Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { pathOf } from '../../http/problem.ts';
import type { Tracing } from '../../observability/tracing.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's SERVER span, when tracing is on (undefined when it is off). */
    traceSpan?: Span | null;
    traceContext?: Context | null;
  }
}

export interface TracingPluginOptions {
  tracing: Tracing;
}

function endSpan(request: FastifyRequest, statusCode: number | null): void {
  const span = request.traceSpan;
  if (!span || !span.isRecording()) return;
  if (statusCode !== null) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    // A server span is an error for 5xx only: a 4xx is the client's (semantic conventions).
    if (statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
  }
  if (request.problemCode) span.setAttribute('cart.problem.code', request.problemCode);
  span.end();
}

/**
 * One SERVER span per request, named `METHOD /route/template`, continuing the caller's
 * trace when the request carries a W3C `traceparent`; HTTP semantic-convention attributes;
 * ended when the answer has gone (or the client went away). Route handlers run in the
 * span's context, so the storage calls they make become its children. The request's
 * logger carries `traceId` and `spanId` from then on, so every line it writes (the
 * request line among them) can be joined to the trace. Registered only when tracing is
 * on: with tracing off no hook of it exists.
 */
export default fp(
  (app: FastifyInstance, { tracing }: TracingPluginOptions) => {
    app.decorateRequest('traceSpan', null);
    app.decorateRequest('traceContext', null);

    app.addHook('onRequest', (request, _reply, done) => {
      const parent = tracing.extract(request.headers);
      const route = request.routeOptions.url;
      const userAgent = request.headers['user-agent'];
      const span = tracing.tracer.startSpan(
        route ? `${request.method} ${route}` : request.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: request.method,
            [ATTR_URL_PATH]: pathOf(request.url),
            [ATTR_URL_SCHEME]: request.protocol,
            [ATTR_SERVER_ADDRESS]: request.hostname,
            [ATTR_CLIENT_ADDRESS]: request.ip,
            ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
            ...(userAgent ? { [ATTR_USER_AGENT_ORIGINAL]: userAgent } : {}),
            'http.request.id': request.id,
          },
        },
        parent,
      );
      request.traceSpan = span;
      request.traceContext = tracing.contextWith(parent, span);
      const { traceId, spanId } = span.spanContext();
      request.log = request.log.child({ traceId, spanId });
      done();
    });

    // Handlers run inside the request's context: the spans of their storage calls are
    // children of the request's span.
    app.addHook('onRoute', (route) => {
      const handler = route.handler;
      route.handler = function traced(this: FastifyInstance, request, reply) {
        const context = request.traceContext;
        return context
          ? tracing.run(context, () => handler.call(this, request, reply))
          : handler.call(this, request, reply);
      };
    });

    app.addHook('onResponse', (request, reply, done) => {
      endSpan(request, reply.statusCode);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      endSpan(request, null);
      done();
    });
    app.addHook('onClose', async () => {
      await tracing.shutdown();
    });
  },
  { name: 'tracing' },
);
