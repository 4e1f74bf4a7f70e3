// Over 400 lines on purpose: one app and one database watch for 10,000 requests; the plan,
// the checks and the final report read as one run.
/**
 * Property-based fuzzing of every endpoint (issue 4): at least 10,000 requests generated
 * from the core schemas and spoiled (see fuzz-plans.ts and fuzz-routes.ts), sent with `app.inject()` to
 * one app on SQLite. Every answer must be
 *
 *   - under 500, from a server that is still up;
 *   - either a problem document (application/problem+json, the core `Problem` schema, a
 *     catalog code whose status is the HTTP status) or the resource the route promises
 *     (parsed with its core schema: Cart, CreatedCart, CheckoutResult, Product, …);
 *   - free of stack traces, paths, SQL, and of any cart token but a new cart's own;
 *   - declared by the OpenAPI document: its status, headers, code and body (checked for
 *     every answer at the end, test/support/openapi-conformance.ts);
 *
 * and every refused request (status ≥ 400) must leave the database exactly as it was:
 * every table but idempotency_keys, which keeps refusals made after validation on purpose,
 * and refusals, which records refused adds and checkouts on purpose (lost demand, written
 * after the answer: docs/operations.md#lost-demand).
 * One refusal changes a cart by design: checkout's 409 PRICES_CHANGED stores the cart
 * re-priced at today's catalog (and its audit record) for the shopper to confirm; it may
 * touch `carts` and `audit_log` only, never stock, codes, orders or usage events.
 *
 * The seed is fixed so that CI runs the same requests every time; it is printed, and
 * FUZZ_SEED / FUZZ_RUNS override it (FUZZ_FULL_SNAPSHOTS=1 compares a full snapshot
 * around every refused request instead of relying on PRAGMA data_version; slower).
 *
 * Over 400 lines on purpose: the world it seeds, the one property and the checks of each
 * answer read together; the generators and the spoiling live in fuzz-*.ts already.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  Cart,
  CheckoutResult,
  CreatedCart,
  ERROR_CATALOG,
  Problem,
  errorType,
  type Discount,
  type Product,
  type ProductPage,
} from '@cart/core';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { TEST_ADMIN_TOKEN } from '@cart/test-support/test-server.ts';
import { DatabaseWatch, type Snapshot } from './database-watch.ts';
import { buildRequest, planArb, type Plan } from './fuzz-plans.ts';
import type { Shape } from './fuzz-routes.ts';
import { World } from './fuzz-world.ts';
import { leaksIn } from './leaks.ts';
import { ConformanceReport, type Exchange } from '../support/openapi-conformance.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_404);
const CHECKOUT = 'POST /carts/:id/checkout';
/** What checkout's PRICES_CHANGED refusal writes: the re-priced cart and its audit record. */
const REPRICE_WRITES = new Set(['carts', 'audit_log']);
/**
 * Routes whose refusals are recorded (the `refusals` table, left out of the snapshots):
 * the record commits, so these need a snapshot before, like checkout.
 */
const RECORDS_REFUSALS = new Set([
  'POST /carts/:id/lines',
  'PATCH /carts/:id/lines/:lineId',
  'POST /carts/:id/actions',
  CHECKOUT,
]);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const FULL_SNAPSHOTS = process.env.FUZZ_FULL_SNAPSHOTS === '1';
const REQUEST_TIMEOUT_MS = 10_000;

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const TOKEN_LIKE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

let dir: string;
let app: FastifyInstance;
let watch: DatabaseWatch;
let world: World;
/** What the fuzzer sent and got, checked against the OpenAPI document at the end. */
const exchanges: Exchange[] = [];

beforeAll(async () => {
  // On tmpfs when there is one: the run commits thousands of changes with fsync.
  dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cart-fuzz-'));
  const databasePath = join(dir, 'cart.db');
  const unlimited = '1000000';
  const config = loadConfig({
    DATABASE_URL: `sqlite:${databasePath}`,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // The limiter runs (its hooks see every request) but never says no to the fuzzer.
    RATE_LIMITS: 'on',
    RATE_LIMIT_CLIENT: unlimited,
    RATE_LIMIT_CART: unlimited,
    RATE_LIMIT_DISCOUNT_CART: unlimited,
    RATE_LIMIT_DISCOUNT_CLIENT: unlimited,
    RATE_LIMIT_CHECKOUT: unlimited,
  });
  app = await buildApp(config);
  await app.ready();
  watch = new DatabaseWatch(
    databasePath,
    new Set(['idempotency_keys', 'refusals']),
    !FULL_SNAPSHOTS,
  );
  world = await seedWorld();
});

