// Over 400 lines on purpose: one server and one database watch for every attack, and the
// last test checks every answer the file got for leaks, which needs them all in one run.
/**
 * Attacks over real HTTP against the real server on SQLite (issue 4, docs/security.md):
 * other people's carts, guessed ids and tokens, server-owned fields in bodies, oversized
 * and deeply nested bodies, prototype pollution, SQL injection, Unicode tricks, admin
 * routes with cart credentials, and what answers may show. Each attack checks that it
 * was refused (or its input stored as plain data) and that nothing else changed.
 *
 * The contract suite (test/contract) already covers ordinary validation; these are the
 * hostile cases, and every answer this file gets is checked at the end for leaks.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG, Problem, type Cart, type CreatedCart, type Product } from '@cart/core';
import { verifyChain } from '../../src/audit/chain.ts';
import {
  addLine,
  cartPath,
  createCart,
  createDiscount,
  createProduct,
  expectCart,
  expectInvalidAt,
  expectInvalidField,
  expectProblem,
  getCart,
  productInput,
  uniqueCode,
  type Harness,
  type OpenCart,
} from '../contract/harness.ts';
import type { Reply, RequestOptions } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';
import { DatabaseWatch, type Snapshot } from './database-watch.ts';
import { RecordingClient, leaksIn } from './leaks.ts';
import {
  BIDI,
  FORBIDDEN_IN_NOTE,
  FORBIDDEN_IN_TEXT,
  INVISIBLE,
  LONE_SURROGATE,
  LONE_SURROGATE_TEXTS,
  SERVER_OWNED_FIELDS,
  SQL_INJECTIONS,
  STRIPPED,
  interleaved,
} from './payloads.ts';

let server: TestServer;
let http: RecordingClient;
let watch: DatabaseWatch;
let tablesAtStart: string[];

const h: Harness = {
  get url() {
    return server.url;
  },
  get http() {
    return http;
  },
  get adminToken() {
    return server.adminToken;
  },
};

beforeAll(async () => {
  server = await startTestServer();
  http = new RecordingClient(server.url);
  watch = new DatabaseWatch(server.databasePath);
  tablesAtStart = watch.tables();
});
afterAll(async () => {
  watch.close();
  await server.close();
});

const JSON_TYPE = { 'content-type': 'application/json' };
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const randomToken = () => randomBytes(32).toString('base64url');
const arraysOf = (n: number) => '['.repeat(n) + ']'.repeat(n);
const raw = (rawBody: string, extra: RequestOptions = {}): RequestOptions => ({
  ...extra,
  rawBody,
  headers: { ...JSON_TYPE, ...extra.headers },
});

/** Runs `attack` and asserts that the database is exactly as it was before it. */
async function expectNothingChanged(attack: () => Promise<void>): Promise<void> {
  const before: Snapshot = watch.snapshot();
  await attack();
  expect(DatabaseWatch.diff(before, watch.snapshot()), 'tables changed by the attack').toEqual([]);
}

/** An answer with what legitimately differs between two requests taken out. */
function comparable(reply: Reply): unknown {
  const { requestId: _r, instance, ...body } = (reply.body ?? {}) as Record<string, unknown>;
  const headers = [...reply.headers].filter(([k]) => k !== 'date' && k !== 'x-request-id');
  const path = typeof instance === 'string' ? instance.split('/').slice(4).join('/') : instance;
  return { status: reply.status, body, path, headers };
}

/** A cart with a line, a code and a note: something worth attacking. */
async function victimCart(): Promise<{ cart: OpenCart; state: Cart; product: Product }> {
  const product = await createProduct(h, { stock: 50 });
  const discount = await createDiscount(h);
  const cart = await createCart(h);
  await addLine(h, cart, product.id, 2, { engraving: 'mine' });
  await http.post(cartPath(cart, '/discounts'), {
    token: cart.token,
    body: { code: discount.code },
  });
  await http.patch(cartPath(cart), {
    token: cart.token,
    body: { note: 'private', email: 'v@example.com' },
  });
  return { cart, state: await getCart(h, cart), product };
}

