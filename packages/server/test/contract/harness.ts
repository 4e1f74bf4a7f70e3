/**
 * What every section of the contract suite shares: a server started once per describe
 * scope, fixtures that make their own products, discounts and carts through the public
 * and admin APIs (so tests are independent and can share a server), and assertions for
 * the two answer shapes: a cart with its ETag, and a problem document.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  Cart,
  ERROR_CATALOG,
  errorType,
  type CreatedCart,
  type Discount,
  type ErrorCode,
  type Problem,
  type Product,
  type ProductInput,
} from '@cart/core';
import type { TestServer } from '@cart/test-support/test-server.ts';
import { HttpClient, type Reply } from '@cart/test-support/http.ts';
import {
  ConformanceReport,
  recordExchanges,
  type ExchangeRecorder,
} from '../support/openapi-conformance.ts';

export type StartServer = (env?: Record<string, string>) => Promise<TestServer>;

/** A running server as the tests see it; valid inside tests and hooks of its scope. */
export interface Harness {
  readonly url: string;
  readonly http: HttpClient;
  readonly adminToken: string;
}

/**
 * Every exchange with every server `useServer` starts (whichever client made it: this
 * HttpClient, raw requests, event streams), checked against the OpenAPI document that
 * server serves at /openapi.json. The file fails at its end on any answer the document
 * does not declare; OPENAPI_CONFORMANCE=report only prints the grouped list.
 */
export const conformance = new ConformanceReport();
afterAll(() => conformance.assert());

async function checkConformance(server: TestServer, recorder: ExchangeRecorder): Promise<void> {
  const exchanges = recorder.stop();
  const served = await new HttpClient(server.url).get('/openapi.json');
  if (served.status === 200) conformance.add(served.body, exchanges);
  else conformance.fail('GET /openapi.json', `answered ${served.status}: ${served.text}`);
}

/** Starts one server for the enclosing describe scope and closes it after. */
export function useServer(start: StartServer, env?: Record<string, string>): Harness {
  let server: TestServer | undefined;
  let client: HttpClient | undefined;
  let recorder: ExchangeRecorder | undefined;
  beforeAll(async () => {
    server = await start(env);
    recorder = recordExchanges(server.app.server);
    client = new HttpClient(server.url);
  });
  afterAll(async () => {
    if (server && recorder) await checkConformance(server, recorder);
    await server?.close();
  });
  const running = (): TestServer => {
    if (!server) throw new Error('the test server has not started');
    return server;
  };
  return {
    get url() {
      return running().url;
    },
    get http() {
      running();
      return client as HttpClient;
    },
    get adminToken() {
      return running().adminToken;
    },
  };
}

const runId = randomBytes(3).toString('hex');
let counter = 0;

/** A name no other test (or run against a shared server) uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${runId}-${counter}`;
}

/** A discount code no other test uses (letters and digits, upper case). */
export function uniqueCode(prefix = 'T'): string {
  counter += 1;
  return `${prefix}${runId}${counter}`.toUpperCase();
}

export const usd = (amount: number) => ({ amount, currency: 'USD' as const });

export type ProblemBody = Problem & { cart?: Cart };

/** Every error code a test has seen answered as expected, for the coverage check. */
export const answeredCodes = new Set<ErrorCode>();

/** Body of `POST /api/admin/discounts` as the tests send it. */
export interface DiscountBody {
  code: string;
  kind: 'percent' | 'fixed';
  value: number;
  minSubtotal?: number | null;
  startsAt?: string | null;
  endsAt?: string | null;
  usageLimit?: number | null;
  combinable?: boolean;
}

export function productInput(overrides: Partial<ProductInput> = {}): ProductInput {
  const sku = unique('sku');
  return {
    sku,
    name: `Mug ${sku}`,
    description: '',
    price: usd(1000),
    prices: [],
    // Not shipped unless a test says so: checkout then needs no address or shipping
    // option, and the tests about those set requiresShipping: true.
    requiresShipping: false,
    stock: null,
    maxPerOrder: null,
    imageUrl: null,
    ...overrides,
  };
}

