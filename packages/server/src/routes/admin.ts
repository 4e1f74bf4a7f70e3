import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
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
import { requireAdmin } from '../http/credentials.ts';
import { HttpProblem } from '../http/problem.ts';
import { AlreadyExistsError, type AuditEntry, type Storage } from '../storage/port.ts';
import { PageQuery, productPage } from './products.ts';

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
  before: z
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
const adminRoutes: FastifyPluginAsyncZod<{ storage: Storage; config: Config }> = (
  app,
  { storage, config },
) => {
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      requireAdmin(config, request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  const audit = (
    request: FastifyRequest,
    action: string,
    detail: Record<string, unknown>,
  ): AuditEntry => ({
    at: new Date().toISOString(),
    actorType: 'admin',
    actorId: 'admin',
    requestId: request.id,
    clientAddress: request.ip,
    action,
    cartId: null,
    beforeVersion: null,
    afterVersion: null,
    detail,
  });

  const conflict = (error: unknown): never => {
    if (error instanceof AlreadyExistsError)
      throw new HttpProblem('ALREADY_EXISTS', `A ${error.subject} already exists.`);
    throw error;
  };

  const security: Record<string, string[]>[] = [{ adminToken: [] }];

  app.get(
    '/admin/products',
    {
      schema: {
        tags: ['admin'],
        security,
        querystring: PageQuery,
        response: { 200: ProductPage, ...unauthorized },
      },
    },
    (request) => productPage(storage, request.query),
  );

  app.post(
    '/admin/products',
    {
      schema: {
        tags: ['admin'],
        security,
        body: ProductInput,
        response: { 201: Product, 400: Problem, 409: Problem, ...unauthorized },
      },
    },
    async (request, reply) => {
      const product = { id: randomUUID(), ...request.body };
      const created = await storage
        .createProduct(
          product,
          audit(request, 'admin.product.create', { productId: product.id, sku: product.sku }),
        )
        .catch(conflict);
      return reply.code(201).send(created);
    },
  );

  app.put(
    '/admin/products/:id',
    {
      schema: {
        tags: ['admin'],
        security,
        params: z.strictObject({ id: Id }),
        body: ProductInput,
        response: { 200: Product, 400: Problem, 404: Problem, 409: Problem, ...unauthorized },
      },
    },
    async (request) => {
      const { id } = request.params;
      const updated = await storage
        .updateProduct(
          id,
          request.body,
          audit(request, 'admin.product.update', { productId: id, sku: request.body.sku }),
        )
        .catch(conflict);
      if (!updated) throw new HttpProblem('NOT_FOUND', 'There is no product with that id.');
      return updated;
    },
  );

  app.delete(
    '/admin/products/:id',
    {
      schema: {
        tags: ['admin'],
        security,
        params: z.strictObject({ id: Id }),
        response: { 204: z.null(), 404: Problem, ...unauthorized },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (
        !(await storage.deleteProduct(
          id,
          audit(request, 'admin.product.delete', { productId: id }),
        ))
      ) {
        throw new HttpProblem('NOT_FOUND', 'There is no product with that id.');
      }
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/discounts',
    {
      schema: {
        tags: ['admin'],
        security,
        response: { 200: z.strictObject({ items: z.array(Discount) }), ...unauthorized },
      },
    },
    async () => ({ items: await storage.listDiscounts() }),
  );

  app.post(
    '/admin/discounts',
    {
      schema: {
        tags: ['admin'],
        security,
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
      const created = await storage
        .createDiscount(input, audit(request, 'admin.discount.create', { code: input.code }))
        .catch(conflict);
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/admin/discounts/:code',
    {
      schema: {
        tags: ['admin'],
        security,
        params: z.strictObject({ code: DiscountCode }),
        response: { 204: z.null(), 404: Problem, ...unauthorized },
      },
    },
    async (request, reply) => {
      const { code } = request.params;
      if (
        !(await storage.deleteDiscount(code, audit(request, 'admin.discount.delete', { code })))
      ) {
        throw new HttpProblem('NOT_FOUND', `There is no discount ${code}.`);
      }
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/audit',
    {
      schema: {
        tags: ['admin'],
        security,
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
        ...(q.before !== undefined ? { beforeSeq: Number(q.before) } : {}),
      });
      const last = items.at(-1);
      return { items, nextCursor: items.length === limit && last ? String(last.seq) : null };
    },
  );

  return Promise.resolve();
};

export default adminRoutes;