describe('object-level access (API1): another cart with my credential', () => {
  it("answers another cart's id with my token exactly like an unknown id, and leaves it unchanged", async () => {
    const { cart: victim, state, product } = await victimCart();
    const attacker = await createCart(h);
    const lineId = state.lines[0]?.id ?? '';
    const code = state.discounts[0]?.code ?? '';
    const unknownId = randomUUID();
    const requests: [string, string, unknown?][] = [
      ['GET', ''],
      ['GET', '/events'],
      ['PATCH', '', { note: 'pwned' }],
      ['POST', '/lines', { productId: product.id, quantity: 1 }],
      ['PATCH', `/lines/${lineId}`, { quantity: 0 }],
      ['DELETE', `/lines/${lineId}`],
      ['POST', '/discounts', { code }],
      ['DELETE', `/discounts/${code}`],
      ['POST', '/actions', { actions: [{ type: 'clear' }] }],
      ['POST', '/merge', { sourceCartId: attacker.id, sourceToken: attacker.token }],
      ['POST', '/checkout'],
    ];
    const flipped = victim.token.slice(0, -1) + (victim.token.endsWith('A') ? 'B' : 'A');
    const credentials: [string, RequestOptions][] = [
      ['my token', { token: attacker.token }],
      ['no token', {}],
      ['a random token', { token: randomToken() }],
      ['a malformed token', { token: 'not-a-token' }],
      ["the victim's token with one character changed", { token: flipped }],
      ['my cookie', { headers: { cookie: `cart_token=${attacker.token}` } }],
    ];
    await expectNothingChanged(async () => {
      for (const [method, rest, body] of requests) {
        for (const [who, options] of credentials) {
          const withBody = body === undefined ? options : { ...options, body };
          const onVictim = await http.request(method, `/api/carts/${victim.id}${rest}`, withBody);
          const onUnknown = await http.request(method, `/api/carts/${unknownId}${rest}`, withBody);
          const label = `${method} ${rest || '/'} with ${who}`;
          expect(comparable(onVictim), label).toEqual(comparable(onUnknown));
          if (who !== 'my cookie' || method === 'GET')
            expectProblem(onVictim, 404, 'CART_NOT_FOUND');
          else expectProblem(onVictim, 403, 'CSRF_TOKEN_INVALID');
        }
      }
    });
    expect(await getCart(h, victim)).toEqual(state);
  });

  it('does not let my cart reach a line of another cart', async () => {
    const { cart: victim, state, product } = await victimCart();
    const attacker = await createCart(h);
    await addLine(h, attacker, product.id, 1);
    const mine = await getCart(h, attacker);
    const theirLine = state.lines[0]?.id ?? '';
    await expectNothingChanged(async () => {
      const auth = { token: attacker.token };
      const lines = cartPath(attacker, `/lines/${theirLine}`);
      expectProblem(
        await http.patch(lines, { ...auth, body: { quantity: 9 } }),
        404,
        'LINE_NOT_FOUND',
      );
      expectProblem(await http.delete(lines, auth), 404, 'LINE_NOT_FOUND');
      const batch = { actions: [{ type: 'setLineQuantity', lineId: theirLine, quantity: 9 }] };
      expectProblem(
        await http.post(cartPath(attacker, '/actions'), { ...auth, body: batch }),
        404,
        'LINE_NOT_FOUND',
      );
    });
    expect(await getCart(h, victim)).toEqual(state);
    expect(await getCart(h, attacker)).toEqual(mine);
  });

  it('does not merge in a cart whose token I do not hold, and says so as for an unknown cart', async () => {
    const { cart: victim, state } = await victimCart();
    const attacker = await createCart(h);
    const unknownId = randomUUID();
    await expectNothingChanged(async () => {
      for (const sourceToken of [
        attacker.token,
        randomToken(),
        `${victim.token}x`,
        `' OR '1'='1`,
      ]) {
        const merge = (sourceCartId: string) =>
          http.post(cartPath(attacker, '/merge'), {
            token: attacker.token,
            body: { sourceCartId, sourceToken },
          });
        const taken = await merge(victim.id);
        expectProblem(taken, 404, 'CART_NOT_FOUND');
        expect(comparable(taken)).toEqual(comparable(await merge(unknownId)));
      }
    });
    expect(await getCart(h, victim)).toEqual(state);
    expect(state.status).toBe('active');
  });

  it('gives guessed cart and product ids a 404 and malformed ones a 400, before any lookup', async () => {
    const mine = await createCart(h);
    const product = await createProduct(h);
    const lastFlipped = (id: string) => id.slice(0, -1) + (id.endsWith('0') ? '1' : '0');
    const guesses = [
      ...Array.from({ length: 10 }, () => randomUUID()),
      ...['0', '1', '2', 'admin', 'null', 'undefined', 'a'.repeat(64), '-', '_'],
      mine.id.toUpperCase(),
      lastFlipped(mine.id),
      product.id,
    ];
    for (const id of guesses) {
      expectProblem(
        await http.get(`/api/carts/${id}`, { token: mine.token }),
        404,
        'CART_NOT_FOUND',
      );
      if (id !== product.id) expectProblem(await http.get(`/api/products/${id}`), 404, 'NOT_FOUND');
    }
    const malformed = [
      'a'.repeat(65),
      'a.b',
      'a%20b',
      '..%2fadmin',
      '%C3%A9',
      "'%3B--",
      '%00',
      '*',
      '%E2%80%AE',
    ];
    for (const id of malformed) {
      expectInvalidAt(await http.get(`/api/carts/${id}`, { token: mine.token }), '/params/id');
      expectInvalidAt(await http.get(`/api/products/${id}`), '/params/id');
    }
    for (let i = 0; i < 20; i++)
      expectProblem(
        await http.get(cartPath(mine), { token: randomToken() }),
        404,
        'CART_NOT_FOUND',
      );
  });

  it('issues random UUIDs and 256-bit tokens, and stores only their SHA-256 (a database copy reveals no token)', async () => {
    const made: CreatedCart[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await http.post<CreatedCart>('/api/carts');
      expect(reply.status).toBe(201);
      made.push(reply.body);
    }
    const key = `create-${randomUUID()}`;
    const first = await http.post<CreatedCart>('/api/carts', {
      headers: { 'idempotency-key': key },
    });
    made.push(first.body);
    for (const cart of made) {
      expect(cart.id).toMatch(UUID_V4);
      expect(cart.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(cart.token, 'base64url')).toHaveLength(32);
      const [row] = watch.all<{ token_hash: Buffer }>(
        'SELECT token_hash FROM carts WHERE id = ?',
        cart.id,
      );
      expect(row?.token_hash.equals(createHash('sha256').update(cart.token).digest())).toBe(true);
    }
    expect(new Set(made.map((c) => c.token)).size).toBe(made.length);
    const everything = [...new DatabaseWatch(server.databasePath).snapshot().values()].join('\n');
    for (const cart of made)
      expect(everything.includes(cart.token), 'a token in the database').toBe(false);
    // The idempotent create is stored for replay, but sealed: only the same key opens it.
    const payloads = watch.all<{ payload: string }>('SELECT payload FROM idempotency_keys');
    for (const { payload } of payloads) expect(() => JSON.parse(payload) as unknown).toThrow();
    const replay = await http.post<CreatedCart>('/api/carts', {
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.token).toBe(first.body.token);
  });
});

describe('object-property authorization (API3): server-owned fields in bodies', () => {
  it('refuses price, unitPrice, version, status, token and discountTotal in every body with a 400 naming them', async () => {
    const product = await createProduct(h);
    const discount = await createDiscount(h);
    const cart = await createCart(h);
    const lineId = (await addLine(h, cart, product.id, 1)).lines[0]?.id ?? '';
    const other = await createCart(h);
    const cartBodies: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/carts', {}],
      ['POST', cartPath(cart, '/lines'), { productId: product.id, quantity: 1 }],
      ['PATCH', cartPath(cart, `/lines/${lineId}`), { quantity: 2 }],
      ['POST', cartPath(cart, '/discounts'), { code: discount.code }],
      ['PATCH', cartPath(cart), { note: 'hi' }],
      ['POST', cartPath(cart, '/actions'), { actions: [{ type: 'clear' }] }],
      ['POST', cartPath(cart, '/merge'), { sourceCartId: other.id, sourceToken: other.token }],
      ['POST', cartPath(cart, '/checkout'), {}],
    ];
    const actions: Record<string, unknown>[] = [
      { type: 'addLine', productId: product.id, quantity: 1 },
      { type: 'setLineQuantity', lineId, quantity: 3 },
      { type: 'removeLine', lineId },
      { type: 'applyDiscount', code: discount.code },
      { type: 'removeDiscount', code: discount.code },
      { type: 'setNote', note: 'n' },
      { type: 'setEmail', email: 'a@example.com' },
      { type: 'clear' },
    ];
    const admin = { token: h.adminToken };
    const adminBodies: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
      ['POST', '/api/admin/products', productInput(), { id: randomUUID() }],
      [
        'PUT',
        `/api/admin/products/${product.id}`,
        productInput({ sku: product.sku }),
        { id: randomUUID() },
      ],
      [
        'POST',
        '/api/admin/discounts',
        { code: uniqueCode(), kind: 'fixed', value: 100 },
        { timesUsed: 0 },
      ],
    ];
    await expectNothingChanged(async () => {
      for (const [field, value] of Object.entries(SERVER_OWNED_FIELDS)) {
        for (const [method, path, body] of cartBodies) {
          const reply = await http.request(method, path, {
            token: cart.token,
            body: { ...body, [field]: value },
          });
          expectInvalidField(reply, field);
        }
        for (const action of actions) {
          const body = { actions: [{ ...action, [field]: value }] };
          const reply = await http.post(cartPath(cart, '/actions'), { token: cart.token, body });
          expect(expectInvalidField(reply, field).errors?.[0]?.path).toMatch(/^\/actions\/0\//);
        }
        for (const [method, path, body] of adminBodies) {
          if (field === 'price' && path.includes('products')) continue; // a product has a price
          expectInvalidField(
            await http.request(method, path, { ...admin, body: { ...body, [field]: value } }),
            field,
          );
        }
      }
      for (const [method, path, body, extra] of adminBodies) {
        const [field] = Object.keys(extra);
        expectInvalidField(
          await http.request(method, path, { ...admin, body: { ...body, ...extra } }),
          field ?? '',
        );
      }
    });
  });
});

