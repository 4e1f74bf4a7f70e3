// Checkout: the cart closed, its stock reserved, its codes used and its order made in one
// transaction; or, when the catalog changed under the cart, the cart re-priced instead
// and answered with PRICES_CHANGED.
import { randomUUID } from 'node:crypto';
import {
  checkCheckout,
  checkDiscountUsable,
  ERROR_CATALOG,
  formatMoney,
  MoneyOverflowError,
  priceIn,
  reprice,
  type Cart,
  type CartState,
  type DiscountTerms,
  type FieldError,
  type Repricing,
} from '@cart/core';
import {
  cartAudit,
  refuse,
  refused,
  type CartUseCase,
  type Decision,
  type DecisionSteps,
  type Presented,
  type RequestMeta,
} from './cart-decision.ts';
import { refusal } from './mutation-runner.ts';
import type { RefusalEvent } from '../storage/port.ts';
import { checkoutRefusal, withCheckoutRefusal } from './refusals.ts';

/**
 * Closes the cart and reserves its stock in one transaction: every product is checked
 * against its stock as locked now, and every code against its window and usage limit,
 * so two carts racing for the last unit cannot both win. A line keeps the price it was
 * added at and a code the terms it was applied with; if the catalog has changed either
 * since (or the chosen shipping option's terms, or the region's tax rule), nothing is
 * reserved and no order made: the cart is re-priced (a version of its own, audited as
 * `cart.reprice`) and answered with PRICES_CHANGED, so the shopper confirms the new total
 * by checking out again.
 */
