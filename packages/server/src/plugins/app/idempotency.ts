import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { credentialScope } from '../../http/credentials.ts';
import {
  idempotencyRecordId,
  parseIdempotencyKey,
  requestFingerprint,
  type IdempotencyContext,
} from '../../security/idempotency.ts';
import { HttpProblem } from '../../http/problem.ts';
import { policyOf, routeScope } from '../../http/route-policy.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's Idempotency-Key, resolved; null when it sent none. */
    idempotency: IdempotencyContext | null;
    idempotencyInFlight: string | null;
  }
}

/**
 * Idempotency-Key handling around the routes that declare it (`config.policy.idempotent`,
 * http/route-policy.ts); elsewhere the header is ignored. When the headers arrive
 * (before the body is read), the key is checked and claimed: a duplicate still in flight
 * gets 409 IDEMPOTENCY_IN_FLIGHT with Retry-After. Its scope is the method, the matched
 * route's template and decoded parameters, and the credential, never the raw path, so
 * `/api/carts/X/lines` and `/%61pi/carts/X/lines` with one key are one request. Once
 * the body has been validated (preHandler), its fingerprint completes the context that
 * the cart service stores and replays in its transaction: only validated bodies are
 * ever fingerprinted.
 */
export default fp(
  (app: FastifyInstance) => {
    const inFlight = new Set<string>();
    app.decorateRequest('idempotency', null);
    app.decorateRequest('idempotencyInFlight', null);

    const release = (request: FastifyRequest) => {
      if (request.idempotencyInFlight !== null) {
        inFlight.delete(request.idempotencyInFlight);
        request.idempotencyInFlight = null;
      }
    };

    app.addHook('onRequest', (request, reply, done) => {
      const header = request.headers['idempotency-key'];
      const policy = policyOf(request);
      if (header === undefined || policy?.idempotent !== true) return done();
      const key = typeof header === 'string' ? parseIdempotencyKey(header) : null;
      if (key === null) {
        return done(
          new HttpProblem(
            'VALIDATION_FAILED',
            'Idempotency-Key must be 1–255 visible ASCII characters, sent once.',
            {
              errors: [
                {
                  path: '/headers/idempotency-key',
                  message: 'must be 1–255 visible ASCII characters',
                },
              ],
            },
          ),
        );
      }
      const id = idempotencyRecordId(
        credentialScope(request, policy.auth),
        request.method,
        routeScope(request),
        key,
      );
      if (inFlight.has(id)) {
        return done(
          new HttpProblem(
            'IDEMPOTENCY_IN_FLIGHT',
            'A request with this Idempotency-Key is still being processed.',
            {
              headers: { 'retry-after': '1' },
            },
          ),
        );
      }
      inFlight.add(id);
      request.idempotencyInFlight = id;
      request.idempotency = { key, id, fingerprint: '' };
      void reply;
      done();
    });

    app.addHook('preHandler', (request, _reply, done) => {
      if (request.idempotency) {
        request.idempotency = {
          ...request.idempotency,
          fingerprint: requestFingerprint(request.method, routeScope(request), request.body),
        };
      }
      done();
    });

    app.addHook('onResponse', (request, _reply, done) => {
      release(request);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      release(request);
      done();
    });
  },
  { name: 'idempotency', dependencies: ['@fastify/cookie'] },
);
