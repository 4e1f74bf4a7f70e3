// `POST /carts/:id/merge`: a guest cart merged into the holder's cart.
import { Cart, MergeBody } from '@cart/core';
import { HttpProblem } from '../http/problem.ts';
import { requestMeta, sendCart } from '../http/reply.ts';
import {
  authHeader,
  CartParams,
  cartChange,
  CHANGE_ERRORS,
  credentialFor,
  type CartApp,
  type CartRoutesOptions,
} from './cart-route-common.ts';

export function cartMergeRoute(app: CartApp, { service, csrf }: CartRoutesOptions): void {
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
      const credential = credentialFor(request, csrf);
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
}
