// `POST /carts/:id/checkout`: the cart closed, its stock reserved and its order made.
import { CheckoutResult } from '@cart/core';
import { requestMeta, sendCart } from '../http/reply.ts';
import {
  authHeader,
  CartParams,
  cartChange,
  CHANGE_ERRORS,
  credentialFor,
  EmptyBody,
  type CartApp,
  type CartRoutesOptions,
} from './cart-route-common.ts';

export function cartCheckoutRoute(app: CartApp, { service, csrf }: CartRoutesOptions): void {
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
          'PRODUCT_NOT_AVAILABLE',
          'DISCOUNT_INVALID',
          'SHIPPING_REQUIRED',
          'SHIPPING_OPTION_UNAVAILABLE',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'checkout',
        summary: 'Check out: close the cart and reserve its stock atomically',
        description:
          "Places the order at the prices and code terms of the catalog now, and the chosen shipping option's terms and the region's tax rule now. A cart with a line to ship needs a `shippingAddress` and a shipping option first (`422 SHIPPING_REQUIRED`, its `errors` naming which); an option no longer offered answers `422 SHIPPING_OPTION_UNAVAILABLE`. If any price or term changed since it was put in the cart, nothing is reserved and no order made: the cart is re-priced (version + 1) and the answer is `409 PRICES_CHANGED` with the re-priced `cart` and its `ETag`; check out again, with a new Idempotency-Key, to accept the new total. Also `409 OUT_OF_STOCK` (its `errors` name each line short of stock, `/lines/<lineId>`), `422 CART_EMPTY`, `422 PRODUCT_NOT_FOUND`, `422 PRODUCT_NOT_AVAILABLE`, `422 DISCOUNT_INVALID`; `410 CART_EXPIRED` for an expired cart. Idempotent by cart: asked again once the order exists, it answers that same order.",
        params: CartParams,
        body: EmptyBody,
        ...authHeader,
        response: { 200: CheckoutResult },
      },
    },
    async (request, reply) => {
      const credential = credentialFor(request, csrf);
      return sendCart(
        request,
        reply,
        await service.checkout(request.params.id, credential.hash, requestMeta(request)),
      );
    },
  );
}