afterAll(async () => {
  // Every answer the fuzzer got must be one the OpenAPI document declares.
  const document: unknown = (await app.inject({ url: '/openapi.json' })).json();
  const report = new ConformanceReport();
  report.add(document, exchanges);
  watch.close();
  await app.close();
  report.assert();
  rmSync(dir, { recursive: true, force: true });
});

/** Products, codes and carts of every kind the rules tell apart, and a CSRF token. */
async function seedWorld(): Promise<World> {
  const w = new World(TEST_ADMIN_TOKEN);
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const products = [
    { price: usd(1500), stock: null, maxPerOrder: null },
    { price: usd(250), stock: 3, maxPerOrder: null },
    { price: usd(999), stock: 0, maxPerOrder: null },
    { price: usd(4000), stock: null, maxPerOrder: 2 },
    { price: usd(10_000_000_000), stock: null, maxPerOrder: null },
    { price: usd(1), stock: 1_000_000, maxPerOrder: null },
    { price: { amount: 500, currency: 'EUR' }, stock: null, maxPerOrder: null },
  ];
  for (const [i, p] of products.entries()) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: admin,
      payload: { sku: `fuzz-${i}`, name: `Fuzz ${i}`, description: '', imageUrl: null, ...p },
    });
    expect(res.statusCode, res.body).toBe(201);
    w.products.push(res.json<Product>());
  }
  const discounts = [
    { code: 'TENOFF', kind: 'percent', value: 1000 },
    { code: 'FIVE', kind: 'fixed', value: 500 },
    { code: 'BIGSPEND', kind: 'percent', value: 2000, minSubtotal: 100_000 },
    { code: 'ONCE', kind: 'fixed', value: 100, usageLimit: 1 },
    { code: 'SOLO', kind: 'percent', value: 5000, combinable: false },
    {
      code: 'OLD',
      kind: 'fixed',
      value: 100,
      startsAt: '2000-01-01T00:00:00Z',
      endsAt: '2001-01-01T00:00:00Z',
    },
    { code: 'SOON', kind: 'fixed', value: 100, startsAt: '2999-01-01T00:00:00Z' },
  ];
  for (const d of discounts) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/discounts',
      headers: admin,
      payload: d,
    });
    expect(res.statusCode, res.body).toBe(201);
    w.codes.push(res.json<Discount>().code);
  }
  for (let i = 0; i < 8; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/carts' });
    expect(res.statusCode, res.body).toBe(201);
    w.addCart(CreatedCart.parse(res.json()));
  }
  w.csrf = (await app.inject({ url: '/api/csrf' })).json<{ token: string }>().token;
  return w;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const header = (res: LightMyRequestResponse, name: string) => {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v === undefined ? undefined : String(v);
};

