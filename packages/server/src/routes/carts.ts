// The cart routes' plugin: `/api/carts/…`, the cart resource and its changes (docs/api.md).
// Each group lives in its own file; they are registered here, in this order, which is
// the order of the paths in the OpenAPI document.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cartChangeRoutes } from './cart-changes.ts';
import { cartCheckoutRoute } from './cart-checkout.ts';
import { cartCreateReadRoutes } from './cart-create-read.ts';
import { cartEventsRoute } from './cart-events-route.ts';
import { cartMergeRoute } from './cart-merge.ts';
import type { CartRoutesOptions } from './cart-route-common.ts';

/** `/api/carts/…`: the cart resource and its changes (docs/api.md). */
const cartRoutes: FastifyPluginAsyncZod<CartRoutesOptions> = (app, options) => {
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
