import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { canonicalJson } from '../audit/chain.ts';
import { HttpProblem } from './problem.ts';

/**
 * Cross-cutting policies are declared on the route, in its own options
 * (`config: { policy }`), and the plugins read them from the matched route
 * (`request.routeOptions.config.policy`), never from `request.url`: a path spelled
 * differently (`/%61pi/…`, `/api//…`) reaches the same route and so the same policies.
 * Every `/api` route must declare one: registration throws otherwise (`checkRoutePolicy`).
 */

/** The rate-limit budgets a route can spend (plugins/app/rate-limit.ts; quotas in config.ts). */
export const RATE_LIMIT_BUCKETS = [
  /** Every API request, per client. */
  'client',
  /** Changes to one cart, per cart and credential presented. */
  'cart',
  /** Promo-code attempts on one cart, per cart and credential presented. */
  'discount-cart',
  /** Promo-code attempts by one client, over all carts. */
  'discount-client',
  /** Checkouts by one client. */
  'checkout',
  /** Dashboard sign-in attempts (guesses of the admin token) by one client. */
  'admin-login',
] as const;
export type RateLimitBucket = (typeof RATE_LIMIT_BUCKETS)[number];

/**
 * Buckets counted per cart (the route's `:id`) and per credential presented, so that
 * a stranger's wrong tokens spend a bucket of their own, never the owner's. The others
 * are counted per client (`clientKey`).
 */
export const PER_CART_BUCKETS: ReadonlySet<RateLimitBucket> = new Set(['cart', 'discount-cart']);

export interface RoutePolicy {
  /**
   * Who may call it: the cart's token (bearer or cookie), the admin credential, or
   * anyone. The route's own hook or handler checks it; the declaration must agree with
   * the route's OpenAPI `security` (checked at registration).
   */
  auth: 'cart' | 'admin' | 'none';
  /**
   * Its defence against cross-site requests: `token` (a cookie-authenticated change
   * needs `X-CSRF-Token`), `origin` (same-origin Origin / Sec-Fetch-Site only), or
   * `none` for reads. Every unsafe method must declare `token` or `origin`.
   */
  csrf: 'token' | 'origin' | 'none';
  /** The budgets each request spends, counted when its headers arrive. */
  rateLimit: readonly RateLimitBucket[];
  /**
   * Budgets spent once per item of the validated body (each promo code in a batch),
   * counted after validation and before the handler.
   */
  rateLimitPerItem?: {
    buckets: readonly RateLimitBucket[];
    count: (body: unknown) => number;
  };
  /** Whether it accepts an `Idempotency-Key` (a repeat replays the first answer). */
  idempotent: boolean;
  /**
   * Its body: `json` (required, validated by the route's schema), `empty` (nothing, or
   * a JSON `{}`/`null`, validated by the schema), or `none` (any body is refused with
   * 400 before it is read).
   */
  body: 'json' | 'empty' | 'none';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's policies (http/route-policy.ts); required on every `/api` route. */
    policy?: RoutePolicy;
  }
}

/** The policy of the route a request matched; undefined for unmatched (404) and non-API routes. */
export function policyOf(request: FastifyRequest): RoutePolicy | undefined {
  return (request.routeOptions.config as { policy?: RoutePolicy } | undefined)?.policy;
}

/**
 * Where a request lands, independent of how its path was spelled: the route's template
 * and its decoded parameters. `/api/carts/X/lines` and `/%61pi/carts/X/lines` have one
 * scope; it keys idempotency records and fingerprints.
 */