describe('resource consumption (API4): sizes, batches and nesting', () => {
  it('answers 413 to a body over 64 KiB on every route that takes one, with or without a length', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    const lineId = (await addLine(h, cart, product.id, 1)).lines[0]?.id ?? '';
    const big = JSON.stringify({ note: 'x'.repeat(70 * 1024) });
    const routes: [string, string, string][] = [
      ['POST', '/api/carts', cart.token],
      ['POST', cartPath(cart, '/lines'), cart.token],
      ['PATCH', cartPath(cart, `/lines/${lineId}`), cart.token],
      ['POST', cartPath(cart, '/discounts'), cart.token],
      ['PATCH', cartPath(cart), cart.token],
      ['POST', cartPath(cart, '/actions'), cart.token],
      ['POST', cartPath(cart, '/merge'), cart.token],
      ['POST', cartPath(cart, '/checkout'), cart.token],
      ['POST', '/api/admin/products', h.adminToken],
      ['PUT', `/api/admin/products/${product.id}`, h.adminToken],
      ['POST', '/api/admin/discounts', h.adminToken],
    ];
    await expectNothingChanged(async () => {
      for (const [method, path, token] of routes) {
        expectProblem(
          await http.request(method, path, raw(big, { token })),
          413,
          'PAYLOAD_TOO_LARGE',
        );
        // The same without Content-Length: a chunked stream is cut off at the limit too.
        const chunks = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < 80; i++)
              controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
            controller.close();
          },
        });
        const streamed = await fetch(new URL(path, h.url), {
          method,
          headers: { ...JSON_TYPE, authorization: `Bearer ${token}` },
          body: chunks,
          duplex: 'half',
        } as RequestInit);
        expect(streamed.status, `${method} ${path} chunked`).toBe(413);
        expect(((await streamed.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
      }
    });
  });

  it('refuses a batch over MAX_BATCH_ACTIONS (100) whole, and takes one of 100', async () => {
    const cart = await createCart(h);
    const batch = (n: number) => ({
      actions: Array.from({ length: n }, (_, i) => ({ type: 'setNote', note: `n${i}` })),
    });
    await expectNothingChanged(async () => {
      for (const n of [101, 1000, 1001])
        expectInvalidAt(
          await http.post(cartPath(cart, '/actions'), { token: cart.token, body: batch(n) }),
          '/actions',
        );
    });
    const taken = expectCart(
      await http.post(cartPath(cart, '/actions'), { token: cart.token, body: batch(100) }),
    );
    expect(taken).toMatchObject({ version: 2, note: 'n99' });
  });

  it('answers malformed JSON with 400 and changes nothing', async () => {
    const cart = await createCart(h);
    const bodies = [
      '{',
      '{"note":',
      '{"note":"a"',
      '{"note":"a"}x',
      '{"note":"a"}{"note":"b"}',
      "{'note':'a'}",
      '{note:"a"}',
      '{"note":"a",}',
      '{"note":NaN}',
      '{"note":Infinity}',
      '{"note":undefined}',
      '{"note":"a\u0001"}',
      '{"note":"\\x41"}',
      '{"note":"\\u12"}',
      '// comment\n{"note":"a"}',
      '{"note":"a"} /* trailing */',
      'null',
      '"note"',
      '123',
      '[]',
    ];
    await expectNothingChanged(async () => {
      for (const body of bodies) {
        const problem = expectProblem(
          await http.patch(cartPath(cart), raw(body, { token: cart.token })),
          400,
          'VALIDATION_FAILED',
        );
        expect(problem.errors?.length, body).toBeGreaterThan(0);
      }
    });
  });

  it('answers deeply nested JSON (10,000 levels and more) with a quick 400 and keeps serving', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    const arrays = arraysOf;
    const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const attacks: [string, string, string][] = [
      ['PATCH', cartPath(cart), arrays(10_000)],
      ['PATCH', cartPath(cart), '['.repeat(30_000)],
      ['PATCH', cartPath(cart), objects(10_000)],
      ['PATCH', cartPath(cart), `{"note":${arrays(10_000)}}`],
      [
        'POST',
        cartPath(cart, '/lines'),
        `{"productId":"${product.id}","quantity":1,"attributes":{"a":${arrays(10_000)}}}`,
      ],
      ['POST', cartPath(cart, '/actions'), `{"actions":[${arrays(10_000)}]}`],
      [
        'POST',
        cartPath(cart, '/actions'),
        `{"actions":[{"type":"setNote","note":${objects(5_000)}}]}`,
      ],
      ['POST', '/api/carts', arrays(20_000)],
    ];
    await expectNothingChanged(async () => {
      for (const [method, path, body] of attacks) {
        const started = performance.now();
        const reply = await http.request(method, path, raw(body, { token: cart.token }));
        const elapsed = performance.now() - started;
        expectProblem(reply, 400, 'VALIDATION_FAILED');
        expect(elapsed, `${method} ${path}: ${Math.round(elapsed)} ms`).toBeLessThan(2000);
      }
      const admin = await http.post(
        '/api/admin/products',
        raw(arrays(10_000), { token: h.adminToken }),
      );
      expectProblem(admin, 400, 'VALIDATION_FAILED');
    });
    expect((await http.get('/healthz')).status).toBe(200);
    expectCart(
      await http.patch(cartPath(cart), { token: cart.token, body: { note: 'still here' } }),
    );
  });

  it('refuses a header section over the 16 KiB HTTP limit with a 413 or 431 problem and keeps serving', async () => {
    const reply = await fetch(new URL('/api/products', h.url), {
      headers: { 'x-pad': 'a'.repeat(20_000) },
    });
    const text = await reply.text();
    expect([413, 431], text).toContain(reply.status);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    const problem = Problem.parse(JSON.parse(text));
    expect(ERROR_CATALOG[problem.code].status).toBe(reply.status);
    expect(leaksIn(reply.status, text)).toEqual([]);
    expect((await http.get('/healthz')).status).toBe(200);
  });
});

