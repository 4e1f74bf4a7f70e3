import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedCart, Product } from '@cart/core';
import type { MutationDecision, MutationPlan, MutationSnapshot } from '../../storage/port.ts';
import { SqliteStorage } from '../../storage/sqlite/storage.ts';
import { rawRequest, startRawRequest } from '@cart/test-support/http.ts';
import {
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  header,
  readCart,
  type TestApp,
} from '@cart/test-support/test-app.ts';

/** A real SQLite storage whose mutations can be held at a gate, to keep a request in flight. */
class GatedStorage extends SqliteStorage {
  gate: Promise<void> = Promise.resolve();
  override async mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    await this.gate;
    return super.mutate(plan, decide);
  }
}

describe('Idempotency-Key', () => {
  let t: TestApp;
  let storage: GatedStorage;
  let cart: CreatedCart;
  let product: Product;

  beforeAll(async () => {
    t = await buildTestApp({ storage: (path) => (storage = new GatedStorage(path)) });
    product = await createProduct(t.app);
  });
  beforeEach(async () => {
    cart = await createCart(t.app);
  });
  afterAll(() => t.close());

  const addLine = (key: string | string[] | undefined, quantity = 1) =>
    t.app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/lines`,
      headers: { ...bearer(cart.token), ...(key === undefined ? {} : { 'idempotency-key': key }) },
      payload: { productId: product.id, quantity },
    });

  it.each(['', 'has space', 'x'.repeat(256), 'tab\there', '"unterminated', '""'])(
    'refuses the key %j with 400 pointing at the header, changing nothing',
    async (key) => {
      const problem = expectProblem(await addLine(key), 400, 'VALIDATION_FAILED');
      expect(problem.detail).toBe(
        'Idempotency-Key must be 1–255 visible ASCII characters, sent once.',
      );
      expect(problem.errors).toEqual([
        { path: '/headers/idempotency-key', message: 'must be 1–255 visible ASCII characters' },
      ]);
      expect((await readCart(t.app, cart)).version).toBe(1);
    },
  );

  it('refuses a key sent twice', async () => {
    expectProblem(await addLine(['k1', 'k2']), 400, 'VALIDATION_FAILED');
    expect((await readCart(t.app, cart)).version).toBe(1);
  });

  it('ignores the header on a read', async () => {
    const res = await t.app.inject({
      url: `/api/carts/${cart.id}`,
      headers: { ...bearer(cart.token), 'idempotency-key': 'not valid at all' },
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('ignores the header where no route matched', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/no-such-route',
      headers: { 'idempotency-key': 'k' },
      payload: {},
    });
    expectProblem(res, 404, 'NOT_FOUND');
  });

  it('refuses the same key with another body, changing nothing', async () => {
    expect((await addLine('reused', 1)).statusCode).toBe(200);
    const other = await addLine('reused', 2);
    expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await readCart(t.app, cart)).version).toBe(2);
  });

  it('treats the quoted form of a key as the same key', async () => {
    const first = await addLine('order-77');
    expect(first.statusCode, first.body).toBe(200);
    const quoted = await addLine('"order-77"');
    expect(header(quoted, 'idempotent-replayed')).toBe('true');
    expect(quoted.json()).toEqual(first.json());
    expect((await readCart(t.app, cart)).version).toBe(2);
  });

  it('keys are per path: the same key on another endpoint is another request', async () => {
    expect((await addLine('per-path')).statusCode).toBe(200);
    const note = await t.app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}`,
      headers: { ...bearer(cart.token), 'idempotency-key': 'per-path' },
      payload: { note: 'x' },
    });
    expect(note.statusCode, note.body).toBe(200);
    expect(note.headers['idempotent-replayed']).toBeUndefined();
    expect(note.json<{ version: number }>().version).toBe(3);
  });

  it('answers a duplicate in flight with 409 and Retry-After, then replays once it is done', async () => {
    let open!: () => void;
    storage.gate = new Promise((resolve) => (open = resolve));
    const first = addLine('in-flight');
    const other = addLine('another-key', 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const duplicate = await addLine('in-flight');
    const problem = expectProblem(duplicate, 409, 'IDEMPOTENCY_IN_FLIGHT');
    expect(problem.detail).toBe('A request with this Idempotency-Key is still being processed.');
    expect(header(duplicate, 'retry-after')).toBe('1');
    open();
    const done = await first;
    expect(done.statusCode, done.body).toBe(200);
    expect((await other).statusCode).toBe(200);
    const replay = await addLine('in-flight');
    expect(header(replay, 'idempotent-replayed')).toBe('true');
    expect(replay.json()).toEqual(done.json());
    expect((await readCart(t.app, cart)).version).toBe(3);
  });

  it('frees the key of a request whose client went away before sending the whole body', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const base = `http://127.0.0.1:${address.port}`;
    const body = JSON.stringify({ productId: product.id, quantity: 1 });
    const headers = {
      ...bearer(cart.token),
      'content-type': 'application/json',
      'idempotency-key': 'dropped',
    };
    const { request, response } = startRawRequest(base, {
      method: 'POST',
      path: `/api/carts/${cart.id}/lines`,
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
    });
    response.catch(() => {});
    request.on('error', () => {});
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const retry = await rawRequest(base, {
      method: 'POST',
      path: `/api/carts/${cart.id}/lines`,
      headers,
      body,
    });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect((await readCart(t.app, cart)).version).toBe(2);
  });
});
