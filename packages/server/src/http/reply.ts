import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Reply, RequestMeta } from '../domain/cart-service.ts';
import { PROBLEM_CONTENT_TYPE, pathOf } from './problem.ts';

/** The facts of a request that a change records. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const ifMatch = request.headers['if-match'];
  return {
    requestId: request.id,
    path: pathOf(request.url),
    clientAddress: request.ip,
    now: new Date(),
    idempotency: request.idempotency,
    ifMatch: ifMatch ?? null,
  };
}

/** Sends a service answer: status, ETag and the replay marker, problem+json for errors. */
export function sendReply(reply: FastifyReply, r: Reply): undefined {
  for (const [k, v] of Object.entries(r.headers)) void reply.header(k, v);
  if (r.replayed) void reply.header('idempotent-replayed', 'true');
  if (r.status >= 400) void reply.type(PROBLEM_CONTENT_TYPE);
  void reply.code(r.status).send(r.body);
  return undefined;
}
