/**
 * One generated request: which route, which cart (by reference), whose credential,
 * which Idempotency-Key, If-Match and Content-Type, and which body; and the request it
 * makes once it meets the live data.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { mutate } from './fuzz-mutations.ts';
import { ROUTES, type BodyPlan, type Pick, type Route } from './fuzz-routes.ts';
import { resolve, type FuzzCart, type World } from './fuzz-world.ts';

/** Whose credential a request carries, relative to the cart it names. */
export type AuthChoice =
  | 'own'
  | 'other'
  | 'random'
  | 'none'
  | 'malformed'
  | 'crossRole'
  | 'cookie'
  | 'cookieNoCsrf'
  | 'cookieCrossSite';

const authArb: fc.Arbitrary<AuthChoice> = fc.oneof(
  { arbitrary: fc.constant<AuthChoice>('own'), weight: 70 },
  {
    arbitrary: fc.constantFrom<AuthChoice>('other', 'random', 'none', 'malformed', 'crossRole'),
    weight: 25,
  },
  { arbitrary: fc.constant<AuthChoice>('cookie'), weight: 8 },
  { arbitrary: fc.constantFrom<AuthChoice>('cookieNoCsrf', 'cookieCrossSite'), weight: 7 },
);

const idempotencyArb: fc.Arbitrary<string | null> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 85 },
  { arbitrary: fc.constantFrom('k0', 'k1', 'k2', 'k3', '"k4"'), weight: 8 },
  { arbitrary: fc.stringMatching(/^[\x21-\x7E]{1,40}$/), weight: 4 },
  {
    arbitrary: fc.constantFrom('', ' ', 'a b', 'é', 'x'.repeat(256), '"open', '""', 'tab\tkey'),
    weight: 3,
  },
);

/** If-Match: a version the client believes in; 'current' is resolved when sent. */
const ifMatchArb: fc.Arbitrary<string | null> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 85 },
  { arbitrary: fc.constant('current'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      '*',
      '"1"',
      'W/"2"',
      '"1", "2"',
      '',
      '"abc"',
      ',',
      `"${'9'.repeat(30)}"`,
    ),
    weight: 12,
  },
);

const JSON_TYPE = 'application/json';
const contentTypeArb: fc.Arbitrary<string | null> = fc.oneof(
  { arbitrary: fc.constant(JSON_TYPE), weight: 88 },
  {
    arbitrary: fc.constantFrom(
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'APPLICATION/JSON',
      'application/json; charset=utf-8',
      'application/problem+json',
      'application/jsonx',
      'text/json',
      '',
      'a/b/c',
    ),
    weight: 12,
  },
);
/** Everything about one request, before it meets the live data. */
export interface Plan {
  route: Route;
  cart: number;
  other: number;
  auth: AuthChoice;
  idempotencyKey: string | null;
  ifMatch: string | null;
  contentType: string | null;
  query: string;
  body: BodyPlan;
  pick: Pick;
}

/** A path segment that is not an id: random, malformed, hostile or too long. */
const junkSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
  fc.constantFrom(
    '%ZZ',
    '..%2f..',
    "'%20OR%201%3D1",
    '%00',
    'a'.repeat(250),
    'a'.repeat(1500),
    '%E2%80%AE',
    '*',
  ),
);

/** One generated request, over every route, weighted toward the cart. */
export const planArb: fc.Arbitrary<Plan> = fc.oneof(
  ...ROUTES.map((route) => ({
    weight: Math.max(1, Math.round(route.weight * 5)),
    arbitrary: fc.record({
      route: fc.constant(route),
      cart: fc.nat(),
      other: fc.nat(),
      auth: authArb,
      idempotencyKey: idempotencyArb,
      ifMatch: ifMatchArb,
      contentType: contentTypeArb,
      query: route.query,
      body: route.body,
      pick: fc.record({ line: fc.nat(), code: fc.nat(), product: fc.nat(), junk: junkSegment }),
    }),
  })),
);

/** The request a plan makes now, and the cart it is about. */
export function buildRequest(
  plan: Plan,
  world: World,
): {
  request: InjectOptions;
  cart: FuzzCart;
  /** The body as generated and resolved, before it was spoiled. */
  body: unknown;
  url: string;
  /** The text sent as the body, if any. */
  payload: string | undefined;
} {
  const cart = world.cart(plan.cart);
  let other = world.cart(plan.other + 1);
  if (other.id === cart.id) other = { ...other, token: 'A'.repeat(43) };
  const headers: Record<string, string> = {};
  let auth = plan.auth;
  // A real event stream never ends: that route only gets credentials it refuses.
  if (
    plan.route.name.endsWith('/events') &&
    ['own', 'cookie', 'cookieNoCsrf', 'cookieCrossSite', 'crossRole'].includes(auth)
  )
    auth = 'random';
  const own = plan.route.audience === 'admin' ? world.adminToken : cart.token;
  switch (auth) {
    case 'own':
      headers.authorization = `Bearer ${own}`;
      break;
    case 'other':
      headers.authorization = `Bearer ${plan.route.audience === 'admin' ? `${world.adminToken}x` : other.token}`;
      break;
    case 'random':
      headers.authorization = `Bearer ${Buffer.from(String(plan.other)).toString('base64url').padEnd(43, 'Q')}`;
      break;
    case 'none':
      break;
    case 'malformed':
      headers.authorization =
        ['Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `Bearer ${own} extra`, 'x'][
          plan.other % 5
        ] ?? 'x';
      break;
    case 'crossRole':
      headers.authorization = `Bearer ${plan.route.audience === 'admin' ? cart.token : world.adminToken}`;
      break;
    case 'cookie':
      headers.cookie = `cart_token=${cart.token}; csrf_token=${world.csrf}`;
      headers['x-csrf-token'] = world.csrf;
      headers[plan.other % 2 === 0 ? 'sec-fetch-site' : 'origin'] =
        plan.other % 2 === 0 ? 'same-origin' : 'http://localhost:80';
      break;
    case 'cookieNoCsrf':
      headers.cookie = `cart_token=${cart.token}`;
      headers['sec-fetch-site'] = 'same-origin';
      break;
    case 'cookieCrossSite':
      headers.cookie = `cart_token=${cart.token}; csrf_token=${world.csrf}`;
      headers['x-csrf-token'] = world.csrf;
      headers['sec-fetch-site'] = 'cross-site';
      headers.origin = 'https://evil.example';
      break;
  }
  if (plan.idempotencyKey !== null) headers['idempotency-key'] = plan.idempotencyKey;
  if (plan.ifMatch !== null)
    headers['if-match'] = plan.ifMatch === 'current' ? `"${cart.version}"` : plan.ifMatch;
  if (plan.route.name === 'GET /carts/:id' && plan.other % 5 === 0)
    headers['if-none-match'] = `"${cart.version}"`;

  let payload: string | undefined;
  let body: unknown;
  if (plan.body.kind === 'json') {
    body = resolve(plan.body.value, world, cart);
    payload = mutate(body, plan.body.mutation);
  }
  if (payload !== undefined) {
    const type = plan.contentType;
    if (type !== null) headers['content-type'] = type;
  }
  const query = plan.query
    .replace(
      /@cursor(\d+)/,
      (_m, n: string) => world.cursors[Number(n) % Math.max(1, world.cursors.length)] ?? 'none',
    )
    .replace('@cart', cart.id);
  const url = plan.route.path(world, cart, plan.pick) + query;
  const request: InjectOptions = { method: plan.route.method, url, headers };
  if (payload !== undefined) request.payload = payload;
  return { request, cart, body, url, payload };
}
