import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { Cursor, Id, PageLimit, Product, ProductPage } from '@cart/core';
import { HttpProblem } from '../http/problem.ts';
import { PUBLIC_READ } from '../http/route-policy.ts';
import { decodeCursor } from '../storage/cursor.ts';
import type { Storage } from '../storage/port.ts';

export const PageQuery = z.strictObject({
  limit: z.optional(PageLimit),
  cursor: z.optional(Cursor),
});

/** Refuses a cursor this server did not make (400), before any query. */
export function checkCursor(cursor: string | undefined): void {
  if (cursor !== undefined && decodeCursor(cursor) === null) {
    throw new HttpProblem('VALIDATION_FAILED', 'The cursor is not one this server gave out.', {
      errors: [{ path: '/query/cursor', message: 'unknown cursor' }],
    });
  }
}

/** Reads a page of products. */
export function productPage(
  storage: Storage,
  query: { limit?: number | undefined; cursor?: string | undefined },
): Promise<ProductPage> {
  checkCursor(query.cursor);
  return storage.listProducts(query.limit ?? 20, query.cursor ?? null);
}

/** `/api/products`: the public catalog. */
const productRoutes: FastifyPluginAsyncZod<{ storage: Storage }> = (app, { storage }) => {
  app.get(
    '/products',
    {
      config: { policy: PUBLIC_READ },
      schema: {
        tags: ['catalog'],
        operationId: 'listProducts',
        description:
          'The catalog in a stable order, a page at a time: pass `nextCursor` back as `cursor` for the next page (`null` on the last).',
        summary: 'List products',
        querystring: PageQuery,
        response: { 200: ProductPage },
      },
    },
    (request) => productPage(storage, request.query),
  );

  app.get(
    '/products/:id',
    {
      config: { policy: PUBLIC_READ, errors: ['NOT_FOUND'] },
      schema: {
        tags: ['catalog'],
        operationId: 'getProduct',
        description: 'One product with its price and stock.',
        summary: 'Read a product',
        params: z.strictObject({ id: Id }),
        response: { 200: Product },
      },
    },
    async (request) => {
      const product = await storage.getProduct(request.params.id);
      if (!product) throw new HttpProblem('NOT_FOUND', 'There is no product with that id.');
      return product;
    },
  );
  return Promise.resolve();
};

export default productRoutes;
