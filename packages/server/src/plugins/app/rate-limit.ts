import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../../http/problem.ts';
import type { RateLimitStore, WindowCount } from '../../security/rate-limit-store.ts';

/** One budget: `quota` hits per `windowSeconds`, counted per key. */
export interface RateLimitPolicy {
  name: string;
  quota: number;
  windowSeconds: number;
}

export interface RateLimitOptions {
  store: RateLimitStore;
  /** Every /api request, per client. */
  client: RateLimitPolicy;
  /** Changes to one cart. */
  cart: RateLimitPolicy;
  /** Promo-code attempts on one cart (brute-forcing codes). */
  discountPerCart: RateLimitPolicy;
  /** Promo-code attempts by one client, over all carts. */
  discountPerClient: RateLimitPolicy;
  /** Checkouts by one client. */
  checkout: RateLimitPolicy;
}

interface Verdict {
  policy: RateLimitPolicy;
  state: WindowCount;
}

declare module 'fastify' {
  interface FastifyRequest {
    rateLimits: Verdict[] | null;
  }
}

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** The IETF RateLimit-Policy field (draft-ietf-httpapi-ratelimit-headers-10). */
function policyHeader(verdicts: Verdict[]): string {
  return verdicts
    .map(({ policy: p }) => `"${p.name}";q=${p.quota};w=${p.windowSeconds}`)
    .join(', ');
}

/** The IETF RateLimit field for the policy closest to its limit. */
function stateHeader(verdicts: Verdict[]): string {
  const tightest = verdicts.reduce((a, b) => (remaining(b) < remaining(a) ? b : a));
  return `"${tightest.policy.name}";r=${remaining(tightest)};t=${Math.ceil(tightest.state.resetMs / 1000)}`;
}

const remaining = (v: Verdict) => Math.max(0, v.policy.quota - v.state.count);

/**
 * Rate limits on the API (DESIGN.md §5): a budget per client for every request, one per
 * cart for its changes, and strict ones for promo-code attempts (per cart and per
 * client, so codes cannot be brute-forced) and for checkout. Each answer carries the
 * `RateLimit-Policy` and `RateLimit` fields; going over is `429 RATE_LIMITED` with
 * `Retry-After`. The client is the socket address, or `X-Forwarded-For` only when
 * TRUST_PROXY says a proxy sets it. /healthz, /readyz and /metrics are never limited.
 */
export default fp(
  (app: FastifyInstance, options: RateLimitOptions) => {
    app.decorateRequest('rateLimits', null);

    const count = async (
      request: FastifyRequest,
      policy: RateLimitPolicy,
      key: string,
      hits = 1,
    ): Promise<void> => {
      let state: WindowCount = { count: 0, resetMs: policy.windowSeconds * 1000 };
      for (let i = 0; i < hits; i++)
        state = await options.store.hit(`${policy.name}:${key}`, policy.windowSeconds * 1000);
      (request.rateLimits ??= []).push({ policy, state });
      if (state.count > policy.quota) {
        const retryAfter = String(Math.max(1, Math.ceil(state.resetMs / 1000)));
        throw new HttpProblem(
          'RATE_LIMITED',
          `Too many requests (${policy.name} limit: ${policy.quota} per ${policy.windowSeconds} s). Try again in ${retryAfter} s.`,
          {
            headers: { 'retry-after': retryAfter },
          },
        );
      }
    };

    const cartIdOf = (request: FastifyRequest) =>
      (request.params as { id?: string } | undefined)?.id;

    app.addHook('onRequest', async (request) => {
      request.rateLimits = [];
      if (!request.url.startsWith('/api/')) return;
      await count(request, options.client, request.ip);
      const cartId = cartIdOf(request);
      const route = request.routeOptions.url ?? '';
      if (
        cartId !== undefined &&
        route.startsWith('/api/carts/:id') &&
        UNSAFE.has(request.method)
      ) {
        await count(request, options.cart, cartId);
        if (route === '/api/carts/:id/discounts' && request.method === 'POST') {
          await count(request, options.discountPerCart, cartId);
          await count(request, options.discountPerClient, request.ip);
        }
        if (route === '/api/carts/:id/checkout') await count(request, options.checkout, request.ip);
      }
    });

    // A batch can hold promo codes too: each one is an attempt.
    app.addHook('preHandler', async (request) => {
      if (request.routeOptions.url !== '/api/carts/:id/actions' || request.method !== 'POST')
        return;
      const actions = (request.body as { actions?: { type: string }[] } | undefined)?.actions ?? [];
      const attempts = actions.filter((a) => a.type === 'applyDiscount').length;
      const cartId = cartIdOf(request);
      if (attempts === 0 || cartId === undefined) return;
      await count(request, options.discountPerCart, cartId, attempts);
      await count(request, options.discountPerClient, request.ip, attempts);
    });

    app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload, done) => {
      const verdicts = request.rateLimits;
      if (verdicts && verdicts.length > 0) {
        void reply.header('ratelimit-policy', policyHeader(verdicts));
        void reply.header('ratelimit', stateHeader(verdicts));
      }
      done(null, payload);
    });
  },
  { name: 'rate-limit' },
);