export function routeScope(request: FastifyRequest): string {
  return `${request.routeOptions.url ?? ''}\u0000${canonicalJson(request.params ?? {})}`;
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const methodsOf = (route: RouteOptions): string[] =>
  Array.isArray(route.method) ? route.method : [route.method];

/**
 * The `onRoute` check: an `/api` route without a policy, or with one that contradicts
 * the route (a body on GET/DELETE, a schema-less body, a per-cart bucket without a cart,
 * a change without a CSRF defence, an auth kind its OpenAPI security does not say),
 * fails the registration, so nobody can forget or misdeclare one.
 */
export function checkRoutePolicy(route: RouteOptions): void {
  if (!route.url.startsWith('/api/')) return;
  const where = `${methodsOf(route).join(',')} ${route.url}`;
  const policy = route.config?.policy;
  const fail = (why: string) => {
    throw new Error(`${where}: ${why} (see packages/server/src/http/route-policy.ts)`);
  };
  if (policy === undefined)
    fail('every /api route must declare its policies in `config: { policy }`');
  const p = policy as RoutePolicy;
  const schema = route.schema as
    { body?: unknown; security?: Record<string, unknown>[] } | undefined;
  for (const method of methodsOf(route)) {
    if (BODYLESS_METHODS.has(method) && p.body !== 'none') fail(`${method} takes no body`);
    if (method === 'GET' || method === 'HEAD') {
      if (p.idempotent) fail('a read needs no Idempotency-Key');
      if (p.csrf !== 'none') fail('a read needs no CSRF defence');
    }
    if (UNSAFE_METHODS.has(method) && p.csrf === 'none')
      fail('a change must declare its CSRF defence');
  }
  if (p.body === 'none' && schema?.body !== undefined) fail('body "none" but a body schema');
  if (p.body !== 'none' && schema?.body === undefined)
    fail(`body "${p.body}" needs a body schema: only validated bodies are read`);
  const buckets = [...p.rateLimit, ...(p.rateLimitPerItem?.buckets ?? [])];
  if (!p.rateLimit.includes('client')) fail('every /api route spends the client budget');
  for (const bucket of buckets) {
    if (!RATE_LIMIT_BUCKETS.includes(bucket)) fail(`unknown rate-limit bucket "${String(bucket)}"`);
    if (PER_CART_BUCKETS.has(bucket) && (p.auth !== 'cart' || !route.url.includes('/:id')))
      fail(`bucket "${bucket}" is per cart: it needs auth "cart" and an :id parameter`);
  }
  const security = new Set((schema?.security ?? []).flatMap((s) => Object.keys(s)));
  const expected = { cart: 'cartToken', admin: 'adminToken', none: null }[p.auth];
  if (expected === null ? security.size > 0 : !security.has(expected))
    fail(`auth "${p.auth}" does not match the OpenAPI security [${[...security].join(', ')}]`);
}

/** Whether the request carries a body: any Content-Length above 0, or any Transfer-Encoding. */
export function hasBody(headers: FastifyRequest['headers']): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && !/^0+$/.test(length.trim());
}

/**
 * Refuses a body where the route takes none (declared `body: "none"`: every /api GET and
 * DELETE, by `checkRoutePolicy`, and any other route so declared), when the headers
 * arrive: before anything reads, parses or fingerprints it. A 400 problem. Routes
 * outside /api (pages, /docs, /metrics) declare nothing and are left as they are.
 */
export const refuseUnwantedBodies = fp(
  (app: FastifyInstance) => {
    app.addHook('onRequest', (request, _reply, done) => {
      if (policyOf(request)?.body !== 'none' || !hasBody(request.headers)) return done();
      const message =
        'this request takes no body: send none (no Content-Length above 0, no Transfer-Encoding)';
      done(
        new HttpProblem('VALIDATION_FAILED', `${request.method} ${message}.`, {
          errors: [{ path: '', message }],
        }),
      );
    });
  },
  { name: 'route-policy' },
);

/** A public read (the catalog, a CSRF token): anyone, the client budget only. */
export const PUBLIC_READ: RoutePolicy = {
  auth: 'none',
  csrf: 'none',
  rateLimit: ['client'],
  idempotent: false,
  body: 'none',
};

/** An admin read: the admin credential, the client budget only. */
export const ADMIN_READ: RoutePolicy = { ...PUBLIC_READ, auth: 'admin' };

/** An admin change: the admin credential (a session cookie also needs X-CSRF-Token), keyed. */
export const adminChange = (body: RoutePolicy['body']): RoutePolicy => ({
  auth: 'admin',
  csrf: 'token',
  rateLimit: ['client'],
  idempotent: true,
  body,
});
