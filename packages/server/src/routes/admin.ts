import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
import { idempotencyRecord, openReply, type StoredReply } from '../http/idempotency.ts';
import { HttpProblem } from '../http/problem.ts';
import { ADMIN_READ, adminChange } from '../http/route-policy.ts';
import { sendReply } from '../http/reply.ts';
import {
  AlreadyExistsError,
  WriteConflictError,
  type AuditEntry,
  type IdempotencyRecord,
  type Storage,
} from '../storage/port.ts';
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
const adminRoutes: FastifyPluginAsyncZod<{ storage: Storage; config: Config }> = (
  app,
  { storage, config },
) => {
  app.addHook('onRequest', adminOnly(config));

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

  /**
   * Runs an admin change under the request's Idempotency-Key: a repeat replays the
   * first answer, the same key with another body is refused, and the answer is stored
   * in the same transaction as the change. `write` answers false when there was nothing
   * to change (an unknown id), which is 404 and not stored.
   */
  const change = async (
    request: FastifyRequest,
    reply: FastifyReply,
    answer: StoredReply,
    notFound: string,
    write: (record: IdempotencyRecord | null) => Promise<boolean>,
  ): Promise<undefined> => {
    const idem = request.idempotency;
    const replay = async (): Promise<boolean> => {
      const stored = idem && (await storage.getIdempotency(idem.id));
      if (!idem || !stored) return false;
      if (stored.fingerprint !== idem.fingerprint) {
        throw new HttpProblem(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different request.',
        );
      }
      sendReply(reply, { ...openReply(idem, stored.payload), replayed: true });
      return true;
    };
    if (await replay()) return undefined;
    const record = idem
      ? idempotencyRecord(idem, answer, new Date(), config.IDEMPOTENCY_TTL_SECONDS)
      : null;
    let found: boolean;
    try {
      found = await write(record);
    } catch (error) {
      if (error instanceof WriteConflictError && (await replay())) return undefined;
      if (error instanceof AlreadyExistsError)
        throw new HttpProblem('ALREADY_EXISTS', `A ${error.subject} already exists.`);
      throw error;
    }
    if (!found) throw new HttpProblem('NOT_FOUND', notFound);
    return sendReply(reply, { ...answer, replayed: false });
  };

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
    (request, reply) => {
      const product: Product = { id: randomUUID(), ...request.body };
      const entry = audit(request, 'admin.product.create', {
        productId: product.id,
        sku: product.sku,
      });
      return change(
        request,
        reply,
        { status: 201, headers: {}, body: product },
        '',
        async (record) => {
          await storage.createProduct(product, entry, record);
          return true;
        },
      );
    },
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
    (request, reply) => {
      const { id } = request.params;
      const entry = audit(request, 'admin.product.update', {
        productId: id,
        sku: request.body.sku,
      });
      const answer = { status: 200, headers: {}, body: { id, ...request.body } };
      return change(
        request,
        reply,
        answer,
        'There is no product with that id.',
        async (record) => (await storage.updateProduct(id, request.body, entry, record)) !== null,
      );
    },
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
    (request, reply) => {
      const { id } = request.params;
      const entry = audit(request, 'admin.product.delete', { productId: id });
      return change(
        request,
        reply,
        { status: 204, headers: {}, body: null },
        'There is no product with that id.',
        (record) => storage.deleteProduct(id, entry, record),
      );
    },
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
    (request, reply) => {
      const input = {
        ...request.body,
        startsAt: iso(request.body.startsAt),
        endsAt: iso(request.body.endsAt),
      };
      const entry = audit(request, 'admin.discount.create', { code: input.code });
      return change(
        request,
        reply,
        { status: 201, headers: {}, body: { ...input, timesUsed: 0 } },
        '',
        async (record) => {
          await storage.createDiscount(input, entry, record);
          return true;
        },
      );
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
    (request, reply) => {
      const { code } = request.params;
      const entry = audit(request, 'admin.discount.delete', { code });
      return change(
        request,
        reply,
        { status: 204, headers: {}, body: null },
        `There is no discount ${code}.`,
        (record) => storage.deleteDiscount(code, entry, record),
      );
    },
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
