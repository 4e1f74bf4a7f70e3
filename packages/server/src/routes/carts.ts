// The cart routes' plugin: `/api/carts/…`, the cart resource and its changes (docs/api.md).
// Each group lives in its own file; they are registered here, in this order, which is
// the order of the paths in the OpenAPI document.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CART_COOKIE, cartCredential, setCartCookie } from '../http/credentials.ts';
import { policyOf } from '../http/route-policy.ts';
import { cartChangeRoutes } from './cart-changes.ts';
import { cartCheckoutRoute } from './cart-checkout.ts';
import { cartCreateReadRoutes } from './cart-create-read.ts';
import { cartEventsRoute } from './cart-events-route.ts';
import { cartMergeRoute } from './cart-merge.ts';
import type { CartRoutesOptions } from './cart-route-common.ts';

/** `/api/carts/…`: the cart resource and its changes (docs/api.md). */
const cartRoutes: FastifyPluginAsyncZod<CartRoutesOptions> = (app, options) => {
  // A cart lives for CART_TTL_SECONDS after its last change (cart-decision.ts, `expiry`),
  // and so does its cookie: each change a browser makes with it sets it again, for as
  // long, so that a cart in use is never lost with a cookie that expired first.
  app.addHook('onSend', (request, reply, payload, done) => {
    const cookie = request.cookies[CART_COOKIE];
    if (
      cookie !== undefined &&
      request.method !== 'GET' &&
      reply.statusCode < 300 &&
      policyOf(request)?.auth === 'cart' &&
      cartCredential(request).kind === 'cookie'
    )
      setCartCookie(request, reply, cookie, options.cartTtlSeconds);
    done(null, payload);
  });
  // POST /carts, GET /carts/:id
  cartCreateReadRoutes(app, options);
  // Lines, promo codes, note and email, batches of actions.
  cartChangeRoutes(app, options);
  cartMergeRoute(app, options);
  cartCheckoutRoute(app, options);
  // GET /carts/:id/events
  cartEventsRoute(app, options);
  return Promise.resolve();
};

export default cartRoutes;