export function checkoutUseCase(
  steps: DecisionSteps,
  cartId: string,
  presented: Presented,
  meta: RequestMeta,
): CartUseCase {
  const plan = {
    cartId,
    productIds: [],
    discountCodes: [],
    actionIds: [],
    withOrder: true,
    wholeCatalog: true,
  };
  // Every refused checkout is counted (refusals.ts): the attempt changed no cart.
  const decide: CartUseCase['decide'] = (snap) => withCheckoutRefusal(cartId, decideOn(snap), meta);
  const decideOn: CartUseCase['decide'] = (snap) => {
    // Asked again once the order exists (its answer was lost, and its Idempotency-Key
    // forgotten since): checkout is idempotent by cart, so the answer is that order, even
    // under the If-Match of the version the checkout was asked on (the order moved it on).
    const ordered = snap.cart?.state.status === 'checked_out' && snap.order !== null;
    const gate = steps.open(snap.cart, presented, ordered ? { ...meta, ifMatch: null } : meta);
    if ('outcome' in gate) return gate;
    const state = gate.stored.state;
    if (ordered && snap.order !== null) {
      const cart = steps.view(state, meta.now);
      return {
        outcome: {
          kind: 'checkedOut',
          orderId: snap.order.id,
          orderNumber: snap.order.number,
          cart,
        },
        write: null,
        changed: null,
      };
    }
    const ready = checkCheckout(state);
    if (!ready.ok) return refuse(ready.error);
    // The chosen option must still be offered in the cart's region.
    const option = state.shippingOption && snap.shippingOptions.get(state.shippingOption.id);
    if (state.shippingOption && option?.regionId !== state.regionId)
      return refused(
        'SHIPPING_OPTION_UNAVAILABLE',
        `${state.shippingOption.name} shipping is no longer offered. Choose another.`,
        { errors: [{ path: '/shippingOptionId', message: 'choose another shipping method' }] },
      );

    const wanted = new Map<string, number>();
    for (const line of state.lines)
      wanted.set(line.productId, (wanted.get(line.productId) ?? 0) + line.quantity);
    // Every line short of stock is named (`/lines/<lineId>`), so the shopper's page can
    // mark each one, with what is left, even without live stock events.
    const short: FieldError[] = [];
    let shortDetail = '';
    let shortRefusal: RefusalEvent | undefined;
    for (const [productId, quantity] of wanted) {
      const product = snap.products.get(productId);
      const name = state.lines.find((l) => l.productId === productId)?.name ?? productId;
      if (!product)
        return refused(
          'PRODUCT_NOT_FOUND',
          `${name} is not available any more. Remove it to check out.`,
        );
      // A product no longer sold in the cart's currency cannot be re-priced into it.
      if (!priceIn(product, state.currency))
        return refused(
          'PRODUCT_NOT_AVAILABLE',
          `${name} is no longer for sale in ${state.currency}. Remove it to check out.`,
        );
      if (product.stock !== null && product.stock < quantity) {
        const left = product.stock;
        shortDetail ||= left === 0 ? `${name} is sold out.` : `Only ${left} of ${name} left.`;
        // One refused checkout, counted once: it names the first product short of stock.
        shortRefusal ??= checkoutRefusal(cartId, 'OUT_OF_STOCK', meta, { productId, quantity });
        for (const line of state.lines)
          if (line.productId === productId)
            short.push({
              path: `/lines/${line.id}`,
              message: left === 0 ? 'sold out' : `only ${left} left`,
            });
      }
    }
    if (short.length > 0)
      return {
        ...refused('OUT_OF_STOCK', shortDetail, { errors: short }),
        ...(shortRefusal ? { refusals: [shortRefusal] } : {}),
      };
    const priced = steps.view(state, meta.now);
    const used: string[] = [];
    for (const d of priced.discounts) {
      const live = snap.discounts.get(d.code);
      if (!live)
        return refused(
          'DISCOUNT_INVALID',
          `The code ${d.code} is no longer valid. Remove it to check out.`,
        );
      const usable = checkDiscountUsable(live, meta.now.toISOString());
      if (!usable.ok) return refuse(usable.error);
      // A code made stand-alone since it joined others is no longer valid on this cart.
      if (!live.combinable && state.discounts.length > 1)
        return refused(
          'DISCOUNT_INVALID',
          `The code ${d.code} cannot be combined with other codes any more. Remove it to check out.`,
        );
      if (d.amount.amount > 0) used.push(d.code);
    }
    const repricing = reprice(state, {
      product: (id) => snap.products.get(id),
      discount: (code) => snap.discounts.get(code),
      shippingOption: (id) => snap.shippingOptions.get(id),
      region: (id) => snap.regions.find((r) => r.id === id),
    });
    if (repricing.state !== state) return pricesChanged(steps, state, repricing, meta);

    const at = meta.now.toISOString();
    const next: CartState = {
      ...state,
      status: 'checked_out',
      version: state.version + 1,
      updatedAt: at,
    };
    const cart = steps.view(next, meta.now);
    const orderId = randomUUID();
    // Reserved by the storage for this checkout (the plan's `withOrder`).
    const orderNumber = snap.newOrderNumber;
    if (orderNumber === null) throw new Error('checkout loaded no order number');
    const reserve = [...wanted]
      .filter(([id]) => snap.products.get(id)?.stock !== null)
      .map(([productId, quantity]) => ({ productId, quantity }));
    return {
      outcome: { kind: 'checkedOut', orderId, orderNumber, cart },
      changed: cart,
      // What the reservation leaves, for the other carts holding these products.
      stockLeft: reserve.map(({ productId, quantity }) => ({
        productId,
        stock: (snap.products.get(productId)?.stock ?? 0) - quantity,
      })),
      write: {
        cart: next,
        expectedVersion: state.version,
        appliedActionIds: [],
        reserveStock: reserve,
        useDiscounts: used,
        order: {
          id: orderId,
          number: orderNumber,
          cartId,
          total: cart.total.amount,
          currency: cart.currency,
          cart,
          createdAt: at,
        },
        audit: [
          cartAudit(meta, 'cart.checkout', cartId, state.version, next.version, {
            orderId,
            orderNumber,
            total: cart.total.amount,
            codes: used,
          }),
        ],
        events: [
          { at, type: 'checkout_started', cartId },
          { at, type: 'checked_out', cartId, amount: cart.total.amount, currency: cart.currency },
        ],
      },
    };
  };
  return { plan, decide };
}

