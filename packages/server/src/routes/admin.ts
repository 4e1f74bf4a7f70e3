import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import {
  AuditActorType,
  AuditPage,
  Discount,
  DiscountCode,
  DiscountInput,
  Id,
  InstantInput,
  Product,
  ProductInput,
  ProductPage,
} from '@cart/core';
import type { Config } from '../config.ts';
import { ADMIN_SECURITY, adminOnly } from '../http/credentials.ts';
import type { CatalogService } from '../domain/catalog-service.ts';
import { catalogMeta, sendCatalog } from '../http/reply.ts';
import { ADMIN_READ, adminChange } from '../http/route-policy.ts';
import type { Storage } from '../storage/port.ts';
import { PageQuery, checkCursor, productPage } from './products.ts';

const AuditQuery = z.strictObject({
  cartId: z.optional(Id),
  actor: z.optional(AuditActorType),
  action: z
    .string()
    .regex(/^[a-zA-Z.]{1,64}$/)
    .optional(),
  from: z.optional(InstantInput),
  to: z.optional(InstantInput),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .optional(),
  limit: z
    .string()
    .regex(/^(100|[1-9]\d?)$/)
    .optional(),
});

const iso = (t: string | null) => (t === null ? null : new Date(t).toISOString());

/**
 * `/api/admin/…`: catalog, discount codes and the audit log, behind the admin
 * credential. The credential is checked in `onRequest`, before the body is read.
 * Every change is audited in the same transaction as the change.
 */
const adminRoutes: FastifyPluginAsyncZod<{
  storage: Storage;
  catalog: CatalogService;
  config: Config;
}> = (app, { storage, catalog, config }) => {
  app.addHook('onRequest', adminOnly(config));

  const ProductParams = z.strictObject({ id: Id });
  const DiscountPage = z.strictObject({
    items: z.array(Discount).max(100),
    nextCursor: z.string().max(128).nullable(),
  });

  app.get(
    '/admin/products',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['admin'],
        operationId: 'listAdminProducts',
        summary: 'List the catalog',
        description: 'Every product, a page at a time, as the catalog service holds it.',
        security: ADMIN_SECURITY,
        querystring: PageQuery,
        response: { 200: ProductPage },
      },
    },
    (request) => productPage(storage, request.query),
  );

  app.post(
    '/admin/products',
    {
      config: { policy: adminChange('json'), errors: ['ALREADY_EXISTS'] },
      schema: {
        tags: ['admin'],
        operationId: 'createProduct',
        summary: 'Create a product',
        description: 'Adds a product to the catalog; audited.',
        security: ADMIN_SECURITY,
        body: ProductInput,
        response: { 201: Product },
      },
    },
    async (request, reply) =>
      sendCatalog(request, reply, await catalog.createProduct(request.body, catalogMeta(request))),
  );

  app.put(
    '/admin/products/:id',
    {
      config: { policy: adminChange('json'), errors: ['NOT_FOUND', 'ALREADY_EXISTS'] },
      schema: {
        tags: ['admin'],
        operationId: 'updateProduct',
        summary: 'Replace a product',
        description:
          'Replaces a product (price, stock, name…); audited. Carts see the new price on their next change, and checkout re-prices.',
        security: ADMIN_SECURITY,
        params: ProductParams,
        body: ProductInput,
        response: { 200: Product },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.updateProduct(request.params.id, request.body, catalogMeta(request)),
      ),
  );

  app.delete(
    '/admin/products/:id',
    {
      config: { policy: adminChange('none'), errors: ['NOT_FOUND'] },
      schema: {
        tags: ['admin'],
        operationId: 'deleteProduct',
        summary: 'Delete a product',
        description:
          'Removes a product from the catalog; audited. Carts holding it are refused `PRODUCT_NOT_FOUND` at checkout.',
        security: ADMIN_SECURITY,
        params: ProductParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.deleteProduct(request.params.id, catalogMeta(request)),
      ),
  );

  app.get(
    '/admin/discounts',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['admin'],
        operationId: 'listDiscounts',
        summary: 'List promo codes',
        description: 'Every promo code with its terms and how often it was used.',
        security: ADMIN_SECURITY,
        querystring: PageQuery,
        response: { 200: DiscountPage },
      },
    },
    (request) => {
      checkCursor(request.query.cursor);
      return storage.listDiscounts(request.query.limit ?? 20, request.query.cursor ?? null);
    },
  );

  app.post(
    '/admin/discounts',
    {
      config: { policy: adminChange('json'), errors: ['ALREADY_EXISTS'] },
      schema: {
        tags: ['admin'],
        operationId: 'createDiscount',
        summary: 'Create a promo code',
        description: 'Adds a promo code; audited.',
        security: ADMIN_SECURITY,
        body: DiscountInput,
        response: { 201: Discount },
      },
    },
    async (request, reply) => {
      const input = {
        ...request.body,
        startsAt: iso(request.body.startsAt),
        endsAt: iso(request.body.endsAt),
      };
      return sendCatalog(request, reply, await catalog.createDiscount(input, catalogMeta(request)));
    },
  );

  app.delete(
    '/admin/discounts/:code',
    {
      config: { policy: adminChange('none'), errors: ['NOT_FOUND'] },
      schema: {
        tags: ['admin'],
        operationId: 'deleteDiscount',
        summary: 'Delete a promo code',
        description:
          'Removes a promo code; audited. Carts holding it are refused `DISCOUNT_INVALID` at checkout.',
        security: ADMIN_SECURITY,
        params: z.strictObject({ code: DiscountCode }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) =>
      sendCatalog(
        request,
        reply,
        await catalog.deleteDiscount(request.params.code, catalogMeta(request)),
      ),
  );

  app.get(
    '/admin/audit',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['admin'],
        operationId: 'listAuditLog',
        security: ADMIN_SECURITY,
        summary: 'The audit log, newest first',
        description:
          'Every change to carts, the catalog and codes, with who made it and the hash chain that makes a removed or rewritten record detectable (`GET /api/admin/audit/verify`). Filter by cart, actor, action and time; page with `cursor` (the `nextCursor` of the page before).',
        querystring: AuditQuery,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      const items = await storage.listAudit({
        limit,
        ...(q.cartId !== undefined ? { cartId: q.cartId } : {}),
        ...(q.actor !== undefined ? { actorType: q.actor } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
        ...(q.cursor !== undefined ? { beforeSeq: Number(q.cursor) } : {}),
      });
      const last = items.at(-1);
      return { items, nextCursor: items.length === limit && last ? String(last.seq) : null };
    },
  );

  return Promise.resolve();
};

export default adminRoutes;