describe('prototype pollution', () => {
  it('refuses __proto__, constructor.prototype and prototype payloads anywhere in a body, polluting nothing', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    const other = await createCart(h);
    const p = product.id;
    const evil = '{"polluted":"yes"}';
    const attacks: [string, string, string][] = [];
    for (const key of ['"__proto__"', '"\\u005f\\u005fproto__"', '"constructor"', '"prototype"']) {
      const payload = key === '"constructor"' ? `{"prototype":${evil}}` : evil;
      attacks.push(
        ['POST', '/api/carts', `{${key}:${payload}}`],
        ['POST', cartPath(cart, '/lines'), `{"productId":"${p}","quantity":1,${key}:${payload}}`],
        [
          'POST',
          cartPath(cart, '/lines'),
          `{"productId":"${p}","quantity":1,"attributes":{${key}:${payload}}}`,
        ],
        ['PATCH', cartPath(cart), `{"note":"x",${key}:${payload}}`],
        [
          'POST',
          cartPath(cart, '/actions'),
          `{"actions":[{"type":"setNote","note":"x",${key}:${payload}}]}`,
        ],
        [
          'POST',
          cartPath(cart, '/actions'),
          `{"actions":[{"type":"addLine","productId":"${p}","quantity":1,"attributes":{${key}:${payload}}}]}`,
        ],
        ['POST', cartPath(cart, '/actions'), `{"actions":[{"type":"clear"}],${key}:${payload}}`],
        [
          'POST',
          cartPath(cart, '/merge'),
          `{"sourceCartId":"${other.id}","sourceToken":"${other.token}",${key}:${payload}}`,
        ],
        [
          'POST',
          '/api/admin/products',
          `{${JSON.stringify(productInput()).slice(1, -1)},${key}:${payload}}`,
        ],
        [
          'POST',
          '/api/admin/discounts',
          `{"code":"${uniqueCode()}","kind":"fixed","value":1,${key}:${payload}}`,
        ],
      );
    }
    attacks.push([
      'POST',
      cartPath(cart, '/lines'),
      `{"productId":"${p}","quantity":1,"attributes":{"__proto__":"x"}}`,
    ]);
    await expectNothingChanged(async () => {
      for (const [method, path, body] of attacks) {
        const token = path.startsWith('/api/admin') ? h.adminToken : cart.token;
        expectProblem(
          await http.request(method, path, raw(body, { token })),
          400,
          'VALIDATION_FAILED',
        );
      }
      for (const query of [
        '__proto__[polluted]=yes',
        '__proto__.polluted=yes',
        'constructor[prototype][polluted]=yes',
      ])
        expectProblem(await http.get(`/api/products?${query}`), 400, 'VALIDATION_FAILED');
    });
    // Names of Object.prototype members are ordinary attribute names: stored as data.
    const names = {
      constructor: 'c',
      prototype: 'p',
      toString: 't',
      valueOf: 'v',
      hasOwnProperty: 'h',
      __defineGetter__: 'g',
    };
    const added = await addLine(h, cart, p, 1, names);
    expect(added.lines[0]?.attributes).toEqual(names);
    const reversed = Object.fromEntries(Object.entries(names).reverse());
    expect((await addLine(h, cart, p, 1, reversed)).lines).toMatchObject([
      { quantity: 2, attributes: names },
    ]);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    const fresh = await createCart(h);
    const after = await addLine(h, fresh, p, 1);
    expect(JSON.stringify(after)).not.toContain('polluted');
  });
});

