import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product, ProductPage } from '@cart/core';
import { encodeCursor } from '../storage/cursor.ts';
import {
  buildTestApp,
  createProduct,
  expectProblem,
  type TestApp,
} from '@cart/test-support/test-app.ts';

describe('catalog', () => {
  let t: TestApp;
  let products: Product[];

  const page = async (query: string): Promise<ProductPage> => {
    const res = await t.app.inject({ url: `/api/products${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ProductPage>();
  };

  beforeAll(async () => {
    t = await buildTestApp();
    products = [];
    for (let i = 0; i < 23; i++) products.push(await createProduct(t.app));
  });
  afterAll(() => t.close());

  it('lists 20 products by default, in creation order, then the rest from the cursor', async () => {
    const first = await page('');
    expect(first.items.map((p) => p.id)).toEqual(products.slice(0, 20).map((p) => p.id));
    expect(first.nextCursor).not.toBeNull();
    const second = await page(`?cursor=${first.nextCursor}`);
    expect(second.items.map((p) => p.id)).toEqual(products.slice(20).map((p) => p.id));
    expect(second.nextCursor).toBeNull();
  });

  it('pages with a limit through every product once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: ProductPage = await page(`?limit=5${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...p.items.map((x) => x.id));
      cursor = p.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(products.map((p) => p.id));
    expect(pages).toBe(5);
  });

  it('takes limit=100 and a cursor past the end', async () => {
    expect((await page('?limit=100')).items).toHaveLength(23);
    const past = encodeCursor({ at: '9999-12-31T00:00:00.000Z', id: 'zzz' });
    expect(await page(`?cursor=${past}`)).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['garbage that decodes to no position', 'AAAA'],
    ['a position without a timestamp', Buffer.from('|some-id').toString('base64url')],
    ['a plain word', 'next'],
  ])('refuses a cursor it did not give out (%s) with 400', async (_name, cursor) => {
    const res = await t.app.inject({ url: `/api/products?cursor=${cursor}` });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.detail).toBe('The cursor is not one this server gave out.');
    expect(problem.errors).toEqual([{ path: '/query/cursor', message: 'unknown cursor' }]);
  });

  it.each(['?limit=0', '?limit=101', '?limit=-1', '?limit=ten', '?cursor=a%20b', '?cursor='])(
    'refuses %s with 400',
    async (query) => {
      expectProblem(await t.app.inject({ url: `/api/products${query}` }), 400, 'VALIDATION_FAILED');
    },
  );

  it('reads one product by id', async () => {
    const wanted = products[3];
    const res = await t.app.inject({ url: `/api/products/${wanted?.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(wanted);
  });

  it('answers 404 NOT_FOUND for an unknown product, 400 for a malformed id', async () => {
    const missing = await t.app.inject({ url: '/api/products/no-such-product' });
    expect(expectProblem(missing, 404, 'NOT_FOUND').detail).toBe(
      'There is no product with that id.',
    );
    expectProblem(await t.app.inject({ url: '/api/products/bad.id' }), 400, 'VALIDATION_FAILED');
  });
});
