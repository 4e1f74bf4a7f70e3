// `POST /carts` and `GET /carts/:id`: creating a cart (its token answered once and set as
// the cookie) and reading it with its ETag.
import type { FastifyReply } from 'fastify';
import * as z from 'zod';
import { Cart, CartShippingOptions, CreatedCart } from '@cart/core';
import type { CartResult } from '../domain/cart-decision.ts';
import { cartCredential, setCartCookie } from '../http/credentials.ts';
import { HttpProblem } from '../http/problem.ts';
import { etagOf, ifNoneMatchMatches, requestMeta, sendCart } from '../http/reply.ts';
import {
  authHeader,
  CART_READ,
  CartParams,
  CREATE,
  EmptyBody,
  type CartApp,
  type CartRoutesOptions,
} from './cart-route-common.ts';

/** The new cart's token, when a creation (or its replay) made one: set as the cookie too. */
function createdToken(result: CartResult): string | null {
  if (result.kind === 'decided')
    return result.outcome.kind === 'created' ? result.outcome.token : null;
  if (result.kind !== 'replayed' || result.answer.status !== 201) return null;
  const token = (result.answer.body as { token?: unknown } | null)?.token;
  return typeof token === 'string' ? token : null;
}

export function cartCreateReadRoutes(
  app: CartApp,
  { service, csrf, cartTtlSeconds }: CartRoutesOptions,
): void {
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

  app.get(
    '/carts/:id/shipping-options',
    {
      config: { policy: CART_READ, errors: ['CART_NOT_FOUND'] },
      schema: {
        tags: ['carts'],
        operationId: 'listCartShippingOptions',
        description:
          "The shipping options of the cart's region, each with `cost`: what it would cost this cart as it stands (0 once the cart reaches its `freeOverSubtotal` after discounts, or when no line is shipped). Choose one with `PUT /api/carts/{id}/shipping-option`.",
        summary: "List the cart's shipping options",
        params: CartParams,
        ...authHeader,
        response: { 200: CartShippingOptions },
      },
    },
    async (request, reply) => {
      const options = await service.shippingOptions(
        request.params.id,
        cartCredential(request).hash,
        new Date(),
      );
      if (!options) throw new HttpProblem('CART_NOT_FOUND');
      void reply.header('cache-control', 'no-store');
      return options;
    },
  );
}
