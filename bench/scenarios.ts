/**
 * The scenarios, one row of the table each: what runs the server (`backend`), which bare
 * baseline it is read against, the data it prepares through the API, and the requests
 * it sends. Every mutation changes something (each round sets a new quantity), carries
 * a fresh Idempotency-Key and the cart's bearer token, and is designed to be answered
 * 2xx however long it runs: a non-2xx answer fails the scenario.
 */
import { inParallel, type BenchCart, type CartApi } from './cart-api.ts';
import type { RequestMix, Slot } from './load-spec.ts';

/**
 * What serves a scenario: the bare Fastify baseline, one cart server on SQLite or on
 * PostgreSQL, or two cart servers on one PostgreSQL database with Redis between them.
 */
export type Backend = 'bare' | 'sqlite' | 'postgres' | 'postgres+redis';

export interface Scenario {
  name: string;
  backend: Backend;
  /** The bare row its req/s is divided by: reads by bare GET, changes by bare POST. */
  baseline: 'bare-get' | 'bare-post' | null;
  /** One line on what it measures (printed in the results file). */
  what: string;
  /** Makes its data on the (fresh) server behind `api` and says what to send. */
  prepare(api: CartApi): Promise<RequestMix>;
  /** Scenarios whose result it needs: run first, even when not asked for. */
  needs?: string[];
  /** Fixed-rate mode: requests per second, from the rows measured before. */
  rate?(reqPerSec: (scenario: string) => number | undefined): number | undefined;
}

/**
 * Set-quantity bodies: quantities 2…11 in turn. Lines are made with quantity 1, and
 * consecutive rounds differ, so every request is a real change.
 */
const QUANTITIES = Array.from({ length: 10 }, (_, i) => JSON.stringify({ quantity: i + 2 }));

const linePath = (cart: BenchCart, lineId: string) => `/api/carts/${cart.id}/lines/${lineId}`;

/** PATCH the given lines (a slot each), round-robin, each round to the next quantity. */
function setQuantity(carts: BenchCart[]): RequestMix {
  const slots: Slot[] = carts.flatMap((cart) =>
    cart.lineIds.map((lineId) => ({ path: linePath(cart, lineId), token: cart.token })),
  );
  return { method: 'PATCH', slots, bodies: QUANTITIES, idempotencyKey: true };
}

/** One cart with `lines` lines, every connection changing its quantities (one row lock). */
async function hotCart(api: CartApi, lines: number): Promise<RequestMix> {
  const products = await api.createProducts(lines);
  return setQuantity(await api.cartsWithLines(1, products));
}

export const MANY_CARTS = 1000;

/** MANY_CARTS carts of one line each, round-robin: no two concurrent changes share a cart. */
async function manyCarts(api: CartApi): Promise<RequestMix> {
  const products = await api.createProducts(1);
  return setQuantity(await api.cartsWithLines(MANY_CARTS, products));
}

/** Products add-line goes through: a cart can take this many new lines before any merges. */
export const ADD_LINE_PRODUCTS = 250;
/** Carts add-line goes round: each gets one line per MANY_CARTS requests. */
const ADD_LINE_CARTS = MANY_CARTS;

const bare = (name: string, method: 'GET' | 'POST', what: string): Scenario => ({
  name,
  backend: 'bare',
  baseline: null,
  what,
  prepare: () =>
    Promise.resolve(
      method === 'GET'
        ? { method, slots: [{ path: '/' }] }
        : {
            method,
            // The headers a cart change carries (a bearer token, a key), so that both
            // sides parse as much.
            slots: [{ path: '/', token: 'bare-baseline-token-0123456789abcdef' }],
            bodies: QUANTITIES,
            idempotencyKey: true,
          },
    ),
});

