import {
  apply,
  computeTotals,
  sameAttributes,
  toCartState,
  type ApplyContext,
  type Cart,
  type CartError,
  type CartLimits,
  type CartState,
  type CurrencyCode,
  type Line,
  type Product,
  type Region,
  type ShippingOption,
  type TaxRule,
} from '@cart/core';
import {
  lineRef,
  resolveLineId,
  tempLineId,
  type LineIdMap,
  type PendingAction,
} from './outbox.ts';
import { confirmedCart, type SyncState } from './sync-state.ts';

/** A line as shown: the cart line, plus a stable key and whether a change to it is pending. */
export interface ShownLine extends Line {
  /**
   * Stable across the server's confirmation: an optimistic line keeps its `tmp_…` id
   * here after the server gave it a real `id`, so a UI keyed by it keeps focus.
   */
  key: string;
  /** A queued change touches this line: its quantity or price may still move. */
  pending: boolean;
}

/** The cart as the UI shows it: the confirmed cart with every queued action applied. */
export interface ShownCart extends Omit<Cart, 'lines'> {
  lines: ShownLine[];
}

export interface ViewFacts {
  /** Catalog facts the client holds (from /api/products or what the UI passed). */
  product: (id: string) => Product | undefined;
  limits: CartLimits;
  /**
   * The tax rule of a cart the server has not made yet (a cart has its own from then on,
   * and is priced with it).
   */
  taxRule: TaxRule;
  /** The shop's regions the client knows (from /api/regions); may be empty. */
  regions: readonly Region[];
  /** Shipping options the client knows (from a cart's /shipping-options), by id. */
  shippingOption: (id: string) => ShippingOption | undefined;
  /** ISO-8601 instant. */
  now: string;
}

export interface View {
  cart: ShownCart;
  /** The same cart as reducer state (no totals). */
  state: CartState;
  /** Queued actions the reducer refuses on the cart as it now stands (not shown). */
  refused: ReadonlyMap<string, CartError>;
}

/** The region of a stand-in cart while the region the server will make it in is not known. */
const PENDING_REGION = 'pending';

/**
 * An empty cart to show changes on before the server has made the real one: in the
 * region given (the shop's default, when the client knows it), with that region's tax
 * rule; no country, address or shipping option chosen.
 */
export function placeholderCart(
  currency: CurrencyCode,
  taxRule: TaxRule,
  now: string,
  regionId: string = PENDING_REGION,
): CartState {
  return {
    id: 'pending',
    version: 0,
    status: 'active',
    regionId,
    currency,
    country: null,
    shippingAddress: null,
    shippingOption: null,
    taxRateBps: taxRule.taxRateBps,
    taxInclusive: taxRule.taxInclusive,
    lines: [],
    discounts: [],
    note: '',
    email: null,
    createdAt: now,
    updatedAt: now,
    expiresAt: now,
    appliedActionIds: [],
  };
}

/**
 * The reducer context of the client: the same function the server runs, given the
 * facts the client has. A product the catalog cache does not hold but a line does is
 * taken from the line's snapshot (priced in the cart's currency only) with no stock or
 * order limit known, so the change is shown and the server, which knows the stock,
 * decides. Whether a code applies is the server's to say: an applyDiscount is never shown
 * before it is confirmed (a page may know a code's terms from a refusal, and compare it
 * with core's `adviceFor`, but not whether it is still valid or used up). Regions and shipping options are those the client has read; a move to
 * a country, or an option, it knows nothing of is refused here, so it is shown once the
 * server has applied it. The cart's own region is always known: from the regions read,
 * else from what the cart itself carries (its currency and tax rule).
 */
export function applyContext(state: CartState, facts: ViewFacts, actionId: string): ApplyContext {
  return {
    now: facts.now,
    newId: () => tempLineId(actionId),
    product: (id) => facts.product(id) ?? productFromLine(state, id),
    discount: () => undefined,
    limits: facts.limits,
    region: (id) =>
      facts.regions.find((r) => r.id === id) ??
      (id === state.regionId ? regionOfCart(state) : undefined),
    regionFor: (country) => facts.regions.find((r) => r.countries.includes(country)),
    shippingOption: (id) => facts.shippingOption(id),
  };
}

/** The cart's region as far as the cart tells it (the client has not read the regions). */
function regionOfCart(state: CartState): Region {
  return {
    id: state.regionId,
    name: state.regionId,
    currency: state.currency,
    countries: state.country === null ? [] : [state.country],
    taxRateBps: state.taxRateBps,
    taxInclusive: state.taxInclusive,
    default: false,
  };
}