describe('SQL injection', () => {
  it('stores injection strings in notes, attributes and emails and returns them literally', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    for (const text of SQL_INJECTIONS) {
      expect(
        expectCart(await http.patch(cartPath(cart), { token: cart.token, body: { note: text } }))
          .note,
      ).toBe(text);
      expect((await getCart(h, cart)).note).toBe(text);
    }
    const attributes = Object.fromEntries(
      SQL_INJECTIONS.map((s, i) => [`${i}${s}`.slice(0, 64), s]),
    );
    expect((await addLine(h, cart, product.id, 1, attributes)).lines[0]?.attributes).toEqual(
      attributes,
    );
    expect((await getCart(h, cart)).lines[0]?.attributes).toEqual(attributes);
    for (const local of [...SQL_INJECTIONS, `o'reilly'--`, `x'or'1'-`]) {
      const email = `${local}@example.com`;
      const reply = await http.patch(cartPath(cart), { token: cart.token, body: { email } });
      if (reply.status === 400) expectInvalidAt(reply, '/email');
      else expect(expectCart(reply).email, email).toBe(email);
    }
    await http.patch(cartPath(cart), {
      token: cart.token,
      body: { email: `o'reilly'--@example.com` },
    });
    expect((await getCart(h, cart)).email).toBe(`o'reilly'--@example.com`);
  });

  it('stores product names and descriptions literally (admin), and lines copy them literally', async () => {
    const cart = await createCart(h);
    for (const text of SQL_INJECTIONS) {
      const product = await createProduct(h, { name: text, description: `${text}\n${text}` });
      expect(product).toMatchObject({ name: text, description: `${text}\n${text}` });
      expect((await http.get<Product>(`/api/products/${product.id}`)).body).toEqual(product);
      expect((await addLine(h, cart, product.id, 1)).lines.at(-1)?.name).toBe(text);
    }
  });

  it('refuses injection strings as promo codes, ids, audit filters and tokens by their format', async () => {
    const cart = await createCart(h);
    const product = await createProduct(h);
    const admin = { token: h.adminToken };
    await expectNothingChanged(async () => {
      for (const text of SQL_INJECTIONS) {
        const seg = encodeURIComponent(text);
        expectInvalidAt(
          await http.post('/api/admin/discounts', {
            ...admin,
            body: { code: text, kind: 'fixed', value: 1 },
          }),
          '/code',
        );
        expectInvalidAt(
          await http.post(cartPath(cart, '/discounts'), {
            token: cart.token,
            body: { code: text },
          }),
          '/code',
        );
        expectInvalidAt(
          await http.delete(cartPath(cart, `/discounts/${seg}`), { token: cart.token }),
          '/params/code',
        );
        expectInvalidAt(await http.delete(`/api/admin/discounts/${seg}`, admin), '/params/code');
        expectInvalidAt(await http.get(`/api/carts/${seg}`, { token: cart.token }), '/params/id');
        expectInvalidAt(await http.get(`/api/products/${seg}`), '/params/id');
        expectInvalidAt(
          await http.patch(cartPath(cart, `/lines/${seg}`), {
            token: cart.token,
            body: { quantity: 1 },
          }),
          '/params/lineId',
        );
        expectInvalidAt(
          await http.put(`/api/admin/products/${seg}`, { ...admin, body: productInput() }),
          '/params/id',
        );
        expectInvalidAt(
          await http.post(cartPath(cart, '/lines'), {
            token: cart.token,
            body: { productId: text, quantity: 1 },
          }),
          '/productId',
        );
        for (const filter of ['cartId', 'action', 'from', 'cursor'])
          expectInvalidAt(
            await http.get(`/api/admin/audit?${filter}=${seg}`, admin),
            `/query/${filter}`,
          );
        expectProblem(await http.get(cartPath(cart), { token: text }), 404, 'CART_NOT_FOUND');
        const merge = { sourceCartId: randomUUID(), sourceToken: text };
        expectProblem(
          await http.post(cartPath(cart, '/merge'), { token: cart.token, body: merge }),
          404,
          'CART_NOT_FOUND',
        );
      }
    });
    // Format-valid codes and keys that look like SQL are plain strings.
    const code = (await createDiscount(h, { code: `OR-1--${uniqueCode()}` })).code;
    await addLine(h, cart, product.id, 1);
    const applied = await http.post(cartPath(cart, '/discounts'), {
      token: cart.token,
      body: { code: code.toLowerCase() },
    });
    expect(expectCart(applied).discounts.map((d) => d.code)).toEqual([code]);
    const key = `';DROP-TABLE-idempotency_keys;--${randomUUID()}`;
    const once = await http.patch(cartPath(cart), {
      token: cart.token,
      body: { note: 'k' },
      headers: { 'idempotency-key': key },
    });
    const twice = await http.patch(cartPath(cart), {
      token: cart.token,
      body: { note: 'k' },
      headers: { 'idempotency-key': key },
    });
    expect(twice.headers.get('idempotent-replayed')).toBe('true');
    expect(twice.body).toEqual(once.body);
  });

  it('leaves every table in place and the audit chain intact', async () => {
    expect(watch.tables()).toEqual(tablesAtStart);
    expect(watch.integrity()).toBe('ok');
    const [carts] = watch.all<{ n: number }>('SELECT count(*) AS n FROM carts');
    expect(carts?.n).toBeGreaterThan(10);
    const chain = await verifyChain(
      (after, limit) => server.app.storage.readAuditChain(after, limit),
      server.app.storage.auditKeys,
    );
    expect(chain).toMatchObject({ ok: true });
  });
});

