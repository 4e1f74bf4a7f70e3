// Over 400 lines on purpose: one route a block, each with the policy, OpenAPI schema and
// handler that belong together (docs/architecture.md, "Policies are declared on the
// route"); the handlers are one-liners into CartService and http/reply.ts.
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
  SetLineQuantityBody,
  UpdateCartBody,
  type CartAction,
  type ErrorCode,
} from '@cart/core';
import type { CartResult, CartService } from '../domain/cart-service.ts';
import { cartCredential, setCartCookie, type CartCredential } from '../http/credentials.ts';
import type { Csrf } from '../http/csrf.ts';
import { HttpProblem } from '../http/problem.ts';
import { etagOf, ifNoneMatchMatches, requestMeta, sendCart } from '../http/reply.ts';
import type { RateLimitBucket, RoutePolicy } from '../http/route-policy.ts';
import type { LiveStreams } from './cart-events.ts';

export interface CartRoutesOptions {
  service: CartService;
  csrf: Csrf;
  maxBatchActions: number;
  cartTtlSeconds: number;
  /** The live-event streams and their bounds. */
  streams: LiveStreams;
}

const CartParams = z.strictObject({ id: Id });
const LineParams = z.strictObject({ id: Id, lineId: Id });
const CodeParams = z.strictObject({ id: Id, code: DiscountCode });
const EmptyBody = z.strictObject({}).nullish();

/**
 * What any change of a cart can be refused with, besides what the pipeline answers
 * (http/route-answers.ts): each route adds the codes of its own actions.
 */
const CHANGE_ERRORS = [
  'CART_NOT_FOUND',
  'CART_EXPIRED',
  'CART_CLOSED',
  'VERSION_CONFLICT',
  'CART_TOO_LARGE',
  'AMOUNT_TOO_LARGE',
] as const satisfies readonly ErrorCode[];
const authHeader: { security: Record<string, string[]>[] } = {
  security: [{ cartToken: [] }, { cartCookie: [] }],
};

// The routes' policies (http/route-policy.ts): who, CSRF, rate-limit budgets, Idempotency-Key, body.
/** Creating a cart: anyone from the shop's own pages (Origin / Sec-Fetch-Site); `{}` or no body. */
const CREATE: RoutePolicy = {
  auth: 'none',
  csrf: 'origin',
  rateLimit: ['client'],
  idempotent: true,
  body: 'empty',
};
/** Reading a cart (or its live events) with its token. */
const CART_READ: RoutePolicy = {
  auth: 'cart',
  csrf: 'none',
  rateLimit: ['client'],
  idempotent: false,
  body: 'none',
};
/** A change with the cart's token: the client's and the cart's budgets, and any `extra`. */
const cartChange = (body: RoutePolicy['body'], ...extra: RateLimitBucket[]): RoutePolicy => ({
  auth: 'cart',
  csrf: 'token',
  rateLimit: ['client', 'cart', ...extra],
  idempotent: true,
  body,
});
/** A batch: each promo code in it is an attempt against the promo-code budgets. */
const BATCH: RoutePolicy = {
  ...cartChange('json'),
  rateLimitPerItem: {
    buckets: ['discount-cart', 'discount-client'],
    count: (body) =>
      ((body as { actions?: { type: string }[] } | undefined)?.actions ?? []).filter(
        (a) => a.type === 'applyDiscount',
      ).length,
  },
};

/** The new cart's token, when a creation (or its replay) made one: set as the cookie too. */
function createdToken(result: CartResult): string | null {
  if (result.kind === 'decided')
    return result.outcome.kind === 'created' ? result.outcome.token : null;
  if (result.kind !== 'replayed' || result.answer.status !== 201) return null;
  const token = (result.answer.body as { token?: unknown } | null)?.token;
  return typeof token === 'string' ? token : null;
}

