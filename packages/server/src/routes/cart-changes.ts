// The changes of a cart by its holder: its lines, its promo codes, its note, email,
// country, address and shipping option, and batches of actions. Each is one call of `CartService.change`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ActionBatch,
  AddLineBody,
  ApplyDiscountBody,
  Cart,
  SetLineQuantityBody,
  SetShippingOptionBody,
  UpdateCartBody,
  type CartAction,
} from '@cart/core';
import { HttpProblem } from '../http/problem.ts';
import { requestMeta, sendCart } from '../http/reply.ts';
import {
  authHeader,
  BATCH,
  CartParams,
  cartChange,
  CHANGE_ERRORS,
  CodeParams,
  credentialFor,
  LineParams,
  type CartApp,
  type CartRoutesOptions,
} from './cart-route-common.ts';

export function cartChangeRoutes(
  app: CartApp,
  { service, csrf, maxBatchActions }: CartRoutesOptions,
): void {
  const change = async (
    request: FastifyRequest,
    reply: FastifyReply,
    cartId: string,
    actions: CartAction[],
    action: string,
  ): Promise<undefined> => {
    const credential = credentialFor(request, csrf);
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
    '/carts/:id/lines',
    {
      config: {
        policy: cartChange('json'),
        errors: [
          ...CHANGE_ERRORS,
          'PRODUCT_NOT_FOUND',
          'PRODUCT_NOT_AVAILABLE',
          'OUT_OF_STOCK',
          'QUANTITY_LIMIT_EXCEEDED',
          'CART_LIMIT_EXCEEDED',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'addLine',
        description:
          "Adds the product at its catalog price now, in the cart's currency (`422 PRODUCT_NOT_AVAILABLE` when it has none there). A line with the same product and attributes gets the quantities summed, one line. Refused whole, never clamped, past the stock, MAX_QUANTITY_PER_LINE or MAX_LINES_PER_CART.",
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
          'PRODUCT_NOT_AVAILABLE',
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
        errors: [
          ...CHANGE_ERRORS,
          'COUNTRY_NOT_SERVED',
          'PRODUCT_NOT_AVAILABLE',
          'DISCOUNT_INVALID',
        ],
      },
      schema: {
        tags: ['carts'],
        operationId: 'updateCart',
        description:
          "Sets any of the order note, the contact email, the country and the shipping address, as one change. Text is normalized (NFC, control characters removed); an empty string clears a note, null an email or an address. A country, or the address's, moves the cart to the region that sells there: its currency and tax follow, every line is re-priced from the catalog, and a shipping option of the old region is dropped; a line not sold there (`422 PRODUCT_NOT_AVAILABLE`) or a code tied to the old currency (`422 DISCOUNT_INVALID`) refuses the whole change. An address in another country than the one chosen is cleared. The chosen shipping option is checked again against the new address's region.",
        summary: 'Set the note, email, country or shipping address',
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
      if (request.body.country !== undefined)
        actions.push({ type: 'setCountry', country: request.body.country });
      // After the country: an address names the country it ships to.
      if (request.body.shippingAddress !== undefined)
        actions.push({ type: 'setShippingAddress', address: request.body.shippingAddress });
      return change(request, reply, request.params.id, actions, 'cart.update');
    },
  );

  app.put(
    '/carts/:id/shipping-option',
    {
      config: {
        policy: cartChange('json'),
        errors: [...CHANGE_ERRORS, 'SHIPPING_OPTION_UNAVAILABLE'],
      },
      schema: {
        tags: ['carts'],
        operationId: 'setShippingOption',
        description:
          "Chooses how the order ships, among the options of the cart's region (`GET /api/carts/{id}/shipping-options`); null clears the choice. The cart keeps the option's terms as of now, and checkout re-prices if they change. An option of another region answers `422 SHIPPING_OPTION_UNAVAILABLE`.",
        summary: 'Choose the shipping option',
        params: CartParams,
        body: SetShippingOptionBody,
        ...authHeader,
        response: { 200: Cart },
      },
    },
    (request, reply) =>
      change(
        request,
        reply,
        request.params.id,
        [{ type: 'setShippingOption', shippingOptionId: request.body.shippingOptionId }],
        'cart.setShippingOption',
      ),
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
          'PRODUCT_NOT_AVAILABLE',
          'COUNTRY_NOT_SERVED',
          'SHIPPING_OPTION_UNAVAILABLE',
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
}