describe('Unicode tricks', () => {
  const noteOf = (cart: OpenCart) => {
    const [row] = watch.all<{ state: string }>('SELECT state FROM carts WHERE id = ?', cart.id);
    return JSON.parse(row?.state ?? '{}') as {
      note: string;
      email: string | null;
      lines: { attributes: Record<string, string> }[];
    };
  };

  it('strips bidi overrides, isolates, zero-width and control characters from the note (keeping tab and newline)', async () => {
    const cart = await createCart(h);
    // A lone CR is a line break in the note (it becomes LF), so it is tested apart.
    const { dirty, clean } = interleaved(STRIPPED.filter((c) => c !== '\r'));
    const reply = await http.patch(cartPath(cart), {
      token: cart.token,
      body: { note: `${dirty}\tend\r\nline\rlast` },
    });
    const expected = `${clean}\tend\nline\nlast`;
    expect(expectCart(reply).note).toBe(expected);
    expect((await getCart(h, cart)).note).toBe(expected);
    expect(noteOf(cart).note).toBe(expected);
    expect(noteOf(cart).note).not.toMatch(FORBIDDEN_IN_NOTE);
    for (const c of [...BIDI, ...INVISIBLE]) {
      const one = await http.patch(cartPath(cart), { token: cart.token, body: { note: `x${c}y` } });
      expect(expectCart(one).note, `U+${c.charCodeAt(0).toString(16)}`).toBe('xy');
    }
  });

  it('strips them from attribute values and emails, refuses them in attribute names, and cleans product text', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    const { dirty, clean } = interleaved([...STRIPPED, '\t', '\n']);
    const line = (await addLine(h, cart, product.id, 1, { engraving: dirty })).lines[0];
    expect(line?.attributes.engraving).toBe(clean);
    expect(noteOf(cart).lines[0]?.attributes.engraving).not.toMatch(FORBIDDEN_IN_TEXT);
    for (const c of [...BIDI, ...INVISIBLE, '\u0000', '\u0085', '\t']) {
      const body = { productId: product.id, quantity: 1, attributes: { [`na${c}me`]: 'v' } };
      const reply = await http.post(cartPath(cart, '/lines'), { token: cart.token, body });
      expect(reply.status, `U+${c.charCodeAt(0).toString(16)} in a name`).toBe(400);
    }
    const email = await http.patch(cartPath(cart), {
      token: cart.token,
      body: { email: ` ab\u200Bc\u202E\u0000@example.com ` },
    });
    expect(expectCart(email).email).toBe('abc@example.com');
    const made = await createProduct(h, { name: `Mug ${dirty}`, description: `${dirty}\nmore` });
    expect(made.name).toBe(`Mug ${clean}`);
    expect(made.name).not.toMatch(FORBIDDEN_IN_TEXT);
    expect(made.description).not.toMatch(FORBIDDEN_IN_NOTE);
    const [row] = watch.all<{ name: string }>('SELECT name FROM products WHERE id = ?', made.id);
    expect(row?.name).toBe(made.name);
  });

  it('normalizes to NFC before counting: decomposed text fits, text that grows under NFC does not', async () => {
    const cart = await createCart(h);
    const patch = (note: string) =>
      http.patch(cartPath(cart), { token: cart.token, body: { note } });
    // 2000 UTF-16 units that are 1000 characters once composed.
    expect(expectCart(await patch('e\u0301'.repeat(1000))).note).toBe('\u00e9'.repeat(1000));
    // U+0958 is excluded from composition: NFC turns each into two characters.
    expectInvalidAt(await patch('\u0958'.repeat(600)), '/note');
    expect(expectCart(await patch('\u0958'.repeat(500))).note).toBe('\u0915\u093C'.repeat(500));
    // Stripped characters do not count; a flood of combining marks does.
    expect(expectCart(await patch('a'.repeat(1000) + '\u200B'.repeat(5000))).note).toBe(
      'a'.repeat(1000),
    );
    expectInvalidAt(await patch(`a${'\u0301'.repeat(2000)}`), '/note');
    // Emoji, joiners inside emoji and other scripts are kept as they are.
    const kept = 'Gift 👩\u200D💻 for Zoë — 東京 ✓';
    expect(expectCart(await patch(kept)).note).toBe(kept.normalize('NFC'));
  });

  it('refuses overlong text instead of truncating it', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    await expectNothingChanged(async () => {
      const t = { token: cart.token };
      expectInvalidAt(
        await http.patch(cartPath(cart), { ...t, body: { note: 'x'.repeat(1001) } }),
        '/note',
      );
      expectInvalidAt(
        await http.patch(cartPath(cart), {
          ...t,
          body: { email: `${'a'.repeat(243)}@example.com` },
        }),
        '/email',
      );
      const long = {
        productId: product.id,
        quantity: 1,
        attributes: { engraving: 'x'.repeat(257) },
      };
      expectInvalidAt(
        await http.post(cartPath(cart, '/lines'), { ...t, body: long }),
        '/attributes/engraving',
      );
      expect(
        (
          await http.post(cartPath(cart, '/lines'), {
            ...t,
            body: { ...long, attributes: { ['k'.repeat(65)]: 'v' } },
          })
        ).status,
      ).toBe(400);
      const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
      expect(
        (
          await http.post(cartPath(cart, '/lines'), {
            ...t,
            body: { ...long, attributes: tooMany },
          })
        ).status,
      ).toBe(400);
      const admin = { token: h.adminToken };
      expectInvalidAt(
        await http.post('/api/admin/products', {
          ...admin,
          body: productInput({ name: 'n'.repeat(201) }),
        }),
        '/name',
      );
    });
  });

  it('never stores a lone surrogate: text holding one is refused or cleaned', async () => {
    const product = await createProduct(h);
    const cart = await createCart(h);
    const offenders: string[] = [];
    const check = (where: string, values: unknown[]) => {
      for (const v of values)
        if (typeof v === 'string' && LONE_SURROGATE.test(v))
          offenders.push(`${where}: ${JSON.stringify(v)}`);
    };
    const attributesOf = (reply: Reply) =>
      reply.status === 200
        ? (reply.body as Cart).lines.flatMap((l) => [
            ...Object.keys(l.attributes),
            ...Object.values(l.attributes),
          ])
        : [];
    for (const [i, text] of LONE_SURROGATE_TEXTS.entries()) {
      const t = { token: cart.token };
      const note = await http.patch(cartPath(cart), { ...t, body: { note: text } });
      check('note (answer)', [note.status === 200 ? (note.body as Cart).note : '']);
      const value = { productId: product.id, quantity: 1, attributes: { [`v${i}`]: text } };
      check(
        'attribute value (answer)',
        attributesOf(await http.post(cartPath(cart, '/lines'), { ...t, body: value })),
      );
      const name = { productId: product.id, quantity: 1, attributes: { [`n${text}`]: 'v' } };
      check(
        'attribute name (answer)',
        attributesOf(await http.post(cartPath(cart, '/lines'), { ...t, body: name })),
      );
      const made = await http.post<Product>('/api/admin/products', {
        token: h.adminToken,
        body: productInput({ name: `Mug ${text}` }),
      });
      if (made.status === 201) {
        check('product name (answer)', [made.body.name]);
        check('product name (read back)', [
          (await http.get<Product>(`/api/products/${made.body.id}`)).body.name,
        ]);
      }
    }
    const current = await getCart(h, cart);
    check('note (read back)', [current.note]);
    check(
      'attributes (read back)',
      current.lines.flatMap((l) => [...Object.keys(l.attributes), ...Object.values(l.attributes)]),
    );
    check('note (database)', [noteOf(cart).note]);
    expect(offenders).toEqual([]);
  });

  it('stores a product imageUrl without control, bidi, zero-width or lone-surrogate characters', async () => {
    const offenders: string[] = [];
    for (const c of [
      '\u0000',
      '\u0007',
      '\u0085',
      '\u202E',
      '\u2066',
      '\u200B',
      '\uFEFF',
      '\uD800',
    ]) {
      const label = `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      const imageUrl = `https://img.example/a${c}b.png`;
      const made = await http.post<Product>('/api/admin/products', {
        token: h.adminToken,
        body: productInput({ imageUrl }),
      });
      if (made.status === 400) continue;
      expect(made.status, `${label}: ${made.text}`).toBe(201);
      const [row] = watch.all<{ image_url: Buffer }>(
        'SELECT CAST(image_url AS BLOB) AS image_url FROM products WHERE id = ?',
        made.body.id,
      );
      const stored = row?.image_url.toString('latin1') ?? '';
      const readBack = (await http.get<Product>(`/api/products/${made.body.id}`)).body.imageUrl;
      // Accepted is fine only when what is kept is plain ASCII (percent-encoded) and is
      // what the answer said.
      if (!/^[\x21-\x7E]*$/.test(stored) || readBack !== made.body.imageUrl)
        offenders.push(
          `${label}: answered ${JSON.stringify(made.body.imageUrl)}, stored bytes ${JSON.stringify(stored)}, read back ${JSON.stringify(readBack)}`,
        );
    }
    expect(offenders).toEqual([]);
  });
});

