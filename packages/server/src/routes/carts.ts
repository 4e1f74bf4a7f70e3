import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ActionBatch,
  AddLineBody,
  ApplyDiscountBody,
  Cart,
  CheckoutResult,
  CreatedCart,
  DiscountCode,
  Id,
  MergeBody,
  Problem,
  SetLineQuantityBody,
  UpdateCartBody,
  type CartAction,
} from '@cart/core';
import {
  etagOf,
  ifNoneMatchMatches,
  type CartService,
  type Reply,
} from '../domain/cart-service.ts';
import { cartCredential, setCartCookie, type CartCredential } from '../http/credentials.ts';
import type { Csrf } from '../http/csrf.ts';
import { HttpProblem } from '../http/problem.ts';
import { requestMeta, sendReply } from '../http/reply.ts';
import { serveCartEvents } from './cart-events.ts';

export interface CartRoutesOptions {
  service: CartService;
  csrf: Csrf;
  maxBatchActions: number;
  cartTtlSeconds: number;
}

const CartParams = z.strictObject({ id: Id });
const LineParams = z.strictObject({ id: Id, lineId: Id });
const CodeParams = z.strictObject({ id: Id, code: DiscountCode });
const EmptyBody = z.strictObject({}).nullish();

const errors = { 400: Problem, 404: Problem, 409: Problem, 412: Problem, 422: Problem };
const authHeader: { security: Record<string, string[]>[] } = {
  security: [{ cartToken: [] }, { cartCookie: [] }],
};

