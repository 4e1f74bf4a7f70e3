/**
 * The catalog as shoppers read it, and the admin API that manages it (products and
 * discounts): admin credentials checked before anything else.
 */
import { describe, expect, it } from 'vitest';
import { Discount, Product } from '@cart/core';
import {
  createCart,
  createDiscount,
  createProduct,
  expectInvalidField,
  expectProblem,
  listAll,
  productInput,
  uniqueCode,
  usd,
  type Harness,
} from './harness.ts';

export function defineCatalogAdminContract(h: Harness): void {
  describe('GET /api/products', () => {
    it('pages through the catalog visiting every product exactly once', async () => {
      const mine = await Promise.all(Array.from({ length: 5 }, () => createProduct(h)));
      const seen = await listAll<Product>(h, '/api/products', undefined, 2);
      const ids = seen.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const product of mine) expect(ids.filter((id) => id === product.id)).toHaveLength(1);
      const sample = seen.find((p) => p.id === mine[0]?.id);
      expect(Product.safeParse(sample).error?.issues ?? []).toEqual([]);
      expect(sample).toEqual(mine[0]);
    });

    it('answers {items, nextCursor} and holds limit to 1–100', async () => {
      await createProduct(h);
      const one = await h.http.get<{ items: Product[]; nextCursor: string | null }>(
        '/api/products?limit=1',
      );
      expect(one.status, one.text).toBe(200);
      expect(one.body.items).toHaveLength(1);
      expect(typeof one.body.nextCursor === 'string' || one.body.nextCursor === null).toBe(true);
      for (const limit of ['0', '101', '-1', '1.5', 'abc', '']) {
        expectProblem(await h.http.get(`/api/products?limit=${limit}`), 400, 'VALIDATION_FAILED');
      }
      expectProblem(await h.http.get('/api/products?cursor=%21%21'), 400, 'VALIDATION_FAILED');
      expectProblem(await h.http.get('/api/products?sort=price'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET /api/products/:id', () => {
    it('answers the product, or 404 NOT_FOUND', async () => {
      const product = await createProduct(h, {
        description: 'A mug',
        imageUrl: 'https://img.example/m.png',
      });
      const reply = await h.http.get<Product>(`/api/products/${product.id}`);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body).toEqual(product);
      expectProblem(await h.http.get('/api/products/no-such-product-here'), 404, 'NOT_FOUND');
      expectProblem(await h.http.get('/api/products/bad.id'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('admin credentials', () => {
    it('answers 401 UNAUTHORIZED without the admin token, before looking at the body', async () => {
      const cart = await createCart(h);
      const attempts: [string, string, unknown][] = [
        ['GET', '/api/admin/products', undefined],
        ['POST', '/api/admin/products', { nonsense: true }],
        ['PUT', '/api/admin/products/some-id', { nonsense: true }],
        ['DELETE', '/api/admin/products/some-id', undefined],
        ['GET', '/api/admin/discounts', undefined],
        ['POST', '/api/admin/discounts', { code: 1 }],
        ['DELETE', '/api/admin/discounts/SOME', undefined],
        ['GET', `/api/admin/audit?cartId=${cart.id}`, undefined],
      ];
      for (const [method, path, body] of attempts) {
        for (const token of [undefined, 'wrong-token', cart.token, `${h.adminToken}x`]) {
          const reply = await h.http.request(method, path, {
            ...(body === undefined ? {} : { body }),
            ...(token === undefined ? {} : { token }),
          });
          expectProblem(reply, 401, 'UNAUTHORIZED');
        }
      }
    });
  });

  describe('admin products', () => {
    it('creates (201 with an id), lists, replaces (200) and deletes (204) a product', async () => {
      const input = productInput({
        description: 'Stoneware',
        price: usd(1299),
        stock: 12,
        maxPerOrder: 4,
        imageUrl: 'https://img.example/mug.png',
      });
      const created = await h.http.post<Product>('/api/admin/products', {
        token: h.adminToken,
        body: input,
      });
      expect(created.status, created.text).toBe(201);
      // `prices` is given back with `price` among them.
      expect(created.body).toEqual({ id: created.body.id, ...input, prices: [input.price] });
      expect(Product.safeParse(created.body).error?.issues ?? []).toEqual([]);
      const id = created.body.id;

      const listed = await listAll<Product>(h, '/api/admin/products', h.adminToken);
      expect(listed.filter((p) => p.id === id)).toEqual([created.body]);

      const replacement = {
        ...input,
        name: 'Renamed mug',
        price: usd(1499),
        prices: [usd(1499)],
        stock: null,
      };
      const put = await h.http.put<Product>(`/api/admin/products/${id}`, {
        token: h.adminToken,
        body: replacement,
      });
      expect(put.status, put.text).toBe(200);
      expect(put.body).toEqual({ id, ...replacement });
      expect((await h.http.get<Product>(`/api/products/${id}`)).body).toEqual({
        id,
        ...replacement,
      });

      const del = await h.http.delete(`/api/admin/products/${id}`, { token: h.adminToken });
      expect(del.status, del.text).toBe(204);
      expect(del.text).toBe('');
      expectProblem(await h.http.get(`/api/products/${id}`), 404, 'NOT_FOUND');
      expectProblem(
        await h.http.delete(`/api/admin/products/${id}`, { token: h.adminToken }),
        404,
        'NOT_FOUND',
      );
      expectProblem(
        await h.http.put(`/api/admin/products/${id}`, { token: h.adminToken, body: replacement }),
        404,
        'NOT_FOUND',
      );
    });

    it('refuses a duplicate sku with 409 ALREADY_EXISTS', async () => {
      const product = await createProduct(h);
      expectProblem(
        await h.http.post('/api/admin/products', {
          token: h.adminToken,
          body: productInput({ sku: product.sku }),
        }),
        409,
        'ALREADY_EXISTS',
      );
      const other = await createProduct(h);
      expectProblem(
        await h.http.put(`/api/admin/products/${other.id}`, {
          token: h.adminToken,
          body: productInput({ sku: product.sku }),
        }),
        409,
        'ALREADY_EXISTS',
      );
    });

    it('validates products strictly: no id, no floats, no strings for numbers, no unknown fields', async () => {
      const post = (body: unknown) =>
        h.http.post('/api/admin/products', { token: h.adminToken, body });
      expectInvalidField(await post({ ...productInput(), id: 'chosen' }), 'id');
      expectInvalidField(
        await post({ ...productInput(), price: { amount: 12.5, currency: 'USD' } }),
        'price',
      );
      expectInvalidField(await post({ ...productInput(), price: 1250 }), 'price');
      expectInvalidField(await post({ ...productInput(), stock: '5' }), 'stock');
      expectInvalidField(await post({ ...productInput(), stock: -1 }), 'stock');
      expectInvalidField(
        await post({ ...productInput(), imageUrl: 'javascript:alert(1)' }),
        'imageUrl',
      );
      expectInvalidField(await post({ ...productInput(), cost: usd(1) }), 'cost');
      const { name: _name, ...noName } = productInput();
      expectInvalidField(await post(noName), 'name');
    });
  });

  describe('admin discounts', () => {
    it('creates a code (201, upper-case, timesUsed 0, defaults), lists and deletes it (204)', async () => {
      const code = uniqueCode('new');
      const created = await h.http.post<Discount>('/api/admin/discounts', {
        token: h.adminToken,
        body: { code: code.toLowerCase(), kind: 'fixed', value: 500 },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toEqual({
        code,
        kind: 'fixed',
        value: 500,
        minSubtotal: null,
        startsAt: null,
        endsAt: null,
        usageLimit: null,
        combinable: true,
        // A fixed value is an amount: in the default region's currency, as none was given.
        currency: 'USD',
        timesUsed: 0,
      });
      const listed = await listAll<Discount>(h, '/api/admin/discounts', h.adminToken);
      expect(listed.filter((d) => d.code === code)).toEqual([created.body]);
      for (const d of listed.slice(0, 5))
        expect(Discount.safeParse(d).error?.issues ?? []).toEqual([]);

      const del = await h.http.delete(`/api/admin/discounts/${code.toLowerCase()}`, {
        token: h.adminToken,
      });
      expect(del.status, del.text).toBe(204);
      const after = await listAll<Discount>(h, '/api/admin/discounts', h.adminToken);
      expect(after.some((d) => d.code === code)).toBe(false);
      expectProblem(
        await h.http.delete(`/api/admin/discounts/${code}`, { token: h.adminToken }),
        404,
        'NOT_FOUND',
      );
    });

    it('keeps every field it is given', async () => {
      const body = {
        code: uniqueCode('full'),
        kind: 'percent' as const,
        value: 2500,
        minSubtotal: 5000,
        startsAt: '2026-01-01T00:00:00.000Z',
        endsAt: '2099-01-01T00:00:00.000Z',
        usageLimit: 10,
        combinable: false,
      };
      const created = await createDiscount(h, body);
      expect(created).toEqual({ ...body, currency: 'USD', timesUsed: 0 });
    });

    it('refuses a duplicate code, in any case, with 409 ALREADY_EXISTS', async () => {
      const discount = await createDiscount(h);
      expectProblem(
        await h.http.post('/api/admin/discounts', {
          token: h.adminToken,
          body: { code: discount.code.toLowerCase(), kind: 'fixed', value: 1 },
        }),
        409,
        'ALREADY_EXISTS',
      );
    });

    it('validates discounts: percent at most 10000 bps, whole values, an ordered window, no unknown fields', async () => {
      const post = (body: Record<string, unknown>) =>
        h.http.post('/api/admin/discounts', {
          token: h.adminToken,
          body: { code: uniqueCode(), kind: 'percent', value: 1000, ...body },
        });
      expectInvalidField(await post({ value: 10_001 }), 'value');
      expectInvalidField(await post({ value: 0 }), 'value');
      expectInvalidField(await post({ value: 12.5 }), 'value');
      expectInvalidField(await post({ value: '10' }), 'value');
      expectInvalidField(await post({ kind: 'bogo' }), 'kind');
      expectInvalidField(await post({ code: 'two words' }), 'code');
      expectInvalidField(
        await post({ startsAt: '2030-01-01T00:00:00Z', endsAt: '2029-01-01T00:00:00Z' }),
        'endsAt',
      );
      expectInvalidField(await post({ timesUsed: 3 }), 'timesUsed');
      const full = await post({ value: 10_000 });
      expect(full.status, full.text).toBe(201);
    });
  });
}