describe('function-level authorization (API5): admin routes', () => {
  it('answers 401 to every admin route without the admin credential, cart credentials included, before reading the body', async () => {
    const product = await createProduct(h);
    const discount = await createDiscount(h);
    const cart = await createCart(h);
    const admin = h.adminToken;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/admin/products'],
      ['POST', '/api/admin/products', productInput()],
      [
        'PUT',
        `/api/admin/products/${product.id}`,
        productInput({ sku: product.sku, name: 'Taken' }),
      ],
      ['DELETE', `/api/admin/products/${product.id}`],
      ['GET', '/api/admin/discounts'],
      ['POST', '/api/admin/discounts', { code: uniqueCode(), kind: 'percent', value: 10_000 }],
      ['DELETE', `/api/admin/discounts/${discount.code}`],
      ['GET', '/api/admin/audit'],
    ];
    const credentials: RequestOptions[] = [
      {},
      { token: cart.token },
      { headers: { cookie: `cart_token=${cart.token}` } },
      { token: `${admin}x` },
      { token: admin.slice(0, -1) },
      { token: admin.toUpperCase() },
      { headers: { authorization: `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}` } },
      { headers: { authorization: `Bearer  ${admin}` } },
      { headers: { authorization: `Token ${admin}` } },
      { headers: { authorization: admin } },
      { headers: { cookie: `admin_token=${admin}`, 'x-admin-token': admin } },
    ];
    await expectNothingChanged(async () => {
      for (const [method, path, body] of routes) {
        for (const options of credentials) {
          const reply = await http.request(
            method,
            path,
            body === undefined ? options : { ...options, body },
          );
          expectProblem(reply, 401, 'UNAUTHORIZED');
          expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer /);
        }
        expectProblem(await http.request(method, `${path}?token=${admin}`), 401, 'UNAUTHORIZED');
      }
      const bigBody = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
      for (const body of [bigBody, '{"broken":', arraysOf(10_000)])
        expectProblem(
          await http.post('/api/admin/products', raw(body, { token: cart.token })),
          401,
          'UNAUTHORIZED',
        );
      const asText = await http.post('/api/admin/products', {
        rawBody: 'x',
        headers: { 'content-type': 'text/plain' },
      });
      expectProblem(asText, 401, 'UNAUTHORIZED');
    });
    expect((await http.get(`/api/products/${product.id}`)).status).toBe(200);
  });
});