/** `/api/carts/…`: the cart resource and its changes (DESIGN.md §4). */
const cartRoutes: FastifyPluginAsyncZod<CartRoutesOptions> = (
  app,
  { service, csrf, maxBatchActions, cartTtlSeconds },
) => {
  // A cookie-authenticated change must pass the CSRF checks; a bearer one needs none.
  const credentialFor = (request: FastifyRequest): CartCredential => {
    const credential = cartCredential(request);
    if (credential.kind === 'cookie' && request.method !== 'GET') csrf.verify(request);
    return credential;
  };

  const change = async (
    request: FastifyRequest,
    reply: FastifyReply,
    cartId: string,
    actions: CartAction[],
    action: string,
  ): Promise<undefined> => {
    const credential = credentialFor(request);
    const result: Reply = await service.change(
      cartId,
      credential.hash,
      actions,
      requestMeta(request),
      action,
    );
    return sendReply(reply, result);
  };

  app.post(
    '/carts',
    {
      schema: {
        tags: ['carts'],
        summary: 'Create a cart',
        description:
          'Answers the new cart and its secret `token` (shown only here), and sets the HttpOnly `cart_token` cookie for browsers.',
        body: EmptyBody,
        response: { 201: CreatedCart, 400: Problem },
      },
    },
    async (request, reply) => {
      csrf.verifyOrigin(request);
      const result = await service.create(requestMeta(request));
      const token = (result.body as { token?: unknown } | null)?.token;
      if (result.status === 201 && typeof token === 'string')
        setCartCookie(request, reply, token, cartTtlSeconds);
      return sendReply(reply, result);
    },
  );

  app.get(
    '/carts/:id',
    {
      schema: {
        tags: ['carts'],
        summary: 'Read a cart',
        params: CartParams,
        ...authHeader,
        response: { 200: Cart, 304: z.null(), 404: Problem },
      },
    },
    async (request, reply) => {
      const cart = await service.read(request.params.id, cartCredential(request).hash, new Date());
      if (!cart) throw new HttpProblem('CART_NOT_FOUND');
      void reply.header('etag', etagOf(cart.version)).header('cache-control', 'no-store');
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch !== undefined && ifNoneMatchMatches(ifNoneMatch, cart.version))
        return reply.code(304).send(null);
      return cart;
    },
  );

  app.post(
    '/carts/:id/lines',
    {
      schema: {
        tags: ['carts'],
        summary: 'Add a line (same product and attributes merge into one line)',
        params: CartParams,
        body: AddLineBody,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) =>
      change(
        request,
        reply,
        request.params.id,
        [{ type: 'addLine', ...request.body }],
        'cart.addLine',
      ),
  );

  app.patch(
    '/carts/:id/lines/:lineId',
    {
      schema: {
        tags: ['carts'],
        summary: 'Set a line quantity (0 removes the line)',
        params: LineParams,
        body: SetLineQuantityBody,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) =>
      change(
        request,
        reply,
        request.params.id,
        [
          {
            type: 'setLineQuantity',
            lineId: request.params.lineId,
            quantity: request.body.quantity,
          },
        ],
        'cart.setLineQuantity',
      ),
  );

  app.delete(
    '/carts/:id/lines/:lineId',
    {
      schema: {
        tags: ['carts'],
        summary: 'Remove a line',
        params: LineParams,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) =>
      change(
        request,
        reply,
        request.params.id,
        [{ type: 'removeLine', lineId: request.params.lineId }],
        'cart.removeLine',
      ),
  );

  app.post(
    '/carts/:id/discounts',
    {
      schema: {
        tags: ['carts'],
        summary: 'Apply a promo code',
        params: CartParams,
        body: ApplyDiscountBody,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) =>
      change(
        request,
        reply,
        request.params.id,
        [{ type: 'applyDiscount', code: request.body.code }],
        'cart.applyDiscount',
      ),
  );

  app.delete(
    '/carts/:id/discounts/:code',
    {
      schema: {
        tags: ['carts'],
        summary: 'Remove a promo code',
        params: CodeParams,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) =>
      change(
        request,
        reply,
        request.params.id,
        [{ type: 'removeDiscount', code: request.params.code }],
        'cart.removeDiscount',
      ),
  );

  app.patch(
    '/carts/:id',
    {
      schema: {
        tags: ['carts'],
        summary: 'Set the note and/or the email',
        params: CartParams,
        body: UpdateCartBody,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) => {
      const actions: CartAction[] = [];
      if (request.body.note !== undefined)
        actions.push({ type: 'setNote', note: request.body.note });
      if (request.body.email !== undefined)
        actions.push({ type: 'setEmail', email: request.body.email });
      return change(request, reply, request.params.id, actions, 'cart.update');
    },
  );

  app.post(
    '/carts/:id/actions',
    {
      schema: {
        tags: ['carts'],
        summary: 'Apply a batch of actions atomically, in order',
        description:
          'All or nothing: one refused action refuses the batch, and its error path names it (`/actions/<i>/…`). An action whose `actionId` the cart has applied already is skipped.',
        params: CartParams,
        body: ActionBatch,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    (request, reply) => {
      const { actions } = request.body;
      if (actions.length > maxBatchActions) {
        throw new HttpProblem(
          'VALIDATION_FAILED',
          `A batch holds at most ${maxBatchActions} actions.`,
          {
            errors: [{ path: '/actions', message: `at most ${maxBatchActions} actions` }],
          },
        );
      }
      return change(request, reply, request.params.id, actions, 'cart.batch');
    },
  );

  app.post(
    '/carts/:id/merge',
    {
      schema: {
        tags: ['carts'],
        summary: 'Merge a guest cart into this one',
        description: 'Lines in both keep the larger quantity; the source cart becomes `merged`.',
        params: CartParams,
        body: MergeBody,
        ...authHeader,
        response: { 200: Cart, ...errors },
      },
    },
    async (request, reply) => {
      const { sourceCartId, sourceToken } = request.body;
      if (sourceCartId === request.params.id) {
        throw new HttpProblem('VALIDATION_FAILED', 'A cart cannot be merged into itself.', {
          errors: [{ path: '/sourceCartId', message: 'must be another cart' }],
        });
      }
      const credential = credentialFor(request);
      return sendReply(
        reply,
        await service.merge(
          request.params.id,
          credential.hash,
          sourceCartId,
          sourceToken,
          requestMeta(request),
        ),
      );
    },
  );

  app.post(
    '/carts/:id/checkout',
    {
      schema: {
        tags: ['carts'],
        summary: 'Check out: close the cart and reserve its stock atomically',
        params: CartParams,
        body: EmptyBody,
        ...authHeader,
        response: { 200: CheckoutResult, ...errors },
      },
    },
    async (request, reply) => {
      const credential = credentialFor(request);
      return sendReply(
        reply,
        await service.checkout(request.params.id, credential.hash, requestMeta(request)),
      );
    },
  );

  app.get(
    '/carts/:id/events',
    {
      schema: {
        tags: ['carts'],
        summary: 'Live cart changes (Server-Sent Events)',
        description:
          '`event: cart` with the full cart, first the current one and then after every change; a comment heartbeat every 15 s.',
        params: CartParams,
        ...authHeader,
        response: { 200: z.string().describe('text/event-stream'), 404: Problem },
      },
    },
    async (request, reply) => {
      const cart = await service.read(request.params.id, cartCredential(request).hash, new Date());
      if (!cart) throw new HttpProblem('CART_NOT_FOUND');
      serveCartEvents(request, reply, cart, service.events);
    },
  );

  return Promise.resolve();
};

export default cartRoutes;
