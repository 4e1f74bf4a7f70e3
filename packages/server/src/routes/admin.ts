import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  Discount,
  DiscountCode,
  DiscountInput,
  Id,
  Problem,
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

const AuditRecordSchema = z.strictObject({
  seq: z.int(),
  at: z.string(),
  actorType: z.enum(['cart', 'admin', 'system']),
  actorId: z.string().nullable(),
  requestId: z.string().nullable(),
  clientAddress: z.string().nullable(),
  action: z.string(),
  cartId: z.string().nullable(),
  beforeVersion: z.int().nullable(),
  afterVersion: z.int().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
  /** The audit key whose HMAC `hash` is; null for a record from before the chain was keyed. */
  keyId: z.string().nullable(),
});

const AuditQuery = z.strictObject({
  cartId: Id.optional(),
  actor: z.enum(['cart', 'admin', 'system']).optional(),
  action: z
    .string()
    .regex(/^[a-zA-Z.]{1,64}$/)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .optional(),
  limit: z
    .string()
    .regex(/^(100|[1-9]\d?)$/)
    .optional(),
});

const unauthorized = { 401: Problem };
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
    items: z.array(Discount),
    nextCursor: z.string().nullable(),
  });

  app.get(
    '/admin/products',
    {
      config: { policy: ADMIN_READ },
      schema: {
        tags: ['admin'],
        security: ADMIN_SECURITY,
        querystring: PageQuery,
        response: { 200: ProductPage, ...unauthorized },
      },
    },
    (request) => productPage(storage, request.query),
  );

  app.post(
    '/admin/products',
    {
      config: { policy: adminChange('json') },
      schema: {
        tags: ['admin'],
        security: ADMIN_SECURITY,
        body: ProductInput,
        response: { 201: Product, 400: Problem, 409: Problem, ...unauthorized },
      },
    },
    async (request, reply) =>
      sendCatalog(request, reply, await catalog.createProduct(request.body, catalogMeta(request))),
  );

  app.put(
    '/admin/products/:id',
    {
      config: { policy: adminChange('json') },
      schema: {
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: ProductParams,
        body: ProductInput,
        response: { 200: Product, 400: Problem, 404: Problem, 409: Problem, ...unauthorized },
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
      config: { policy: adminChange('none') },
      schema: {
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: ProductParams,
        response: { 204: z.null(), 404: Problem, ...unauthorized },
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
        security: ADMIN_SECURITY,
        querystring: PageQuery,
        response: { 200: DiscountPage, 400: Problem, ...unauthorized },
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
      config: { policy: adminChange('json') },
      schema: {
        tags: ['admin'],
        security: ADMIN_SECURITY,
        body: DiscountInput,
        response: { 201: Discount, 400: Problem, 409: Problem, ...unauthorized },
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
      config: { policy: adminChange('none') },
      schema: {
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.strictObject({ code: DiscountCode }),
        response: { 204: z.null(), 404: Problem, ...unauthorized },
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
        security: ADMIN_SECURITY,
        summary: 'The audit log, newest first',
        querystring: AuditQuery,
        response: {
          200: z.strictObject({
            items: z.array(AuditRecordSchema),
            nextCursor: z.string().nullable(),
          }),
          ...unauthorized,
        },
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