describe('security headers and pages', () => {
  it('sends a Content-Security-Policy without inline script on /docs and /docs/errors', async () => {
    for (const path of ['/docs', '/docs/errors']) {
      let reply = await http.get(path);
      const location = reply.headers.get('location');
      if (reply.status >= 300 && reply.status < 400 && location)
        reply = await http.get(new URL(location, new URL(path, h.url)).pathname);
      expect(reply.status, path).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = reply.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((d) => d[0])
          .map(([name, ...values]) => [name, values] as const),
      );
      const scripts = directives.get('script-src') ?? directives.get('default-src');
      expect(scripts, `${path}: ${csp}`).toBeDefined();
      for (const weak of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:'])
        expect(scripts, `${path} script-src`).not.toContain(weak);
      expect(directives.get('object-src'), path).toEqual(["'none'"]);
      expect(directives.has('frame-ancestors'), path).toBe(true);
      for (const [, attributes] of reply.text.matchAll(/<script\b([^>]*)>/gi))
        expect(attributes, `${path}: inline <script>`).toMatch(/\bsrc\s*=/i);
      expect(reply.text, `${path}: inline event handler`).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
    }
  });

  it('answers a broken percent-encoding in the path as a 400 problem with nosniff', async () => {
    const reply = await http.get('/api/carts/%ZZ');
    expectProblem(reply, 400, 'VALIDATION_FAILED');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers an over-long path parameter as a 400 problem with nosniff, not a bare 414', async () => {
    for (const length of [65, 300, 2000, 6000]) {
      const reply = await http.get(`/api/carts/${'a'.repeat(length)}`);
      expectProblem(reply, 400, 'VALIDATION_FAILED');
      expect(reply.headers.get('x-content-type-options'), `${length}`).toBe('nosniff');
    }
  });

  it('answers a request it cannot parse as HTTP with a 400 problem and keeps serving', async () => {
    const port = new URL(h.url).port;
    for (const request of [
      'GARBAGE\r\n\r\n',
      'PATCH /api/carts/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
      'POST /api/carts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ]) {
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
        const timer = setTimeout(() => socket.end(), 2000);
        socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      expect(answer, JSON.stringify(request)).toMatch(/^HTTP\/1\.1 400 /);
      expect(leaksIn(400, answer)).toEqual([]);
      expect(answer.toLowerCase(), JSON.stringify(request)).toContain(
        'content-type: application/problem+json',
      );
    }
    expect((await http.get('/healthz')).status).toBe(200);
  });
});

describe('every answer this file got', () => {
  it('was under 500, and showed no stack trace, file path, SQL or database name', () => {
    expect(http.exchanges.length).toBeGreaterThan(500);
    const bad = http.exchanges.flatMap(({ method, path, reply }) => {
      const found = leaksIn(reply.status, reply.text);
      if (reply.status >= 500) found.push(`status ${reply.status}`);
      return found.length ? [`${method} ${path.slice(0, 80)}: ${found.join(', ')}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it('carried X-Content-Type-Options: nosniff and no X-Powered-By', () => {
    const bad = http.exchanges.flatMap(({ method, path, reply }) =>
      reply.headers.get('x-content-type-options') !== 'nosniff' || reply.headers.has('x-powered-by')
        ? [`${method} ${path.slice(0, 80)} → ${reply.status}`]
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('left the server up and every table in place', async () => {
    expect((await http.get('/readyz')).status).toBe(200);
    expect(watch.tables()).toEqual(tablesAtStart);
    expect(watch.integrity()).toBe('ok');
  });
});
