import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorCode, FieldError } from '@cart/core';
import { HttpProblem, PROBLEM_CONTENT_TYPE, pathOf, problemBody } from '../../http/problem.ts';
import { isStorageUnavailable } from '../../storage/unavailable.ts';

/**
 * Fastify's router errors (a malformed URL) arrive before any hook has run: answer them
 * as problems too, with the headers the hooks would have set.
 */
export function frameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header('x-content-type-options', 'nosniff').header('x-request-id', request.id);
  const detail =
    error.code === 'FST_ERR_BAD_URL' ? 'The URL is malformed.' : 'The request could not be routed.';
  void sendProblem(
    request,
    reply,
    new HttpProblem('VALIDATION_FAILED', detail, { errors: [{ path: '', message: detail }] }),
  );
}

/**
 * A request that is not even HTTP (a garbage line, a broken Content-Length, both
 * Content-Length and Transfer-Encoding): Node cannot give it to Fastify, so the answer
 * is written to the socket here — a 400 problem, then the connection is closed.
 */
export function answerUnparseable(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return answerTimeout(socket);
  if (!socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const code = tooLarge ? 'HEADERS_TOO_LARGE' : 'VALIDATION_FAILED';
  const detail = tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP.';
  const body = JSON.stringify(
    problemBody(code, detail, randomUUID(), '', { errors: [{ path: '', message: detail }] }),
  );
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * A request not received within REQUEST_TIMEOUT_MS (or its headers within
 * HEADERS_TIMEOUT_MS): a 408 problem when no answer has started on this socket, then the
 * socket is closed either way — the client is still sending, so it is destroyed, not ended.
 */
function answerTimeout(socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const detail = 'The request did not arrive in time.';
    const body = JSON.stringify(problemBody('REQUEST_TIMEOUT', detail, randomUUID(), ''));
    socket.write(
      `HTTP/1.1 408 Request Timeout\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Parses a JSON body safely: `__proto__` and `constructor.prototype` keys are refused
 * (never merged into objects), and an unreadable body is a 400 that says why.
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    // secure-json-parse reports poisoning as a SyntaxError too: tell them apart by text.
    const message = /forbidden prototype|constructor/i.test((error as Error).message)
      ? 'the JSON holds a forbidden "__proto__" or "constructor" key.'
      : 'the body is not valid JSON.';
    throw new HttpProblem('VALIDATION_FAILED', `The request could not be read: ${message}`, {
      errors: [{ path: '', message }],
    });
  }
}

/**
 * JSON only: a body of another type is 415. An empty body declared as JSON is taken as
 * no body, so `POST /checkout` with a JSON content type and nothing in it works.
 */
export function acceptJsonOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** Sends a problem document: the one way any error leaves this server. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: HttpProblem,
): FastifyReply {
  const body = problemBody(
    problem.code,
    problem.detail,
    request.id,
    pathOf(request.url),
    problem.extras,
  );
  for (const [k, v] of Object.entries(problem.extras.headers ?? {})) void reply.header(k, v);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

// Fastify's own 4xx errors, by their codes, mapped to the catalog.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
};

// Any other framework 4xx (Fastify's, or @fastify/static's `send` refusals, which are
// http-errors with a `status`), by its status. A 4xx is never turned into a 500.
const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  412: 'VERSION_CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'VALIDATION_FAILED',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

/** The 4xx status a framework error carries (`statusCode`, or http-errors' `status`), if any. */
function clientStatus(error: FastifyError): number | undefined {
  const status = error.statusCode ?? (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** The problem for a framework's 4xx refusal: its catalog code, with the words that fit. */
function clientProblem(error: FastifyError, status: number, request: FastifyRequest): HttpProblem {
  const where = `${request.method} ${pathOf(request.url)}`;
  // `send` refuses a path that climbs out of the files' folder (`/assets/../x`) or names a
  // folder with 403: such a path names no file this server serves, so it is a 404, as a
  // missing file is, and says nothing about what exists.
  if (status === 403 || status === 404)
    return new HttpProblem('NOT_FOUND', `There is no ${where}.`);
  const code = (error.code && FASTIFY_CODES[error.code]) || STATUS_CODES[status];
  if (code === 'VERSION_CONFLICT')
    return new HttpProblem(
      code,
      'The file does not match the request’s If-Match or If-Unmodified-Since.',
    );
  // A Range outside a static file (416 from `send`): the catalog has no 416, so it is
  // the client's malformed request, said plainly, with the file's length for a retry.
  if (status === 416) {
    const range = (error as { headers?: Record<string, string> }).headers?.['Content-Range'];
    const message = 'the Range asked for lies outside the file';
    return new HttpProblem('VALIDATION_FAILED', `The request could not be served: ${message}.`, {
      errors: [{ path: '/headers/range', message }],
      ...(range ? { headers: { 'content-range': range } } : {}),
    });
  }
  if (code !== undefined && code !== 'VALIDATION_FAILED') return new HttpProblem(code);
  const message = 'the request is malformed.';
  return new HttpProblem('VALIDATION_FAILED', `The request could not be read: ${message}`, {
    errors: [{ path: '', message }],
  });
}

/** A route template (`/api/carts/:id`, `/assets/*`) as a pattern over decoded paths. */
function templatePattern(url: string): RegExp {
  const source = url
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/:[A-Za-z0-9_]+/g, '[^/]+')
    .replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

function decodedPath(url: string): string {
  const path = pathOf(url);
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

const CONTEXT_PREFIX: Record<string, string> = {
  body: '',
  params: '/params',
  querystring: '/query',
  headers: '/headers',
};

function fieldErrors(error: FastifyError): FieldError[] {
  const prefix = CONTEXT_PREFIX[error.validationContext ?? 'body'] ?? '';
  return (error.validation ?? []).flatMap((v) => {
    const base = `${prefix}${v.instancePath === '/' ? '' : v.instancePath}`;
    const keys = (v.params as { keys?: unknown }).keys;
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((k) => ({
        path: `${base}/${String(k)}`,
        message: `unknown field "${String(k)}": this field is not accepted here`,
      }));
    }
    return [{ path: base, message: v.message ?? 'is not valid' }];
  });
}

/**
 * Error handling: every failure — ours, Fastify's, a validation failure, an unknown
 * route, malformed JSON — answers as problem+json with a catalog code. A 5xx never
 * carries the error's text, stack or SQL: it is logged, and the client gets the
 * catalog's words and the request id to quote.
 */
export default fp(
  (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      // Error tracking (observability/error-tracker.ts) takes every 500, in the background;
      // a 503 (the database unreachable, draining) is an outage the metrics count, not a bug.
      const track = (e: unknown) => {
        if (app.hasDecorator('errorTracker')) app.errorTracker.captureRequest(e, request);
      };
      if (error instanceof HttpProblem) {
        if (error.status === 500) track(error);
        return sendProblem(request, reply, error);
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = fieldErrors(error);
        const detail = errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ');
        return sendProblem(
          request,
          reply,
          new HttpProblem('VALIDATION_FAILED', detail, { errors }),
        );
      }
      const status = clientStatus(error);
      if (status !== undefined)
        return sendProblem(request, reply, clientProblem(error, status, request));
      if (isStorageUnavailable(error)) {
        request.log.warn({ err: error }, 'database unavailable');
        return sendProblem(
          request,
          reply,
          new HttpProblem(
            'UNAVAILABLE',
            'The shop cannot reach its database right now. Please try again in a moment.',
            {
              headers: { 'retry-after': '2' },
            },
          ),
        );
      }
      request.log.error({ err: error }, 'unhandled error');
      track(error);
      return sendProblem(request, reply, new HttpProblem('INTERNAL'));
    });

    // Every route's methods, so that a wrong method on a known path says which it takes
    // (`Allow`, RFC 9110 §10.2.1). Fastify's router answers it as not found, and the
    // HTTP contract keeps that 404 NOT_FOUND (test/contract/protocol-contract.ts).
    const known: { method: string; pattern: RegExp }[] = [];
    app.addHook('onRoute', (route) => {
      const pattern = templatePattern(route.url);
      for (const method of Array.isArray(route.method) ? route.method : [route.method])
        known.push({ method, pattern });
    });

    app.setNotFoundHandler((request, reply) => {
      const path = decodedPath(request.url);
      const allowed = [
        ...new Set(known.filter((r) => r.pattern.test(path)).map((r) => r.method)),
      ].sort();
      const where = `${request.method} ${pathOf(request.url)}`;
      if (allowed.length > 0) {
        return sendProblem(
          request,
          reply,
          new HttpProblem('NOT_FOUND', `There is no ${where}: it takes ${allowed.join(', ')}.`, {
            headers: { allow: allowed.join(', ') },
          }),
        );
      }
      return sendProblem(request, reply, new HttpProblem('NOT_FOUND', `There is no ${where}.`));
    });
  },
  { name: 'errors' },
);
