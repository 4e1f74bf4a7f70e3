import type { ErrorCode } from '@cart/core';
import type { RoutePolicy } from './route-policy.ts';

/**
 * The error codes a route can answer: those its policy implies (every route's pipeline
 * can refuse a request before the handler runs) and those of its own work, declared on
 * the route (`config: { errors }`). The one source for the OpenAPI document's error
 * statuses and examples (http/openapi.ts) and for the error reference's "who answers
 * it" (`/docs/errors`, docs/errors.md); the contract suite checks every code it meets
 * against the document, so a code a route answers but does not declare fails the build.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The codes of the route's own work (what the handler and its use case refuse with). */
    errors?: readonly ErrorCode[];
  }
}

/** A route as the document and the error reference see it. */
export interface RouteAnswers {
  method: string;
  /** The OpenAPI path template: `/api/carts/{id}`. */
  path: string;
  operationId: string | undefined;
  policy: RoutePolicy | undefined;
  errors: readonly ErrorCode[];
}

/**
 * The codes the request pipeline itself can answer on a route with this policy: a bad
 * request (400, also any body where none is taken), the admin credential (401, the cart
 * token answers 404 CART_NOT_FOUND instead, never revealing that a cart exists), the
 * CSRF checks (403), a body too large, of another type or too slow to arrive
 * (413/415/408), the idempotency records (409/422), the rate limits (429), and the
 * server's own failures (500; 503 when its database is unreachable).
 */
export function pipelineCodes(policy: RoutePolicy | undefined): ErrorCode[] {
  // Outside /api (health checks) nothing is checked before the handler.
  if (policy === undefined) return ['INTERNAL'];
  const codes: ErrorCode[] = ['VALIDATION_FAILED'];
  if (policy.auth === 'admin') codes.push('UNAUTHORIZED');
  if (policy.csrf !== 'none') codes.push('CSRF_TOKEN_INVALID');
  if (policy.body !== 'none')
    codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT');
  if (policy.idempotent) codes.push('IDEMPOTENCY_IN_FLIGHT', 'IDEMPOTENCY_KEY_REUSED');
  codes.push('RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE');
  return codes;
}

/** Every code the route can answer, each once, pipeline codes first. */
export function routeCodes(route: Pick<RouteAnswers, 'policy' | 'errors'>): ErrorCode[] {
  return [...new Set([...pipelineCodes(route.policy), ...route.errors])];
}

/** `/api/carts/:id/lines/:lineId` → `/api/carts/{id}/lines/{lineId}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
