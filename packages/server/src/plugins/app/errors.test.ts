import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedCart, Product } from '@cart/core';
import type { MutationDecision, MutationPlan, MutationSnapshot } from '../../storage/port.ts';
import { SqliteStorage } from '../../storage/sqlite/storage.ts';
import {
  JSON_TYPE,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  header,
  logLines,
  readCart,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { HttpProblem } from '../../http/problem.ts';

/** SQL text, file paths and stack frames: nothing of the kind may reach a client. */
const LEAK = /SELECT|passwd|\/tmp\/|\/work\/|\.ts:\d+|\n\s+at /;

/**
 * A real SQLite storage that can be "locked by another process": while `locked`, every
 * mutation fails as better-sqlite3 fails once busy_timeout has run out.
 */
class LockableStorage extends SqliteStorage {
  locked = false;
  override mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    if (this.locked)
      return Promise.reject(new Database.SqliteError('database is locked', 'SQLITE_BUSY'));
    return super.mutate(plan, decide);
  }
}

describe('error handler', () => {
  let t: TestApp;
  let storage: LockableStorage;
  let cart: CreatedCart;
  let product: Product;

  beforeAll(async () => {
    t = await buildTestApp({
      env: { MAX_BODY_BYTES: '1024' },
      ready: false,
      storage: (path) => (storage = new LockableStorage(path)),
    });
    // Test-only routes, as a plugin or a handler with a bug would fail.
    t.app.get('/test/boom', () => {
      throw new Error('SELECT * FROM carts failed in /etc/passwd');
    });
    t.app.get('/test/status/:status', (request) => {
      const { status } = request.params as { status: string };
      throw Object.assign(new Error(`upstream said ${status} in /tmp/x.ts:1`), {
        statusCode: Number(status),
      });
    });
    t.app.get('/test/problem', () => {
      throw new HttpProblem('RATE_LIMITED', 'Slow down.', { headers: { 'retry-after': '7' } });
    });
    await t.app.ready();
    product = await createProduct(t.app);
  });
  beforeEach(async () => {
    cart = await createCart(t.app);
  });
  afterAll(() => t.close());

  const postLine = (headers: Record<string, string>, payload: string | Buffer) =>
    t.app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/lines`,
      headers: { ...bearer(cart.token), ...headers },
      payload,
    });

  describe('media type and size', () => {
    it('answers a text/plain body with 415 UNSUPPORTED_MEDIA_TYPE and changes nothing', async () => {
      const body = JSON.stringify({ productId: product.id, quantity: 1 });
      const res = await postLine({ 'content-type': 'text/plain' }, body);
      const problem = expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(problem.instance).toBe(`/api/carts/${cart.id}/lines`);
      expect((await readCart(t.app, cart)).version).toBe(1);
    });

    it('answers a body sent without a content type with 415', async () => {
      const body = Buffer.from(JSON.stringify({ productId: product.id, quantity: 1 }));
      expectProblem(await postLine({}, body), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect((await readCart(t.app, cart)).version).toBe(1);
    });

    it('answers a body over MAX_BODY_BYTES with 413 and takes one under it', async () => {
      const over = await t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: { ...bearer(cart.token), ...JSON_TYPE },
        payload: JSON.stringify({ note: 'x'.repeat(1100) }),
      });
      expectProblem(over, 413, 'PAYLOAD_TOO_LARGE');
      expect((await readCart(t.app, cart)).note).toBe('');
      const under = await t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: { ...bearer(cart.token), ...JSON_TYPE },
        payload: JSON.stringify({ note: 'x'.repeat(900) }),
      });
      expect(under.statusCode, under.body).toBe(200);
    });

    it('answers a Content-Length that does not match the body with 400, saying only that it is malformed', async () => {
      const body = JSON.stringify({ productId: product.id, quantity: 1 });
      const res = await postLine({ ...JSON_TYPE, 'content-length': '5' }, body);
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([{ path: '', message: 'the request is malformed.' }]);
      expect(problem.detail).toBe('The request could not be read: the request is malformed.');
    });
  });

  describe('unreadable JSON', () => {
    it('answers malformed JSON with 400 and an errors[] entry for the whole body', async () => {
      const problem = expectProblem(
        await postLine(JSON_TYPE, '{"quantity":'),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors).toEqual([{ path: '', message: 'the body is not valid JSON.' }]);
    });

    const poisoned = [
      ['__proto__', '{"quantity":1,"__proto__":{"polluted":"yes"}}'],
      ['constructor.prototype', '{"quantity":1,"constructor":{"prototype":{"polluted":"yes"}}}'],
    ] as const;

    it.each(poisoned)('refuses a %s payload with 400, polluting nothing', async (_name, json) => {
      const payload = json.replace('"quantity"', `"productId":"${product.id}","quantity"`);
      expectProblem(await postLine(JSON_TYPE, payload), 400, 'VALIDATION_FAILED');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await readCart(t.app, cart)).version).toBe(1);
    });

    // The body is valid JSON; what is wrong is the key. errors.ts has a message for it.
    it.each(poisoned)('says that a %s payload holds a forbidden key', async (_name, json) => {
      const problem = expectProblem(await postLine(JSON_TYPE, json), 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        { path: '', message: 'the JSON holds a forbidden "__proto__" or "constructor" key.' },
      ]);
    });
  });

  describe('validation', () => {
    it('refuses an unknown query parameter on a route that takes none, naming it', async () => {
      const res = await t.app.inject({
        url: `/api/carts/${cart.id}?expand=lines`,
        headers: bearer(cart.token),
      });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        {
          path: '/query/expand',
          message: 'unknown field "expand": this field is not accepted here',
        },
      ]);
      expect(problem.detail).toBe(
        '/query/expand: unknown field "expand": this field is not accepted here',
      );
      expect(problem.instance).toBe(`/api/carts/${cart.id}`);
    });

    it('refuses an unknown query parameter next to known ones', async () => {
      const problem = expectProblem(
        await t.app.inject({ url: '/api/products?limit=2&sort=price' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(['/query/sort']);
    });

    it('points at a bad path parameter under /params', async () => {
      const res = await t.app.inject({ url: '/api/carts/bad!id', headers: bearer(cart.token) });
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toEqual(['/params/id']);
    });

    it('points at bad and unknown body fields by JSON Pointer', async () => {
      const res = await postLine(
        JSON_TYPE,
        JSON.stringify({ productId: product.id, quantity: '2', colour: 'red' }),
      );
      const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
      const paths = problem.errors?.map((e) => e.path) ?? [];
      expect(paths).toEqual(expect.arrayContaining(['/quantity', '/colour']));
      expect(problem.detail).toContain('/quantity: ');
      expect((await readCart(t.app, cart)).version).toBe(1);
    });

    it('names the whole body "(body)" in the detail when the body itself is wrong', async () => {
      const problem = expectProblem(await postLine(JSON_TYPE, '[1,2]'), 400, 'VALIDATION_FAILED');
      expect(problem.errors?.[0]?.path).toBe('');
      expect(problem.detail).toMatch(/^\(body\): /);
    });
  });

  describe('unknown routes and unexpected errors', () => {
    it('answers an unknown route with 404 NOT_FOUND naming method and path, not the query', async () => {
      const problem = expectProblem(
        await t.app.inject({ method: 'DELETE', url: '/api/nothing/here?secret=1' }),
        404,
        'NOT_FOUND',
      );
      expect(problem.detail).toBe('There is no DELETE /api/nothing/here.');
      expect(problem.instance).toBe('/api/nothing/here');
    });

    it('answers an unexpected error with 500 INTERNAL, leaking nothing, and logs it', async () => {
      const res = await t.app.inject({ url: '/test/boom', headers: { 'x-request-id': 'boom-1' } });
      const problem = expectProblem(res, 500, 'INTERNAL');
      expect(problem.detail).toBe('Something went wrong on our side. Please try again.');
      expect(problem.requestId).toBe('boom-1');
      expect(res.body).not.toMatch(LEAK);
      expect(res.body).not.toContain('stack');
      const logged = logLines(t.logs, 'unhandled error').filter((l) => l.reqId === 'boom-1');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        level: 50,
        err: { message: 'SELECT * FROM carts failed in /etc/passwd' },
      });
      expect((logged[0]?.err as { stack?: string }).stack).toContain('errors.test.ts');
    });

    it.each([
      [401, 'UNAUTHORIZED'],
      [404, 'NOT_FOUND'],
      [413, 'PAYLOAD_TOO_LARGE'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
    ] as const)(
      'answers an error carrying status %i with the catalog entry %s, not its message',
      async (status, code) => {
        const res = await t.app.inject({ url: `/test/status/${status}` });
        expectProblem(res, status, code);
        expect(res.body).not.toContain('upstream said');
      },
    );

    it('answers an error carrying a 5xx status as 500 INTERNAL, logged', async () => {
      const res = await t.app.inject({ url: '/test/status/502' });
      expectProblem(res, 500, 'INTERNAL');
      expect(res.body).not.toMatch(LEAK);
      expect(
        logLines(t.logs, 'unhandled error').some(
          (l) => l.reqId === res.json<{ requestId: string }>().requestId,
        ),
      ).toBe(true);
    });

    it('renders a thrown HttpProblem with its detail and headers', async () => {
      const res = await t.app.inject({ url: '/test/problem' });
      const problem = expectProblem(res, 429, 'RATE_LIMITED');
      expect(problem.detail).toBe('Slow down.');
      expect(header(res, 'retry-after')).toBe('7');
    });
  });

  describe('database outages', () => {
    it('answers 503 UNAVAILABLE with Retry-After when the database is locked, and stores nothing for the key', async () => {
      const request = {
        method: 'POST' as const,
        url: `/api/carts/${cart.id}/lines`,
        headers: { ...bearer(cart.token), 'idempotency-key': 'outage-1' },
        payload: { productId: product.id, quantity: 1 },
      };
      storage.locked = true;
      let res;
      try {
        res = await t.app.inject(request);
      } finally {
        storage.locked = false;
      }
      const problem = expectProblem(res, 503, 'UNAVAILABLE');
      expect(header(res, 'retry-after')).toBe('2');
      expect(res.body).not.toMatch(/SQLITE|locked/);
      const warned = logLines(t.logs, 'database unavailable');
      expect(warned.some((l) => l.reqId === problem.requestId && l.level === 40)).toBe(true);

      // The failed attempt was not stored: the retry with the same key is carried out.
      const retry = await t.app.inject(request);
      expect(retry.statusCode, retry.body).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(retry.json<{ version: number }>().version).toBe(2);
    });
  });
});