function productFromLine(state: CartState, productId: string): Product | undefined {
  const line = state.lines.find((l) => l.productId === productId);
  if (!line) return undefined;
  return {
    id: productId,
    sku: line.sku,
    name: line.name,
    description: '',
    price: line.unitPrice,
    prices: [line.unitPrice],
    requiresShipping: line.requiresShipping,
    stock: null,
    maxPerOrder: null,
    imageUrl: null,
  };
}

/**
 * Rebases the queue on a cart: applies every queued action, in order, to the confirmed
 * cart with the core reducer. An action the reducer refuses on this cart (another
 * device removed its line) is left out of the view but stays queued: the server has
 * the last word, and its refusal is what gets reported.
 */
export function showCart(
  base: CartState,
  outbox: readonly PendingAction[],
  lineIds: LineIdMap,
  facts: ViewFacts,
): View {
  let state = base;
  // Facts carried by queued adds (what the page showed when it queued them) stand in
  // for the catalog after a reload.
  const carried = new Map<string, Product>();
  for (const item of outbox) if (item.product) carried.set(item.product.id, item.product);
  const known: ViewFacts = { ...facts, product: (id) => facts.product(id) ?? carried.get(id) };
  const touched = new Set<string>();
  const refused = new Map<string, CartError>();
  for (const item of outbox) {
    const action = resolveLineId(item.action, lineIds);
    const result = apply(state, action, applyContext(state, known, item.actionId));
    if (!result.ok) {
      refused.set(item.actionId, result.error);
      continue;
    }
    const before = state;
    state = result.value;
    if (action.type === 'addLine') {
      const line = state.lines.find(
        (l) =>
          l.productId === action.productId && sameAttributes(l.attributes, action.attributes ?? {}),
      );
      if (line) touched.add(line.id);
    } else if (action.type === 'setCountry' || action.type === 'setShippingAddress') {
      // A move to another region re-prices every line in its currency.
      for (const id of repriced(before, state)) touched.add(id);
    } else {
      const ref = lineRef(action);
      if (ref !== undefined) touched.add(ref);
    }
  }
  const priced = computeTotals(state);
  const keys = new Map<string, string>();
  for (const [temp, real] of Object.entries(lineIds)) if (real !== null) keys.set(real, temp);
  const lines = priced.lines.map((l) => ({
    ...l,
    key: keys.get(l.id) ?? l.id,
    pending: touched.has(l.id),
  }));
  return { cart: { ...priced, lines }, state, refused };
}

/** The lines whose unit price differs between two states of a cart. */
function repriced(before: CartState, after: CartState): string[] {
  const was = new Map(before.lines.map((l) => [l.id, l.unitPrice]));
  return after.lines
    .filter((l) => {
      const price = was.get(l.id);
      return price?.amount !== l.unitPrice.amount || price.currency !== l.unitPrice.currency;
    })
    .map((l) => l.id);
}

/** The confirmed cart as reducer state. */
export const stateOf = (cart: Cart): CartState => toCartState(cart);

/**
 * What the shown cart is built on, for a store in state `s`: the confirmed cart; the
 * cart just checked out (for its confirmation) until there is a change for a new one;
 * an empty stand-in for a cart not made yet; or null while the cart is being read. The
 * stand-in is in the shop's default region when the client has read the regions (the
 * server makes every cart there), else in `currency` with the facts' tax rule.
 */
export function viewBase(
  s: SyncState,
  ready: boolean,
  currency: CurrencyCode | undefined,
  facts: Pick<ViewFacts, 'taxRule' | 'regions'>,
  now: number,
): CartState | null {
  const confirmed = confirmedCart(s);
  if (s.cart.kind === 'active') {
    if (confirmed) return stateOf(confirmed);
    if (!ready || s.readWanted || s.request?.kind === 'read') return null;
  }
  if (!ready) return null;
  if (s.cart.kind === 'closed' && confirmed && s.outbox.length === 0) return stateOf(confirmed);
  const at = new Date(now).toISOString();
  const start = facts.regions.find((r) => r.default);
  if (start) return placeholderCart(start.currency, start, at, start.id);
  return placeholderCart(currency ?? confirmed?.currency ?? 'USD', facts.taxRule, at);
}