export const SCENARIOS: Scenario[] = [
  bare('bare-get', 'GET', 'bare Fastify GET / answering {"ok":true}'),
  bare('bare-post', 'POST', 'bare Fastify POST / echoing a small JSON body'),
  {
    name: 'add-line',
    backend: 'sqlite',
    baseline: 'bare-post',
    what:
      `POST /api/carts/:id/lines, a new line each time: request n adds product ` +
      `⌊n/${ADD_LINE_CARTS}⌋ mod ${ADD_LINE_PRODUCTS} to cart n mod ${ADD_LINE_CARTS} ` +
      `(carts grow by one line per ${ADD_LINE_CARTS} requests; past ${ADD_LINE_PRODUCTS} ` +
      `lines an add merges, still 200)`,
    prepare: async (api) => {
      const products = await api.createProducts(ADD_LINE_PRODUCTS);
      const carts = await api.cartsWithLines(ADD_LINE_CARTS, []);
      return {
        method: 'POST',
        slots: carts.map((cart) => ({ path: `/api/carts/${cart.id}/lines`, token: cart.token })),
        bodies: products.map((productId) => JSON.stringify({ productId, quantity: 1 })),
        idempotencyKey: true,
      };
    },
  },
  {
    name: 'set-quantity-hot',
    backend: 'sqlite',
    baseline: 'bare-post',
    what: 'PATCH /api/carts/:id/lines/:lineId on ONE cart (one line), every connection',
    prepare: (api) => hotCart(api, 1),
  },
  {
    name: 'get-cart',
    backend: 'sqlite',
    baseline: 'bare-get',
    what: 'GET /api/carts/:id, round-robin over 100 carts of 3 lines',
    prepare: async (api) => {
      const carts = await api.cartsWithLines(100, await api.createProducts(3));
      return {
        method: 'GET',
        slots: carts.map((cart) => ({ path: `/api/carts/${cart.id}`, token: cart.token })),
      };
    },
  },
  {
    name: 'batch-10',
    backend: 'sqlite',
    baseline: 'bare-post',
    what:
      'POST /api/carts/:id/actions: 10 setLineQuantity actions (with action ids) on a ' +
      'cart of 10 lines, round-robin over 100 carts',
    prepare: async (api) => {
      const carts = await api.cartsWithLines(100, await api.createProducts(10));
      const slots = carts.map((cart) => ({
        path: `/api/carts/${cart.id}/actions`,
        token: cart.token,
        // Every line to the round's quantity; `{{n}}` makes the action ids unique.
        bodies: [2, 3].map((quantity) =>
          JSON.stringify({
            actions: cart.lineIds.map((lineId, i) => ({
              type: 'setLineQuantity',
              lineId,
              quantity,
              actionId: `b{{n}}-${i}`,
            })),
          }),
        ),
      }));
      return { method: 'POST', slots, idempotencyKey: true };
    },
  },
  {
    name: 'set-quantity-250-lines',
    backend: 'sqlite',
    baseline: 'bare-post',
    what: 'PATCH a line of ONE cart of 250 lines (the lines in turn), every connection',
    prepare: (api) => hotCart(api, 250),
  },
  {
    name: 'set-quantity-1-line',
    backend: 'sqlite',
    baseline: 'bare-post',
    what: 'PATCH the line of ONE cart of 1 line, every connection (the 250-line row’s pair)',
    prepare: (api) => hotCart(api, 1),
  },
  {
    name: 'many-carts',
    backend: 'sqlite',
    baseline: 'bare-post',
    what: `PATCH /api/carts/:id/lines/:lineId round-robin over ${MANY_CARTS} carts of one line`,
    prepare: manyCarts,
  },
  {
    name: 'many-carts-shipped',
    backend: 'sqlite',
    baseline: 'bare-post',
    what:
      `many-carts, each cart with a US address and standard shipping chosen: every change ` +
      `prices the shipping and its tax too (its ratio to many-carts is the goal)`,
    prepare: async (api) => {
      const products = await api.createProducts(1);
      const carts = await api.cartsWithLines(MANY_CARTS, products);
      await inParallel(carts.length, 8, (i) => api.shipToUs(carts[i] as BenchCart));
      return setQuantity(carts);
    },
    needs: ['many-carts'],
  },
  {
    name: 'p99-at-half-rate',
    backend: 'sqlite',
    baseline: null,
    what: 'many-carts at a fixed rate (autocannon overallRate): half the req/s many-carts reached',
    prepare: manyCarts,
    needs: ['many-carts'],
    rate: (reqPerSec) => {
      const peak = reqPerSec('many-carts');
      return peak === undefined ? undefined : Math.max(1, Math.round(peak / 2));
    },
  },
  {
    name: 'pg-set-quantity-hot',
    backend: 'postgres',
    baseline: 'bare-post',
    what: 'set-quantity-hot on PostgreSQL',
    prepare: (api) => hotCart(api, 1),
  },
  {
    name: 'pg-many-carts',
    backend: 'postgres',
    baseline: 'bare-post',
    what: 'many-carts on PostgreSQL',
    prepare: manyCarts,
  },
  {
    name: 'pg-redis-two-instances-many-carts',
    backend: 'postgres+redis',
    baseline: 'bare-post',
    what: 'many-carts on two server processes (both on the server CPU), one PostgreSQL, Redis',
    prepare: manyCarts,
  },
];