/** What is wrong with a successful answer, given the shape its route promises. */
function shapeProblems(shape: Shape, res: LightMyRequestResponse): string[] {
  const type = header(res, 'content-type') ?? '';
  if (shape === 'empty') return res.body === '' ? [] : ['a body where none belongs'];
  if (shape === 'text') return /^text\/plain/.test(type) ? [] : [`metrics as ${type}`];
  if (shape === 'html') return /^text\/html/.test(type) ? [] : [`page as ${type}`];
  if (!/^application\/json/.test(type)) return [`resource as ${type || 'no content type'}`];
  const json = parseJson(res.body);
  if (json === undefined) return ['a resource that is not JSON'];
  if (shape === 'json') return [];
  const parsed = z.safeParse(shape, json);
  if (!parsed.success)
    return [
      `not a valid resource: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('/')} ${i.message}`)
        .join('; ')}`,
    ];
  const version =
    shape === Cart || shape === CreatedCart
      ? (json as Cart).version
      : shape === CheckoutResult
        ? (json as CheckoutResult).cart.version
        : undefined;
  if (version !== undefined && header(res, 'etag') !== `"${version}"`)
    return [`ETag ${header(res, 'etag')} for version ${version}`];
  return [];
}

/** What is wrong with an answer: the invariants every answer must keep. */
function answerProblems(
  plan: Plan,
  res: LightMyRequestResponse,
  tokens: ReadonlySet<string>,
): string[] {
  const status = res.statusCode;
  const found: string[] = [];
  if (status >= 500) found.push(`status ${status}`);
  if (header(res, 'x-content-type-options') !== 'nosniff')
    found.push('no X-Content-Type-Options: nosniff');
  if (header(res, 'x-powered-by') !== undefined) found.push('X-Powered-By');
  for (const leak of leaksIn(status, res.body)) found.push(`shows ${leak}`);
  if (plan.route.name !== 'POST /carts')
    for (const [candidate] of res.body.matchAll(TOKEN_LIKE))
      if (tokens.has(candidate)) found.push('shows a cart token');
  if (status < 400) {
    const shape = plan.route.ok[status];
    return shape === undefined
      ? [...found, `unexpected status ${status}`]
      : [...found, ...shapeProblems(shape, res)];
  }
  const type = header(res, 'content-type') ?? '';
  if (!/^application\/problem\+json/.test(type))
    found.push(`error ${status} as ${type || 'no content type'}`);
  const parsed = Problem.safeParse(parseJson(res.body));
  if (!parsed.success) return [...found, `error ${status} is not a problem document`];
  const p = parsed.data;
  const entry = ERROR_CATALOG[p.code];
  if (entry.status !== status || p.status !== status) found.push(`${p.code} answered as ${status}`);
  if (p.title !== entry.title || !p.type.endsWith(errorType(p.code)))
    found.push(`${p.code} with another title or type`);
  // A replayed answer is the first answer, body and all: its requestId is the first one's.
  const replayed = header(res, 'idempotent-replayed') === 'true';
  if (!replayed && p.requestId !== header(res, 'x-request-id'))
    found.push('requestId is not X-Request-Id');
  return found;
}

/** Keeps the fuzzer's picture of the data in step with what the server answered. */
function learn(plan: Plan, res: LightMyRequestResponse, body: unknown): void {
  if (res.statusCode >= 300) return;
  const json = parseJson(res.body);
  switch (plan.route.name) {
    case 'POST /carts':
      world.addCart(json as CreatedCart);
      return;
    case 'POST /carts/:id/checkout':
      world.sawCart((json as CheckoutResult).cart);
      return;
    case 'POST /carts/:id/merge': {
      world.sawCart(json as Cart);
      const source = world.carts.find(
        (c) => c.id === (body as { sourceCartId?: unknown }).sourceCartId,
      );
      if (source) source.status = 'merged';
      return;
    }
    case 'POST /admin/products':
      world.products.push(json as Product);
      return;
    case 'POST /admin/discounts':
      world.codes.push((json as Discount).code);
      return;
    case 'GET /products':
    case 'GET /admin/products': {
      const next = (json as ProductPage).nextCursor;
      if (next !== null && world.cursors.length < 50) world.cursors.push(next);
      return;
    }
    default:
      if (plan.route.name.startsWith('GET /carts/:id') || plan.route.ok[200] === Cart) {
        if (res.statusCode === 200) world.sawCart(json as Cart);
      }
  }
}

/** Answers per route (accepted of sent) and per problem code, for the log. */
function summary(tally: ReadonlyMap<string, number>): string {
  const routes = new Map<string, [number, number]>();
  const codes = new Map<string, number>();
  for (const [key, n] of tally) {
    const [route = '', status = '', code = ''] = key.split('\t');
    const r = routes.get(route) ?? [0, 0];
    routes.set(route, [r[0] + (Number(status) < 400 ? n : 0), r[1] + n]);
    if (code !== '') codes.set(code, (codes.get(code) ?? 0) + n);
  }
  const lines = [...routes]
    .sort()
    .map(([route, [ok, all]]) => `  ${route}: ${ok} of ${all} accepted`);
  const refused = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
  return `${lines.join('\n')}\n  refusals: ${refused.join(', ')}`;
}

function inject(request: InjectOptions): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS,
    );
  });
  return Promise.race([app.inject(request), timeout])
    .then((res) => {
      exchanges.push({
        method: request.method ?? 'GET',
        path: typeof request.url === 'string' ? request.url : (request.url?.pathname ?? ''),
        status: res.statusCode,
        headers: res.headers,
        body: res.body,
      });
      return res;
    })
    .finally(() => clearTimeout(timer));
}

describe('fuzzing every endpoint from the core schemas', () => {
  it('sees every commit through PRAGMA data_version, and only idempotency_keys and refusals are left out', async () => {
    const cart = world.cart(0);
    const headers = { authorization: `Bearer ${cart.token}`, 'content-type': 'application/json' };
    const v0 = watch.dataVersion();
    const before = watch.snapshot();
    const refused = await app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}`,
      headers,
      payload: '{"note":1}',
    });
    expect(refused.statusCode).toBe(400);
    expect(watch.dataVersion()).toBe(v0);
    const accepted = await app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}`,
      headers,
      payload: '{"note":"probe"}',
    });
    expect(accepted.statusCode).toBe(200);
    world.sawCart(accepted.json<Cart>());
    const v1 = watch.dataVersion();
    expect(v1).not.toBe(v0);
    const after = watch.snapshot();
    expect(DatabaseWatch.diff(before, after)).toEqual(
      expect.arrayContaining(['audit_log', 'carts']),
    );
    // A refusal kept for an Idempotency-Key commits, but only to the table left out.
    const stale = await app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}`,
      headers: { ...headers, 'if-match': '"1"', 'idempotency-key': 'probe-key' },
      payload: '{"note":"late"}',
    });
    expect(stale.statusCode).toBe(412);
    expect(watch.dataVersion()).not.toBe(v1);
    expect(DatabaseWatch.diff(after, watch.snapshot())).toEqual([]);
  });

  it(`answers ${RUNS} generated requests to every endpoint: no 5xx, only problems or valid resources, and no refusal changes the data`, async () => {
    console.log(
      `fuzz: seed ${SEED}, ${RUNS} requests (replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`,
    );
    const started = performance.now();
    const tally = new Map<string, number>();
    const violations = new Map<string, { count: number; example: string }>();
    let cache: { version: number; snapshot: Snapshot } | null = null;
    const snapshotAt = (version: number): Snapshot => {
      if (cache?.version !== version) cache = { version, snapshot: watch.snapshot() };
      return cache.snapshot;
    };
    let sent = 0;

    const exercise = async (plan: Plan): Promise<void> => {
      const { request, body, url, payload } = buildRequest(plan, world);
      const v0 = watch.dataVersion();
      // A checkout may answer PRICES_CHANGED, which writes: know what it changed.
      const before =
        plan.idempotencyKey !== null || FULL_SNAPSHOTS || RECORDS_REFUSALS.has(plan.route.name)
          ? snapshotAt(v0)
          : null;
      let res: LightMyRequestResponse;
      try {
        res = await inject(request);
        // A refusal's record is written after its answer: within this request's window.
        await app.flushRecords();
      } catch (error) {
        violations.set(`no answer: ${String(error)}`, {
          count: 1,
          example: JSON.stringify(request).slice(0, 600),
        });
        return;
      }
      sent += 1;
      const found = answerProblems(plan, res, world.tokens);
      if (res.statusCode >= 400) {
        const v1 = watch.dataVersion();
        if (v1 !== v0 || FULL_SNAPSHOTS) {
          const after = watch.snapshot();
          const base = before ?? (cache?.version === v0 ? cache.snapshot : null);
          const repriced =
            plan.route.name === CHECKOUT &&
            (parseJson(res.body) as { code?: string } | undefined)?.code === 'PRICES_CHANGED';
          const changed = (
            base ? DatabaseWatch.diff(base, after) : ['(something: it committed)']
          ).filter((table) => !(repriced && REPRICE_WRITES.has(table)));
          cache = { version: v1, snapshot: after };
          if (changed.length > 0)
            found.push(`refused with ${res.statusCode} but changed ${changed.join(', ')}`);
        }
      }
      learn(plan, res, body);
      const code =
        res.statusCode >= 400
          ? (parseJson(res.body) as { code?: string } | undefined)?.code
          : undefined;
      const key = `${plan.route.name}\t${res.statusCode}\t${code ?? ''}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      for (const problem of found) {
        const kind = `${plan.route.name}: ${problem}`;
        const seen = violations.get(kind);
        if (seen) seen.count += 1;
        else
          violations.set(kind, {
            count: 1,
            example: `${plan.route.method} ${url} ${JSON.stringify(request.headers)} ${(payload ?? '').slice(0, 300)}\n  → ${res.statusCode} ${header(res, 'content-type') ?? ''} ${res.body.slice(0, 300)}`,
          });
      }
    };

    await fc.assert(fc.asyncProperty(planArb, exercise), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: true,
    });

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`fuzz: ${sent} requests in ${seconds} s (seed ${SEED})\n${summary(tally)}`);
    const report = [...violations].map(([kind, v]) => `${kind} (×${v.count})\n  e.g. ${v.example}`);
    if (report.length > 0) console.log(`fuzz violations (seed ${SEED}):\n${report.join('\n')}`);

    expect(sent).toBeGreaterThanOrEqual(RUNS);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect(watch.integrity()).toBe('ok');
    expect(report).toEqual([]);
  }, 600_000);
});
