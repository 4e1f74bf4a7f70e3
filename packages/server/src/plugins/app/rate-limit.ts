import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { cartCredential } from '../../http/credentials.ts';
import { HttpProblem } from '../../http/problem.ts';
import { PER_CART_BUCKETS, policyOf, type RateLimitBucket } from '../../http/route-policy.ts';
import type { RateLimitStore, WindowCount } from '../../security/rate-limit-store.ts';
import { sha256Hex } from '../../security/tokens.ts';

/** One budget: `quota` hits per `windowSeconds`, counted per key. */
export interface RateLimitPolicy {
  name: string;
  quota: number;
  windowSeconds: number;
}

export interface RateLimitOptions {
  store: RateLimitStore;
  /** The budget of each bucket a route may declare (http/route-policy.ts). */
  policies: Record<RateLimitBucket, RateLimitPolicy>;
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

/** The 8 groups of an IPv6 address (checked by `isIP` first, without zone), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 address (`::ffff:192.0.2.1`) is the last two groups.
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const zeros = 8 - tail.length - head.length - rest.length;
  if (zeros < 0 || (halves.length === 1 && zeros !== 0)) return null;
  const groups = [...head, ...Array.from({ length: zeros }, () => 0), ...rest, ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * The key a client's budgets are counted under: an IPv4 address as it is, an IPv6
 * address by its /64 prefix (one subscriber gets a whole /64, so counting full
 * addresses would give one client 2^64 budgets), and an IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`, a dual-stack socket's view of an IPv4 client) as the IPv4 address.
 * Anything else (not an address) is kept as it is.
 */
export function clientKey(ip: string): string {
  if (isIP(ip) === 4) return ip;
  const address = ip.split('%')[0] ?? ip; // a zone (fe80::1%eth0) is not part of the address
  if (isIP(address) !== 6) return ip;
  const groups = ipv6Groups(address.toLowerCase());
  if (groups === null) return ip;
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = groups;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff)
    return `${g >> 8}.${g & 0xff}.${h >> 8}.${h & 0xff}`;
  return `${[a, b, c, d].map((n) => n.toString(16)).join(':')}::/64`;
}

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
 * Rate limits on the API (docs/rate-limits.md), as each route declares them
 * (`config.policy.rateLimit`, http/route-policy.ts): read from the matched route, so
 * every spelling of a path (`/%61pi/…`) spends the same budgets. A budget per client
 * for every request, one per cart for its changes, strict ones for promo-code attempts
 * (per cart and per client, also each code inside a batch) and for checkout and the
 * dashboard sign-in. An unmatched request (404, 405) spends the client budget, so
 * scanning is limited too; routes outside /api (pages, assets, /healthz, /readyz,
 * /metrics) declare nothing and are never limited.
 *
 * Per-cart budgets are keyed by the cart and the credential presented (a hash of the
 * token), not checked against the cart first: a stranger's wrong or missing tokens
 * spend budgets of their own (bounded by their client budget) and never the owner's,
 * and no request costs a storage read before it is counted.
 *
 * Each answer carries the `RateLimit-Policy` and `RateLimit` fields; going over is
 * `429 RATE_LIMITED` with `Retry-After`. The client is `clientKey(request.ip)`.
 */
export default fp(
  (app: FastifyInstance, options: RateLimitOptions) => {
    app.decorateRequest('rateLimits', null);

    const count = async (
      request: FastifyRequest,
      bucket: RateLimitBucket,
      hits = 1,
    ): Promise<void> => {
      const policy = options.policies[bucket];
      const key = PER_CART_BUCKETS.has(bucket) ? cartKey(request) : clientKey(request.ip);
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

    /** The cart (decoded `:id`) and a hash of the credential presented ("none" without one). */
    const cartKey = (request: FastifyRequest): string => {
      const cartId = (request.params as { id?: string } | undefined)?.id ?? '';
      const credential = cartCredential(request).hash?.toString('hex') ?? 'none';
      return sha256Hex('rate-limit-cart', cartId, credential);
    };

    app.addHook('onRequest', async (request) => {
      request.rateLimits = [];
      const policy = policyOf(request);
      if (policy === undefined) {
        if (request.is404) await count(request, 'client');
        return;
      }
      for (const bucket of policy.rateLimit) await count(request, bucket);
    });

    // Budgets spent per item of the validated body (a batch's promo codes: each one is
    // an attempt), after validation and before the handler.
    app.addHook('preHandler', async (request) => {
      const perItem = policyOf(request)?.rateLimitPerItem;
      if (perItem === undefined) return;
      const hits = perItem.count(request.body);
      if (hits === 0) return;
      for (const bucket of perItem.buckets) await count(request, bucket, hits);
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
