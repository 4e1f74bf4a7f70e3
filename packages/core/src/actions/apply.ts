import { ERROR_CATALOG } from '../errors/catalog.ts';
import { fail, ok, type Result } from '../errors/problem.ts';
import { checkDiscountForCart } from '../discounts/check-discount.ts';
import { MoneyOverflowError, multiply, sum } from '../money/money.ts';
import type { CartAction } from '../schemas/action.ts';
import type { CartState, LineState } from '../schemas/cart.ts';
import { priceIn, type Product } from '../schemas/product.ts';
import { checkAmounts } from '../totals/compute-totals.ts';
import type { ApplyContext } from './context.ts';
import { notSoldHere, snapshot } from './line-pricing.ts';
import { setCountry, setShippingAddress, setShippingOption } from './region-actions.ts';

/**
 * The cart reducer: applies one action to a cart and returns the new cart, or the
 * reason it was refused. Pure: never mutates `state`, never throws for a business rule,
 * and the same inputs always give the same result; the server runs it to change a
 * cart, the client runs it to show the change before the server has answered.
 *
 * It does not touch `version` or `updatedAt`: one request (a whole batch) is one
 * version, which is the server's to assign.
 */
export function apply(state: CartState, action: CartAction, ctx: ApplyContext): Result<CartState> {
  if (state.status !== 'active') return refuseClosed(state.status);
  // The reducer runs inside the overflow guard too: applyDiscount prices the cart it is
  // given, so a cart already past the safe range is refused, not thrown on.
  return refuseOverflow(() => {
    const next = reduce(state, action, ctx);
    if (!next.ok) return next;
    // The amount check: a cart whose totals would leave the safe-integer range is
    // refused here, before anyone can store it (its amounts only: the caller prices it).
    checkAmounts(next.value);
    return next;
  });
}

/**
 * Why a cart that is not active refuses every change: an expired cart answers
 * CART_EXPIRED (the shopper starts a new one), a checked-out or merged one CART_CLOSED.
 */
export function refuseClosed(status: Exclude<CartState['status'], 'active'>): Result<never> {
  return status === 'expired'
    ? fail('CART_EXPIRED', ERROR_CATALOG.CART_EXPIRED.message)
    : fail('CART_CLOSED', `This cart is ${status.replace('_', ' ')} and can no longer change.`);
}

/**
 * Applies actions in order, all or nothing, passing over those whose index is in `skip`
 * (the server's: actions the cart has applied already). A failure names the action that
 * caused it by its index in `actions` as given — skipped ones count — in its path
 * (`/actions/<index>…`), and by its `actionId` when it has one.
 */
export function applyAll(
  state: CartState,
  actions: readonly CartAction[],
  ctx: ApplyContext,
  options: { skip?: ReadonlySet<number> } = {},
): Result<CartState> {
  let current = state;
  for (const [index, action] of actions.entries()) {
    if (options.skip?.has(index)) continue;
    const result = apply(current, action, ctx);
    if (!result.ok) {
      const path = `/actions/${index}${result.error.path ?? ''}`;
      return {
        ok: false,
        error: {
          code: result.error.code,
          message: result.error.message,
          path,
          ...(action.actionId === undefined ? {} : { actionId: action.actionId }),
          ...(result.error.discount === undefined ? {} : { discount: result.error.discount }),
        },
      };
    }
    current = result.value;
  }
  return ok(current);
}