/** Creates a product through the admin API (unlimited stock, $10.00 unless overridden). */
export async function createProduct(
  h: Harness,
  overrides: Partial<ProductInput> = {},
): Promise<Product> {
  const reply = await h.http.post<Product>('/api/admin/products', {
    token: h.adminToken,
    body: productInput(overrides),
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

/** Creates a discount through the admin API (10 % unless overridden). */
export async function createDiscount(
  h: Harness,
  overrides: Partial<DiscountBody> = {},
): Promise<Discount> {
  const reply = await h.http.post<Discount>('/api/admin/discounts', {
    token: h.adminToken,
    body: { code: uniqueCode(), kind: 'percent', value: 1000, ...overrides },
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
}

/** A cart the test holds: its id, its secret, and the cart as created. */
export interface OpenCart {
  id: string;
  token: string;
  created: CreatedCart;
}

export async function createCart(h: Harness): Promise<OpenCart> {
  const reply = await h.http.post<CreatedCart>('/api/carts');
  expect(reply.status, reply.text).toBe(201);
  return { id: reply.body.id, token: reply.body.token, created: reply.body };
}

export const cartPath = (cart: { id: string }, rest = '') => `/api/carts/${cart.id}${rest}`;

export async function getCart(h: Harness, cart: OpenCart): Promise<Cart> {
  return expectCart(await h.http.get(cartPath(cart), { token: cart.token }));
}

export async function addLine(
  h: Harness,
  cart: OpenCart,
  productId: string,
  quantity: number,
  attributes?: Record<string, string>,
): Promise<Cart> {
  const body =
    attributes === undefined ? { productId, quantity } : { productId, quantity, attributes };
  return expectCart(await h.http.post(cartPath(cart, '/lines'), { token: cart.token, body }));
}

/** Asserts a cart answer: status, a cart that matches the core schema, and its ETag. */
export function expectCart(reply: Reply, status = 200): Cart {
  expect(reply.status, reply.text).toBe(status);
  const parsed = Cart.safeParse(reply.body);
  expect(parsed.error?.issues ?? [], reply.text).toEqual([]);
  const cart = reply.body as Cart;
  expect(reply.headers.get('etag')).toBe(`"${cart.version}"`);
  return cart;
}

const SQL_TEXT =
  /\bSELECT\b[\s\S]*\bFROM\b|\bINSERT INTO\b|\bUPDATE\b[\s\S]*\bSET\b|SQLITE_|no such table|constraint failed/;
const INTERNALS = /\n\s+at |node_modules|\/work\/|\/tmp\/|packages\/server|\.ts:\d+|"stack"/i;

/** Asserts that an error answer shows nothing of the server's insides. */
export function expectNoLeak(text: string): void {
  expect(text).not.toMatch(SQL_TEXT);
  expect(text).not.toMatch(INTERNALS);
}

/**
 * Asserts an RFC 9457 problem answer with the given status and code: the media type,
 * the members, the title of the error catalog, and no internals.
 */
export function expectProblem(reply: Reply, status: number, code: ErrorCode): ProblemBody {
  expect(
    { status: reply.status, code: (reply.body as { code?: unknown } | undefined)?.code },
    reply.text,
  ).toEqual({ status, code });
  answeredCodes.add(code);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json\b/);
  const body = reply.body as ProblemBody;
  expect(body.status).toBe(status);
  expect(body.title).toBe(ERROR_CATALOG[code].title);
  expect(typeof body.type).toBe('string');
  expect(body.type.endsWith(errorType(code))).toBe(true);
  expect(typeof body.detail).toBe('string');
  expect(typeof body.requestId).toBe('string');
  expect(body.requestId?.length).toBeGreaterThan(0);
  // errors[] is checked where a test knows what it should point at (expectInvalidAt,
  // expectInvalidField); here only its shape, when it is there.
  for (const e of body.errors ?? []) {
    expect(typeof e.path).toBe('string');
    expect(typeof e.message).toBe('string');
  }
  expectNoLeak(reply.text);
  return body;
}

/** Asserts a 400 VALIDATION_FAILED whose errors point at `pointer` (a JSON Pointer). */
export function expectInvalidAt(reply: Reply, pointer: string): ProblemBody {
  const body = expectProblem(reply, 400, 'VALIDATION_FAILED');
  expect(
    body.errors?.map((e) => e.path),
    reply.text,
  ).toContain(pointer);
  return body;
}

/** Asserts a 400 VALIDATION_FAILED that names `field` (an unknown or refused member). */
export function expectInvalidField(reply: Reply, field: string): ProblemBody {
  const body = expectProblem(reply, 400, 'VALIDATION_FAILED');
  const named = (body.errors ?? []).some(
    (e) => e.path.includes(field) || e.message.includes(field),
  );
  expect(named, `errors should name ${field}: ${reply.text}`).toBe(true);
  return body;
}

/** One page of a list endpoint. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/**
 * Follows `nextCursor` through a list endpoint (`?limit=&cursor=`) and returns every
 * item. A page without `nextCursor` is taken as the last one (the admin discount list
 * answers a single page).
 */
export async function listAll<T>(
  h: Harness,
  path: string,
  token?: string,
  limit = 100,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const seen = new Set<string>();
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const after = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const reply: Reply<Page<T>> = await h.http.get<Page<T>>(
      `${path}${sep}limit=${limit}${after}`,
      token === undefined ? {} : { token },
    );
    expect(reply.status, reply.text).toBe(200);
    expect(Array.isArray(reply.body.items), reply.text).toBe(true);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor ?? null;
    if (cursor === null) return items;
    expect(seen.has(cursor), `${path} repeats the cursor ${cursor}`).toBe(false);
    seen.add(cursor);
  }
}
