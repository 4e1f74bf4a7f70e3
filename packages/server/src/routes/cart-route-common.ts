// What the cart route groups (carts.ts registers them) share: their options, the path
// parameters, the policies they declare, the errors any change can answer, and how a
// request's cart credential is read.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { DiscountCode, Id, type ErrorCode } from '@cart/core';
import type { CartService } from '../domain/cart-service.ts';
import { cartCredential, type CartCredential } from '../http/credentials.ts';
import type { Csrf } from '../http/csrf.ts';
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

/** The instance the cart routes are added to, typed by their zod schemas. */
export type CartApp = Parameters<FastifyPluginAsyncZod<CartRoutesOptions>>[0];

export const CartParams = z.strictObject({ id: Id });
export const LineParams = z.strictObject({ id: Id, lineId: Id });
export const CodeParams = z.strictObject({ id: Id, code: DiscountCode });
export const EmptyBody = z.strictObject({}).nullish();

/**
 * What any change of a cart can be refused with, besides what the pipeline answers
 * (http/route-answers.ts): each route adds the codes of its own actions.
 */
export const CHANGE_ERRORS = [
  'CART_NOT_FOUND',
  'CART_EXPIRED',
  'CART_CLOSED',
  'VERSION_CONFLICT',
  'CART_TOO_LARGE',
  'AMOUNT_TOO_LARGE',
] as const satisfies readonly ErrorCode[];
export const authHeader: { security: Record<string, string[]>[] } = {
  security: [{ cartToken: [] }, { cartCookie: [] }],
};

// The routes' policies (http/route-policy.ts): who, CSRF, rate-limit budgets, Idempotency-Key, body.
/** Creating a cart: anyone from the shop's own pages (Origin / Sec-Fetch-Site); `{}` or no body. */
export const CREATE: RoutePolicy = {
  auth: 'none',
  csrf: 'origin',
  rateLimit: ['client'],
  idempotent: true,
  body: 'empty',
};
/** Reading a cart (or its live events) with its token. */
export const CART_READ: RoutePolicy = {
  auth: 'cart',
  csrf: 'none',
  rateLimit: ['client'],
  idempotent: false,
  body: 'none',
};
/** A change with the cart's token: the client's and the cart's budgets, and any `extra`. */
export const cartChange = (
  body: RoutePolicy['body'],
  ...extra: RateLimitBucket[]
): RoutePolicy => ({
  auth: 'cart',
  csrf: 'token',
  rateLimit: ['client', 'cart', ...extra],
  idempotent: true,
  body,
});
/** A batch: each promo code in it is an attempt against the promo-code budgets. */
export const BATCH: RoutePolicy = {
  ...cartChange('json'),
  rateLimitPerItem: {
    buckets: ['discount-cart', 'discount-client'],
    count: (body) =>
      ((body as { actions?: { type: string }[] } | undefined)?.actions ?? []).filter(
        (a) => a.type === 'applyDiscount',
      ).length,
  },
};

/**
 * The request's cart credential. A cookie-authenticated change must pass the CSRF checks;
 * a bearer one needs none.
 */
export function credentialFor(request: FastifyRequest, csrf: Csrf): CartCredential {
  const credential = cartCredential(request);
  if (credential.kind === 'cookie' && request.method !== 'GET') csrf.verify(request);
  return credential;
}