/** `/api/carts/…`: the cart resource and its changes (docs/api.md). */
const cartRoutes: FastifyPluginAsyncZod<CartRoutesOptions> = (
  app,
  { service, csrf, maxBatchActions, cartTtlSeconds, streams },
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
    const result = await service.change(
      cartId,
      credential.hash,
      actions,
      requestMeta(request),
      action,
    );
    return sendCart(request, reply, result);
  };

  app.post(
    '/carts',
    {
      config: { policy: CREATE },
      schema: {
        tags: ['carts'],
        operationId: 'createCart',
        summary: 'Create a cart',
        description:
          'Answers the new cart and its secret `token` (shown only here), and sets the HttpOnly `cart_token` cookie for browsers.',
        body: EmptyBody,
        response: { 201: CreatedCart },
      },
    },
    async (request, reply) => {
      csrf.verifyOrigin(request, 'Carts can be created');
      const result = await service.create(requestMeta(request));
      const token = createdToken(result);
      if (token !== null) setCartCookie(request, reply, token, cartTtlSeconds);
      return sendCart(request, reply, result);
    },
  );

  app.get(
    '/carts/:id',
    {
      config: { policy: CART_READ, errors: ['CART_NOT_FOUND'] },
      schema: {
        tags: ['carts'],
        operationId: 'getCart',
        description:
          'Answers the cart with its `ETag` (its version). With `If-None-Match` naming the current version it answers `304` and no body. A wrong or missing token answers `404 CART_NOT_FOUND`, exactly as an unknown cart does.',
        summary: 'Read a cart',
        params: CartParams,
        ...authHeader,
        response: { 200: Cart, 304: z.null() },
      },
    },
    async (request, reply) => {
      const cart = await service.read(request.params.id, cartCredential(request).hash, new Date());
      if (!cart) throw new HttpProblem('CART_NOT_FOUND');
      void reply.header('etag', etagOf(cart.version)).header('cache-control', 'no-store');
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch !== undefined && ifNoneMatchMatches(ifNoneMatch, cart.version))
        // No body at all (not even `null`): a 304 repeats only the validators.
        return (reply as FastifyReply).code(304).send();
      return cart;
    },
  );

  app.post(
    '/carts/:id/lines',
    {
      config: {
        policy: cartChange('json'),
        errors: [
          ...CHANGE_ERRORS,
          'PRODUCT_NOT_FOUND',
          'OUT_OF_STOCK',
          'QUANTITY_LIMIT_EXCEEDED',
          'CART_LIMIT_EXCEEDED',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'addLine',
        description:
          'Adds the product at the catalog price now. A line with the same product and attributes gets the quantities summed, one line. Refused whole, never clamped, past the stock, MAX_QUANTITY_PER_LINE or MAX_LINES_PER_CART.',
        summary: 'Add a line (same product and attributes merge into one line)',
        params: CartParams,
        body: AddLineBody,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: cartChange('json'),
        errors: [
          ...CHANGE_ERRORS,
          'LINE_NOT_FOUND',
          'PRODUCT_NOT_FOUND',
          'OUT_OF_STOCK',
          'QUANTITY_LIMIT_EXCEEDED',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'setLineQuantity',
        description:
          'Sets the quantity of one line; `0` removes it. Checked against the stock and MAX_QUANTITY_PER_LINE.',
        summary: 'Set a line quantity (0 removes the line)',
        params: LineParams,
        body: SetLineQuantityBody,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: cartChange('none'),
        errors: [...CHANGE_ERRORS, 'LINE_NOT_FOUND'],
      },
      schema: {
        tags: ['carts'],
        operationId: 'removeLine',
        description:
          'Removes one line. A line already gone answers `404 LINE_NOT_FOUND`; retry with the same Idempotency-Key to get the first answer instead.',
        summary: 'Remove a line',
        params: LineParams,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: cartChange('json', 'discount-cart', 'discount-client'),
        errors: [...CHANGE_ERRORS, 'DISCOUNT_INVALID'],
      },
      schema: {
        tags: ['carts'],
        operationId: 'applyDiscount',
        description:
          'Applies a promo code (case-insensitive). Refused with `422 DISCOUNT_INVALID` and a detail that says why: unknown, not yet valid, expired, used up, below its minimum subtotal, not combinable, or more than MAX_DISCOUNTS_PER_CART codes. Each attempt spends the promo-code budgets.',
        summary: 'Apply a promo code',
        params: CartParams,
        body: ApplyDiscountBody,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: cartChange('none'),
        errors: [...CHANGE_ERRORS, 'DISCOUNT_INVALID'],
      },
      schema: {
        tags: ['carts'],
        operationId: 'removeDiscount',
        description:
          'Removes a promo code from the cart; a code not on it answers `422 DISCOUNT_INVALID`.',
        summary: 'Remove a promo code',
        params: CodeParams,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: cartChange('json'),
        errors: CHANGE_ERRORS,
      },
      schema: {
        tags: ['carts'],
        operationId: 'updateCart',
        description:
          'Sets the order note and/or the contact email. Text is normalized (NFC, control characters removed); an empty string clears a field.',
        summary: 'Set the note and/or the email',
        params: CartParams,
        body: UpdateCartBody,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: BATCH,
        errors: [
          ...CHANGE_ERRORS,
          'PRODUCT_NOT_FOUND',
          'OUT_OF_STOCK',
          'QUANTITY_LIMIT_EXCEEDED',
          'CART_LIMIT_EXCEEDED',
          'LINE_NOT_FOUND',
          'DISCOUNT_INVALID',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'applyActions',
        summary: 'Apply a batch of actions atomically, in order',
        description:
          'All or nothing: one refused action refuses the batch; the problem names it by its index in the batch as sent, in its error path (`/actions/<i>/…`), and by its `actionId` when it has one. An action whose `actionId` the cart has applied already is skipped. The `appliedActionIds` of the cart answered then end with every `actionId` of this batch, applied now or before. A batch of actions all applied before changes nothing (no new version, even on a closed cart) and is answered with the cart as it is.',
        params: CartParams,
        body: ActionBatch,
        ...authHeader,
        response: { 200: Cart },
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
      config: {
        policy: cartChange('json'),
        errors: [
          ...CHANGE_ERRORS,
          'QUANTITY_LIMIT_EXCEEDED',
          'CART_LIMIT_EXCEEDED',
          'OUT_OF_STOCK',
          'PRODUCT_NOT_FOUND',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'mergeCart',
        summary: 'Merge a guest cart into this one',
        description: 'Lines in both keep the larger quantity; the source cart becomes `merged`.',
        params: CartParams,
        body: MergeBody,
        ...authHeader,
        response: { 200: Cart },
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
      return sendCart(
        request,
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
      config: {
        policy: cartChange('empty', 'checkout'),
        errors: [
          ...CHANGE_ERRORS,
          'PRICES_CHANGED',
          'OUT_OF_STOCK',
          'CART_EMPTY',
          'PRODUCT_NOT_FOUND',
          'DISCOUNT_INVALID',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'checkout',
        summary: 'Check out: close the cart and reserve its stock atomically',
        description:
          'Places the order at the prices and code terms of the catalog now. If any changed since they were put in the cart, nothing is reserved and no order made: the cart is re-priced (version + 1) and the answer is `409 PRICES_CHANGED` with the re-priced `cart` and its `ETag`; check out again, with a new Idempotency-Key, to accept the new total. Also `409 OUT_OF_STOCK`, `422 CART_EMPTY`, `422 PRODUCT_NOT_FOUND`, `422 DISCOUNT_INVALID`; `410 CART_EXPIRED` for an expired cart. Idempotent by cart: asked again once the order exists, it answers that same order.',
        params: CartParams,
        body: EmptyBody,
        ...authHeader,
        response: { 200: CheckoutResult },
      },
    },
    async (request, reply) => {
      const credential = credentialFor(request);
      return sendCart(
        request,
        reply,
        await service.checkout(request.params.id, credential.hash, requestMeta(request)),
      );
    },
  );

  app.get(
    '/carts/:id/events',
    {
      config: { policy: CART_READ, errors: ['CART_NOT_FOUND'] },
      schema: {
        tags: ['carts'],
        operationId: 'streamCartEvents',
        summary: 'Live cart changes (Server-Sent Events)',
        description:
          '`event: cart` with the full cart (`id:` its version), first the current one (unless `Last-Event-ID` names that version already) and then after every change; a comment heartbeat every 15 s. The stream ends after LIVE_STREAM_LIFETIME_SECONDS (30 min by default): reconnect with `Last-Event-ID`. Bounded: 429 `RATE_LIMITED` past LIVE_STREAMS_PER_CLIENT or LIVE_STREAMS_PER_CART open streams, 503 `UNAVAILABLE` past LIVE_STREAMS_MAX, both with `Retry-After`; a subscriber leaving more than LIVE_STREAM_MAX_BUFFERED_BYTES unsent is disconnected.',
        params: CartParams,
        ...authHeader,
        response: {
          200: {
            description:
              'The event stream: `event: cart`, `id: <version>`, `data: <the cart as JSON>`, and `: heartbeat` comments.',
            content: { 'text/event-stream': { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      const cart = await service.read(request.params.id, cartCredential(request).hash, new Date());
      if (!cart) throw new HttpProblem('CART_NOT_FOUND');
      // Counted against the stream bounds only now that the credential matched.
      streams.serve(request, reply, cart);
    },
  );

  return Promise.resolve();
};

export default cartRoutes;