/**
 * Checkout's answer when the catalog changed under the cart: the re-priced cart is
 * written (version + 1, its audit record, no usage events: nothing was added or
 * bought) and sent with the refusal, like VERSION_CONFLICT sends the current cart, so
 * the client shows the new total without another request. Under an Idempotency-Key
 * the refusal is stored like any other: a retry with the same key replays it, and
 * the shopper's confirmation is a new checkout, with a new key.
 */
function pricesChanged(
  steps: DecisionSteps,
  before: CartState,
  repricing: Repricing,
  meta: RequestMeta,
): Decision {
  const next = steps.advance(repricing.state, meta);
  let cart: Cart;
  try {
    cart = steps.view(next, meta.now);
  } catch (error) {
    if (!(error instanceof MoneyOverflowError)) throw error;
    return refused('AMOUNT_TOO_LARGE', ERROR_CATALOG.AMOUNT_TOO_LARGE.message);
  }
  return {
    outcome: refusal('PRICES_CHANGED', describeRepricing(before, repricing), { cart }),
    changed: cart,
    write: {
      cart: next,
      expectedVersion: before.version,
      appliedActionIds: [],
      audit: [
        cartAudit(meta, 'cart.reprice', before.id, before.version, next.version, {
          lines: repricing.lines.map((c) => ({
            lineId: c.lineId,
            productId: c.productId,
            from: c.from.amount,
            to: c.to.amount,
          })),
          discounts: repricing.discounts,
          shipping: repricing.shipping,
          tax: repricing.tax,
          totalBefore: steps.view(before, meta.now).total.amount,
          totalAfter: cart.total.amount,
          currency: cart.currency,
        }),
      ],
      events: [],
    },
  };
}

/** Lines named in a PRICES_CHANGED detail; the rest are counted ("and 4 more"). */
const REPRICED_NAMED = 3;

/**
 * What changed, in words for the shopper: "Blue Mug now costs $12.00 (was $10.00)."
 * The cart sent with the refusal shows every line at its new price.
 */
function describeRepricing(before: CartState, r: Repricing): string {
  const names = new Map(before.lines.map((l) => [l.id, l.name]));
  const sentences = r.lines
    .slice(0, REPRICED_NAMED)
    .map(
      (c) =>
        `${names.get(c.lineId) ?? 'An item'} now costs ${formatMoney(c.to)} (was ${formatMoney(c.from)}).`,
    );
  const more = r.lines.length - REPRICED_NAMED;
  if (more > 0)
    sentences.push(`${more} more ${more === 1 ? 'item has' : 'items have'} new prices.`);
  const off = (t: DiscountTerms) =>
    t.kind === 'percent'
      ? `${t.value / 100}% off`
      : `${formatMoney({ amount: t.value, currency: before.currency })} off`;
  for (const c of r.discounts) {
    sentences.push(
      c.from.kind === c.to.kind && c.from.value === c.to.value
        ? `The terms of the code ${c.code} changed.`
        : `The code ${c.code} now takes ${off(c.to)} (was ${off(c.from)}).`,
    );
  }
  if (r.shipping) {
    const name = before.shippingOption?.name ?? 'The shipping';
    sentences.push(
      r.shipping.from.amount.amount === r.shipping.to.amount.amount
        ? `The terms of ${name} shipping changed.`
        : `${name} shipping now costs ${formatMoney(r.shipping.to.amount)} (was ${formatMoney(r.shipping.from.amount)}).`,
    );
  }
  if (r.tax) {
    const rate = (bps: number) => `${bps / 100}%`;
    sentences.push(
      r.tax.from.taxRateBps === r.tax.to.taxRateBps
        ? `Tax is now ${r.tax.to.taxInclusive ? 'included in' : 'added to'} prices.`
        : `Tax is now ${rate(r.tax.to.taxRateBps)} (was ${rate(r.tax.from.taxRateBps)}).`,
    );
  }
  return sentences.join(' ');
}