function reduce(state: CartState, action: CartAction, ctx: ApplyContext): Result<CartState> {
  switch (action.type) {
    case 'addLine':
      return addLine(state, action.productId, action.quantity, action.attributes ?? {}, ctx);
    case 'setLineQuantity':
      return setLineQuantity(state, action.lineId, action.quantity, ctx);
    case 'removeLine':
      return findLine(state, action.lineId).ok
        ? ok({ ...state, lines: state.lines.filter((l) => l.id !== action.lineId) })
        : lineNotFound(action.lineId);
    case 'applyDiscount':
      return applyDiscount(state, action.code, ctx);
    case 'removeDiscount':
      return state.discounts.some((d) => d.code === action.code)
        ? ok({ ...state, discounts: state.discounts.filter((d) => d.code !== action.code) })
        : fail('DISCOUNT_INVALID', `The code ${action.code} is not applied to this cart.`, '/code');
    case 'setNote':
      return ok({ ...state, note: action.note });
    case 'setEmail':
      return ok({ ...state, email: action.email });
    case 'clear':
      return ok({ ...state, lines: [], discounts: [] });
    case 'setCountry':
      return setCountry(state, action.country, ctx);
    case 'setShippingAddress':
      return setShippingAddress(state, action.address, ctx);
    case 'setShippingOption':
      return setShippingOption(state, action.shippingOptionId, ctx);
    default: {
      const never: never = action;
      throw new TypeError(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

function addLine(
  state: CartState,
  productId: string,
  quantity: number,
  attributes: Record<string, string>,
  ctx: ApplyContext,
): Result<CartState> {
  const product = ctx.product(productId);
  if (!product)
    return fail('PRODUCT_NOT_FOUND', 'That product is not available any more.', '/productId');
  const price = priceIn(product, state.currency);
  if (!price) return notSoldHere(product.name, state, ctx, '/productId');
  const existing = state.lines.find(
    (l) => l.productId === productId && sameAttributes(l.attributes, attributes),
  );
  const lineQuantity = (existing?.quantity ?? 0) + quantity;
  const refused = quantityRefusal(state, product, existing?.id, lineQuantity, ctx);
  if (refused) return refused;

  if (existing) {
    // Merging refreshes the snapshot: the customer is adding at today's price.
    const merged: LineState = { ...existing, ...snapshot(product, price), quantity: lineQuantity };
    return ok({ ...state, lines: state.lines.map((l) => (l.id === existing.id ? merged : l)) });
  }
  if (state.lines.length >= ctx.limits.maxLines) {
    return fail(
      'CART_LIMIT_EXCEEDED',
      `A cart can hold at most ${ctx.limits.maxLines} different items.`,
    );
  }
  const line: LineState = {
    id: ctx.newId(),
    productId,
    ...snapshot(product, price),
    quantity,
    attributes: sortedAttributes(attributes),
  };
  return ok({ ...state, lines: [...state.lines, line] });
}

function setLineQuantity(
  state: CartState,
  lineId: string,
  quantity: number,
  ctx: ApplyContext,
): Result<CartState> {
  const found = findLine(state, lineId);
  if (!found.ok) return found;
  const line = found.value;
  if (quantity === 0) return ok({ ...state, lines: state.lines.filter((l) => l.id !== lineId) });
  if (quantity <= line.quantity) {
    // Only an increase is held to the catalog: a customer can always buy fewer, even of
    // a product whose stock has dropped or that has left the catalog.
    return ok({
      ...state,
      lines: state.lines.map((l) => (l.id === lineId ? { ...l, quantity } : l)),
    });
  }
  const product = ctx.product(line.productId);
  if (!product)
    return fail('PRODUCT_NOT_FOUND', `${line.name} is not available any more.`, '/quantity');
  const price = priceIn(product, state.currency);
  if (!price) return notSoldHere(product.name, state, ctx, '/lineId');
  const refused = quantityRefusal(state, product, line.id, quantity, ctx);
  if (refused) return refused;
  // An increase refreshes the snapshot, as adding more of it with addLine does: the
  // extra units are bought at today's price, never at a price the catalog has dropped.
  const increased: LineState = { ...line, ...snapshot(product, price), quantity };
  return ok({ ...state, lines: state.lines.map((l) => (l.id === lineId ? increased : l)) });
}

/**
 * Why a line's new quantity is refused, or null when it is not: checked against the line
 * limit, the product's `maxPerOrder` and its stock. The last two count every line of the
 * product (one product can sit on several lines with different attributes).
 */
function quantityRefusal(
  state: CartState,
  product: Product,
  lineId: string | undefined,
  lineQuantity: number,
  ctx: ApplyContext,
): Result<never> | null {
  if (lineQuantity > ctx.limits.maxQuantityPerLine) {
    return fail(
      'QUANTITY_LIMIT_EXCEEDED',
      `At most ${ctx.limits.maxQuantityPerLine} of one item per line.`,
      '/quantity',
    );
  }
  const elsewhere = state.lines
    .filter((l) => l.productId === product.id && l.id !== lineId)
    .reduce((n, l) => n + l.quantity, 0);
  const productQuantity = elsewhere + lineQuantity;
  if (product.maxPerOrder !== null && productQuantity > product.maxPerOrder) {
    return fail(
      'QUANTITY_LIMIT_EXCEEDED',
      `At most ${product.maxPerOrder} of ${product.name} per order.`,
      '/quantity',
    );
  }
  if (product.stock !== null && productQuantity > product.stock) {
    const left =
      product.stock === 0
        ? `${product.name} is sold out.`
        : `Only ${product.stock} of ${product.name} left.`;
    return fail('OUT_OF_STOCK', left, '/quantity');
  }
  return null;
}

function applyDiscount(state: CartState, code: string, ctx: ApplyContext): Result<CartState> {
  // Applying a code that is already on the cart changes nothing and is not an error:
  // a double-clicked "Apply" must not fail.
  if (state.discounts.some((d) => d.code === code)) return ok(state);
  const discount = ctx.discount(code);
  if (!discount) return fail('DISCOUNT_INVALID', `We don't recognise the code ${code}.`, '/code');
  const subtotal = sum(
    state.lines.map((l) => multiply(l.unitPrice, l.quantity)),
    state.currency,
  );
  const checked = checkDiscountForCart(
    state,
    discount,
    subtotal.amount,
    ctx.now,
    ctx.limits.maxDiscounts,
  );
  if (!checked.ok) return checked;
  return ok({ ...state, discounts: [...state.discounts, checked.value] });
}

function refuseOverflow(run: () => Result<CartState>): Result<CartState> {
  try {
    return run();
  } catch (error) {
    if (error instanceof MoneyOverflowError) {
      return fail(
        'AMOUNT_TOO_LARGE',
        'This cart would be worth more than we can take in one order.',
      );
    }
    throw error;
  }
}

function findLine(state: CartState, lineId: string): Result<LineState> {
  const line = state.lines.find((l) => l.id === lineId);
  return line ? ok(line) : lineNotFound(lineId);
}

function lineNotFound(lineId: string): Result<never> {
  return fail('LINE_NOT_FOUND', `There is no line ${lineId} in this cart.`, '/lineId');
}

/** Attribute maps are equal when they hold the same keys with the same values, in any order. */
export function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** The attributes in code-unit order of their names (which are unique: never equal). */
function sortedAttributes(a: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/**
 * Whether a cart can be checked out as it stands: open, not empty, and, when a line is
 * shipped, with an address and a shipping option. Stock and the codes' validity are
 * checked again by the server, atomically, when it reserves stock.
 */
export function checkCheckout(state: CartState): Result<CartState> {
  if (state.status !== 'active') return refuseClosed(state.status);
  if (state.lines.length === 0)
    return fail('CART_EMPTY', 'Your cart is empty. Add something before checking out.');
  if (state.lines.some((l) => l.requiresShipping)) {
    if (state.shippingAddress === null)
      return fail('SHIPPING_REQUIRED', 'Enter the address to ship to.', '/shippingAddress');
    if (state.shippingOption === null)
      return fail('SHIPPING_REQUIRED', 'Choose a shipping method.', '/shippingOptionId');
  }
  return ok(state);
}
