// Over 400 lines on purpose: every cart use case here (create, change, merge, checkout,
// expire) shares one decision skeleton — open the cart (token, expiry, If-Match), decide
// on the locked snapshot, commit with its audit record — through private helpers. The
// pure parts already live elsewhere (the reducer and `reprice` in @cart/core, the runner
// in mutation-runner.ts); a checkout module is the next seam if the file grows again.
import { randomUUID } from 'node:crypto';
import {
  APPLIED_ACTION_WINDOW,
  applyAll,
  checkCheckout,
  checkDiscountUsable,
  computeTotals,
  ERROR_CATALOG,
  formatMoney,
  mergeInto,
  MoneyOverflowError,
  reprice,
  type ApplyContext,
  type Cart,
  type CartAction,
  type CartError,
  type CartLimits,
  type CartState,
  type DiscountTerms,
  type ErrorCode,
  type FieldError,
  type Repricing,
} from '@cart/core';
import type { Config } from '../config.ts';
import { cartJson } from '../json.ts';
import type { CartEvents } from '../events/cart-events.ts';
import { hashToken, newCartToken, tokenMatches } from '../security/tokens.ts';
import type {
  AnalyticsEvent,
  AuditEntry,
  MutationPlan,
  MutationSnapshot,
  MutationWrite,
  Storage,
  StoredCart,
} from '../storage/port.ts';
import { VersionedCache } from '../storage/versioned-cache.ts';
import { analyticsFor } from './analytics-events.ts';
import type { CartObserver } from './cart-observer.ts';
import {
  auditEntry,
  refusal,
  type ChangeMeta,
  type MutationRunner,
  type Ran,
  type Refusal,
} from './mutation-runner.ts';

/** Facts about the request a change is made by, for the audit log and idempotency. */
export interface RequestMeta extends ChangeMeta<CartOutcome> {
  /**
   * The request's precondition (If-Match, as the HTTP edge reads it): whether it accepts
   * the cart at a version; null when the request sets none.
   */
  ifMatch: ((version: number) => boolean) | null;
}

/**
 * What a cart use case came to, in domain terms: the HTTP edge (http/reply.ts) makes
 * status, ETag and body of it.
 */
export type CartOutcome =
  | { kind: 'created'; cart: Cart; token: string }
  | { kind: 'changed'; cart: Cart }
  | { kind: 'checkedOut'; orderId: string; cart: Cart }
  /** Nothing to do (the expiry sweeper's cart is not, or no longer, due). */
  | { kind: 'unchanged' }
  | Refusal;

/** What a use case answers: its outcome, or the replay of a keyed request's first answer. */
export type CartResult = Ran<CartOutcome>;

/** Cart credentials as presented: the SHA-256 of the token, or null when none was sent. */
export type Presented = Buffer | null;

/** One decision on a snapshot: the outcome, what to write, what to announce. */
interface Decision {
  outcome: CartOutcome;
  write: MutationWrite | null;
  /** The cart to announce to live subscribers once committed. */
  changed: Cart | null;
}

const refused = (
  code: ErrorCode,
  detail: string,
  extras: { errors?: FieldError[]; actionId?: string; cart?: Cart } = {},
): Decision => ({ outcome: refusal(code, detail, extras), write: null, changed: null });

/**
 * The applied-action window a change leaves on its cart (`CartState.appliedActionIds`,
 * oldest first): the previous window without the ids this request names, then those ids
 * in request order (each once). Every id a successful request names is applied — now, or
 * before, when the cart skipped it — so a client resending an action learns from the
 * answer that it took effect. Trimmed to the newest APPLIED_ACTION_WINDOW, or to all of
 * this request's ids when it names more.
 */
export function appliedWindow(
  previous: readonly string[],
  requestIds: readonly string[],
): string[] {
  const latest = [...new Set(requestIds)];
  const named = new Set(latest);
  const window = [...previous.filter((id) => !named.has(id)), ...latest];
  return window.slice(-Math.max(APPLIED_ACTION_WINDOW, latest.length));
}

/**
 * The cart use cases: create, read, change (one action or a batch), merge and check out.
 * Each change is one storage transaction in which the decision is made on freshly
 * loaded, locked data: authorize, replay or refuse, apply the core reducer, then write
 * the cart, its audit record, its analytics events and the idempotency record together.
 */
export class CartService {
  readonly limits: CartLimits;
  /**
   * The carts last read or changed here, priced, with their JSON (json.ts): a read of a
   * cart still at that version is answered without parsing, pricing or serializing.
   * Bounded by CART_CACHE_MAX_BYTES, counted in characters of JSON.
   */
  private readonly views: VersionedCache<Cart>;

  constructor(
    private readonly storage: Storage,
    private readonly config: Config,
    private readonly runner: MutationRunner,
    readonly events: CartEvents,
    private readonly observer: CartObserver = { committed: () => undefined },
  ) {
    this.limits = {
      maxLines: config.MAX_LINES_PER_CART,
      maxQuantityPerLine: config.MAX_QUANTITY_PER_LINE,
      maxDiscounts: config.MAX_DISCOUNTS_PER_CART,
    };
    this.views = new VersionedCache(config.CART_CACHE_MAX_BYTES);
  }

  /** Keeps a priced cart for reads; an active one is true until it expires. */
  private remember(cart: Cart): void {
    const staleAt = cart.status === 'active' ? Date.parse(cart.expiresAt) : Infinity;
    this.views.put(cart.id, cart.version, cart, cartJson(cart).length, staleAt);
  }

  /** Prices a stored cart, showing an active cart past its expiry as expired. */
  view(state: CartState, now: Date): Cart {
    const shown =
      state.status === 'active' && Date.parse(state.expiresAt) <= now.getTime()
        ? { ...state, status: 'expired' as const }
        : state;
    return computeTotals(shown, this.config.TAX_RATE_BPS);
  }

  async create(meta: RequestMeta): Promise<CartResult> {
    const token = newCartToken();
    const id = randomUUID();
    return this.run(meta, { cartId: id, productIds: [], discountCodes: [], actionIds: [] }, () => {
      const at = meta.now.toISOString();
      const state: CartState = {
        id,
        version: 1,
        status: 'active',
        currency: this.config.CURRENCY,
        lines: [],
        discounts: [],
        note: '',
        email: null,
        createdAt: at,
        updatedAt: at,
        expiresAt: this.expiry(meta.now),
        appliedActionIds: [],
      };
      const cart = this.view(state, meta.now);
      return {
        outcome: { kind: 'created', cart, token },
        changed: null,
        write: {
          cart: state,
          expectedVersion: null,
          tokenHash: hashToken(token),
          appliedActionIds: [],
          audit: [this.audit(meta, 'cart.create', id, null, 1, {})],
          events: [{ at, type: 'cart_created', cartId: id }],
        },
      };
    });
  }

  /**
   * The cart, priced, for its holder (null for anyone else, as for an unknown id). A cart
   * at the version read or changed here last is answered as it was then, its JSON made
   * already: the database sends its version and token hash only.
   */
  async read(cartId: string, presented: Presented, now: Date): Promise<Cart | null> {
    const seen = this.views.get(cartId, now.getTime());
    const row = await this.storage.readCart(cartId, seen?.version ?? null);
    if (!row || !tokenMatches(presented, row.tokenHash)) return null;
    if (row.state === null && seen !== undefined) return seen.value;
    if (row.state === null) throw new Error(`cart ${cartId} was read without its state`);
    const cart = this.view(row.state, now);
    this.remember(cart);
    return cart;
  }

  /**
   * Applies actions (one, or a batch) as one change: all or nothing, version +1. The
   * cart's applied-action window moves to the end by this request's ids (`appliedWindow`);
   * a refusal caused by one action names it by its index as sent and its `actionId`.
   */
  async change(
    cartId: string,
    presented: Presented,
    actions: readonly CartAction[],
    meta: RequestMeta,
    action: string,
  ): Promise<CartResult> {
    const productIds = actions.flatMap((a) => (a.type === 'addLine' ? [a.productId] : []));
    const codes = actions.flatMap((a) => (a.type === 'applyDiscount' ? [a.code] : []));
    const actionIds = actions.flatMap((a) => (a.actionId === undefined ? [] : [a.actionId]));
    const lineIds = actions.flatMap((a) => (a.type === 'setLineQuantity' ? [a.lineId] : []));
    const plan = { cartId, productIds, discountCodes: codes, lineIds, actionIds };
    return this.run(meta, plan, (snap) => {
      const gate = this.open(snap.cart, presented, meta);
      if ('outcome' in gate) return gate;
      const { stored } = gate;
      // An action whose id the cart has applied already is skipped, and so is a second
      // copy within this batch: every action takes effect at most once. Skipped actions
      // keep their index, so a refusal points at the action as the request sent it.
      const seen = new Set(snap.appliedActionIds);
      const skip = new Set<number>();
      for (const [index, a] of actions.entries()) {
        if (a.actionId === undefined) continue;
        if (seen.has(a.actionId)) skip.add(index);
        else seen.add(a.actionId);
      }
      // The cart as it is, its window also listing the actions of this request it had
      // applied before: the answer when nothing else of the request can be applied.
      const appliedBefore = [...skip].flatMap((i) => actions[i]?.actionId ?? []);
      const asItIs = () =>
        this.view(
          {
            ...stored.state,
            appliedActionIds: appliedWindow(stored.state.appliedActionIds, appliedBefore),
          },
          meta.now,
        );
      // Every action was applied before (a client re-sending after a lost answer): nothing
      // changes, not even on a cart checked out since.
      if (actions.length > 0 && skip.size === actions.length)
        return { outcome: { kind: 'changed', cart: asItIs() }, write: null, changed: null };
      const result = applyAll(stored.state, actions, this.context(snap, meta), { skip });
      // Closed since some of these were applied: the refusal carries the cart, so a client
      // re-sending them learns they took effect before it starts a new cart.
      if (!result.ok && result.error.code === 'CART_CLOSED' && skip.size > 0)
        return this.refuse(result.error, asItIs());
      if (!result.ok) return this.refuse(result.error);
      const fresh = actions.filter((_, index) => !skip.has(index));
      const next = this.advance(
        {
          ...result.value,
          appliedActionIds: appliedWindow(stored.state.appliedActionIds, actionIds),
        },
        meta,
      );
      const ids = fresh.flatMap((a) => (a.actionId === undefined ? [] : [a.actionId]));
      return this.commit(meta, stored.state, next, {
        action,
        detail: { actions: fresh.map(describeAction), skipped: actions.length - fresh.length },
        appliedActionIds: ids,
      });
    });
  }

  async merge(
    cartId: string,
    presented: Presented,
    sourceCartId: string,
    sourceToken: string,
    meta: RequestMeta,
  ): Promise<CartResult> {
    const sourcePresented = hashToken(sourceToken);
    return this.run(
      meta,
      {
        cartId,
        sourceCartId,
        productIds: [],
        discountCodes: [],
        actionIds: [],
        wholeCatalog: true,
      },
      (snap) => {
        const gate = this.open(snap.cart, presented, meta);
        if ('outcome' in gate) return gate;
        const { stored } = gate;
        const source = snap.source;
        if (!source || !tokenMatches(sourcePresented, source.tokenHash)) {
          return refused('CART_NOT_FOUND', 'We could not find the cart to merge.');
        }
        const sourceState = this.effectiveStatus(source.state, meta.now);
        const result = mergeInto(stored.state, sourceState, this.context(snap, meta));
        if (!result.ok) return this.refuse(result.error);
        const next = this.advance(result.value, meta);
        const closedSource: CartState = {
          ...sourceState,
          status: 'merged',
          version: source.state.version + 1,
          updatedAt: meta.now.toISOString(),
        };
        return this.commit(meta, stored.state, next, {
          action: 'cart.merge',
          detail: { sourceCartId },
          appliedActionIds: [],
          source: { state: closedSource, expectedVersion: source.state.version },
          extraAudit: [
            this.audit(
              meta,
              'cart.mergedInto',
              sourceCartId,
              source.state.version,
              closedSource.version,
              { targetCartId: cartId },
            ),
          ],
          extraEvents: [{ at: meta.now.toISOString(), type: 'cart_merged', cartId: sourceCartId }],
        });
      },
    );
  }

  /**
   * Closes the cart and reserves its stock in one transaction: every product is checked
   * against its stock as locked now, and every code against its window and usage limit,
   * so two carts racing for the last unit cannot both win. A line keeps the price it was
   * added at and a code the terms it was applied with; if the catalog has changed either
   * since, nothing is reserved and no order made: the cart is re-priced (a version of its
   * own, audited as `cart.reprice`) and answered with PRICES_CHANGED, so the shopper
   * confirms the new total by checking out again.
   */
  async checkout(cartId: string, presented: Presented, meta: RequestMeta): Promise<CartResult> {
    const plan = {
      cartId,
      productIds: [],
      discountCodes: [],
      actionIds: [],
      withOrder: true,
      wholeCatalog: true,
    };
    return this.run(meta, plan, (snap) => {
      const gate = this.open(snap.cart, presented, meta);
      if ('outcome' in gate) return gate;
      const state = gate.stored.state;
      // Asked again once the order exists (its answer was lost, and its Idempotency-Key
      // forgotten since): checkout is idempotent by cart, so the answer is that order.
      if (state.status === 'checked_out' && snap.orderId !== null) {
        const cart = this.view(state, meta.now);
        return {
          outcome: { kind: 'checkedOut', orderId: snap.orderId, cart },
          write: null,
          changed: null,
        };
      }
      const ready = checkCheckout(state);
      if (!ready.ok) return this.refuse(ready.error);

      const wanted = new Map<string, number>();
      for (const line of state.lines)
        wanted.set(line.productId, (wanted.get(line.productId) ?? 0) + line.quantity);
      for (const [productId, quantity] of wanted) {
        const product = snap.products.get(productId);
        const name = state.lines.find((l) => l.productId === productId)?.name ?? productId;
        // A product now sold in another currency cannot be re-priced into this cart:
        // it is not available to it any more.
        if (!product || product.price.currency !== state.currency)
          return refused(
            'PRODUCT_NOT_FOUND',
            `${name} is not available any more. Remove it to check out.`,
          );
        if (product.stock !== null && product.stock < quantity) {
          const detail =
            product.stock === 0 ? `${name} is sold out.` : `Only ${product.stock} of ${name} left.`;
          return refused('OUT_OF_STOCK', detail);
        }
      }
      const priced = this.view(state, meta.now);
      const used: string[] = [];
      for (const d of priced.discounts) {
        const live = snap.discounts.get(d.code);
        if (!live)
          return refused(
            'DISCOUNT_INVALID',
            `The code ${d.code} is no longer valid. Remove it to check out.`,
          );
        const usable = checkDiscountUsable(live, meta.now.toISOString());
        if (!usable.ok) return this.refuse(usable.error);
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
      });
      if (repricing.lines.length > 0 || repricing.discounts.length > 0)
        return this.pricesChanged(state, repricing, meta);

      const at = meta.now.toISOString();
      const next: CartState = {
        ...state,
        status: 'checked_out',
        version: state.version + 1,
        updatedAt: at,
      };
      const cart = this.view(next, meta.now);
      const orderId = randomUUID();
      const reserve = [...wanted]
        .filter(([id]) => snap.products.get(id)?.stock !== null)
        .map(([productId, quantity]) => ({ productId, quantity }));
      return {
        outcome: { kind: 'checkedOut', orderId, cart },
        changed: cart,
        write: {
          cart: next,
          expectedVersion: state.version,
          appliedActionIds: [],
          reserveStock: reserve,
          useDiscounts: used,
          order: {
            id: orderId,
            cartId,
            total: cart.total.amount,
            currency: cart.currency,
            cart,
            createdAt: at,
          },
          audit: [
            this.audit(meta, 'cart.checkout', cartId, state.version, next.version, {
              orderId,
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
    });
  }

  /**
   * Checkout's answer when the catalog changed under the cart: the re-priced cart is
   * written (version + 1, its audit record, no usage events: nothing was added or
   * bought) and sent with the refusal, like VERSION_CONFLICT sends the current cart, so
   * the client shows the new total without another request. Under an Idempotency-Key
   * the refusal is stored like any other: a retry with the same key replays it, and
   * the shopper's confirmation is a new checkout, with a new key.
   */
  private pricesChanged(before: CartState, repricing: Repricing, meta: RequestMeta): Decision {
    const next = this.advance(repricing.state, meta);
    let cart: Cart;
    try {
      cart = this.view(next, meta.now);
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
          this.audit(meta, 'cart.reprice', before.id, before.version, next.version, {
            lines: repricing.lines.map((c) => ({
              lineId: c.lineId,
              productId: c.productId,
              from: c.from.amount,
              to: c.to.amount,
            })),
            discounts: repricing.discounts,
            totalBefore: this.view(before, meta.now).total.amount,
            totalAfter: cart.total.amount,
            currency: cart.currency,
          }),
        ],
        events: [],
      },
    };
  }

  /** Marks one cart expired if it still is past its expiry (the sweeper's unit of work). */
  async expire(cartId: string, now: Date): Promise<boolean> {
    const meta: RequestMeta = {
      requestId: 'expiry-sweeper',
      clientAddress: null,
      now,
      idempotency: null,
      ifMatch: null,
    };
    const result = await this.run(
      meta,
      { cartId, productIds: [], discountCodes: [], actionIds: [] },
      (snap) => {
        const state = snap.cart?.state;
        if (!state || state.status !== 'active' || Date.parse(state.expiresAt) > now.getTime()) {
          return { outcome: { kind: 'unchanged' }, write: null, changed: null };
        }
        const expired = this.expireWrite(state, meta);
        return { ...expired, outcome: { kind: 'changed', cart: expired.changed } };
      },
    );
    return result.kind === 'decided' && result.outcome.kind === 'changed';
  }

  // ---- the transaction skeleton -------------------------------------------------

  /**
   * One change through the mutation runner: `decide` runs on the snapshot loaded (and
   * locked) in the storage transaction, unless the request's key replays or is refused;
   * what it decides is written with the key's sealed answer. Once committed, the
   * usage events go to the observers and the changed cart to live subscribers.
   */
  private async run(
    meta: RequestMeta,
    plan: Omit<MutationPlan, 'idempotencyId'>,
    decide: (snap: MutationSnapshot) => Decision,
  ): Promise<CartResult> {
    const keyed = meta.idempotency;
    const settled = await this.runner.run(keyed, meta.now, (settle) =>
      this.storage.mutate({ ...plan, idempotencyId: keyed?.context.id ?? null }, (snap) => {
        const s = settle(snap.idempotent, () => {
          const decided = decide(snap);
          // The answer counts against the cart's bound on stored answers only when it was
          // given to the cart's holder: a stranger's 404 (small, rate-limited) must not push
          // the owner's answers out.
          const stranger =
            decided.outcome.kind === 'refused' && decided.outcome.code === 'CART_NOT_FOUND';
          return { ...decided, owner: stranger ? null : plan.cartId };
        });
        return {
          reply: s,
          write: s.decision?.write ?? null,
          idempotency: s.record,
          answersPerCart: this.config.MAX_IDEMPOTENT_ANSWERS_PER_CART,
        };
      }),
    );
    const decision = settled.decision;
    if (decision?.write)
      this.observer.committed(decision.write.events, { requestId: meta.requestId });
    if (decision?.changed) {
      this.remember(decision.changed);
      this.events.publish(decision.changed);
    }
    return settled.ran;
  }

  /**
   * The checks every change to an existing cart passes first, in this order: the cart
   * exists and the token is its own (else 404, the same as an unknown id); it has not
   * expired (else 410 CART_EXPIRED, expiring it now if it just has); If-Match, when sent,
   * names its version. A checked-out or merged cart is refused by the core rules
   * (CART_CLOSED) after these.
   */
  private open(
    cart: StoredCart | null,
    presented: Presented,
    meta: RequestMeta,
  ): { stored: StoredCart } | Decision {
    if (!tokenMatches(presented, cart?.tokenHash ?? null) || !cart) {
      return refused(
        'CART_NOT_FOUND',
        'We could not find your cart. It may have expired; a new one will be started.',
      );
    }
    const state = cart.state;
    // The cart, not any one action, is the cause: no action is named. Like CART_CLOSED,
    // the answer carries no cart; a read shows the expired one.
    const expired = refusal('CART_EXPIRED', ERROR_CATALOG.CART_EXPIRED.message);
    if (state.status === 'active' && Date.parse(state.expiresAt) <= meta.now.getTime())
      return { ...this.expireWrite(state, meta), outcome: expired };
    if (state.status === 'expired') return { outcome: expired, write: null, changed: null };
    if (meta.ifMatch !== null && !meta.ifMatch(state.version)) {
      const current = this.view(state, meta.now);
      return refused(
        'VERSION_CONFLICT',
        `The cart is at version ${state.version}; your change was based on another.`,
        { cart: current },
      );
    }
    return { stored: cart };
  }

  /** Expires an active cart past its expiry: the write and the cart to announce. */
  private expireWrite(
    state: CartState,
    meta: RequestMeta,
  ): { write: MutationWrite; changed: Cart } {
    const next: CartState = {
      ...state,
      status: 'expired',
      version: state.version + 1,
      updatedAt: meta.now.toISOString(),
    };
    return {
      changed: this.view(next, meta.now),
      write: {
        cart: next,
        expectedVersion: state.version,
        appliedActionIds: [],
        audit: [
          auditEntry(meta, { actorType: 'system', actorId: null }, 'cart.expire', {
            cartId: state.id,
            beforeVersion: state.version,
            afterVersion: next.version,
            detail: {},
          }),
        ],
        events: [
          {
            at: meta.now.toISOString(),
            type: 'cart_expired',
            cartId: state.id,
            amount: this.view(state, meta.now).total.amount,
            currency: state.currency,
          },
        ],
      },
    };
  }

  private commit(
    meta: RequestMeta,
    before: CartState,
    next: CartState,
    how: {
      action: string;
      detail: Record<string, unknown>;
      appliedActionIds: string[];
      source?: MutationWrite['source'];
      extraAudit?: AuditEntry[];
      extraEvents?: AnalyticsEvent[];
    },
  ): Decision {
    const cart = this.view(next, meta.now);
    // The cart is stored, answered, replayed and streamed whole: past MAX_CART_BYTES (as
    // answered) the change is refused and nothing is written. A cart already over a
    // lowered bound may still shrink, so only a change that makes it larger is refused.
    const bytes = Buffer.byteLength(cartJson(cart));
    if (
      bytes > this.config.MAX_CART_BYTES &&
      bytes > Buffer.byteLength(cartJson(this.view(before, meta.now)))
    ) {
      return refused(
        'CART_TOO_LARGE',
        'This change would make your cart too large to save. Remove an item or shorten a note to continue.',
      );
    }
    return {
      outcome: { kind: 'changed', cart },
      changed: cart,
      write: {
        cart: next,
        expectedVersion: before.version,
        appliedActionIds: how.appliedActionIds,
        ...(how.source ? { source: how.source } : {}),
        audit: [
          this.audit(meta, how.action, next.id, before.version, next.version, how.detail),
          ...(how.extraAudit ?? []),
        ],
        events: [...analyticsFor(before, next, meta.now.toISOString()), ...(how.extraEvents ?? [])],
      },
    };
  }

  private advance(state: CartState, meta: RequestMeta): CartState {
    return {
      ...state,
      version: state.version + 1,
      updatedAt: meta.now.toISOString(),
      expiresAt: this.expiry(meta.now),
    };
  }

  private effectiveStatus(state: CartState, now: Date): CartState {
    return state.status === 'active' && Date.parse(state.expiresAt) <= now.getTime()
      ? { ...state, status: 'expired' }
      : state;
  }

  private expiry(now: Date): string {
    return new Date(now.getTime() + this.config.CART_TTL_SECONDS * 1000).toISOString();
  }

  private context(snap: MutationSnapshot, meta: RequestMeta): ApplyContext {
    return {
      now: meta.now.toISOString(),
      newId: randomUUID,
      product: (id) => snap.products.get(id),
      discount: (code) => snap.discounts.get(code),
      limits: this.limits,
      taxRateBps: this.config.TAX_RATE_BPS,
    };
  }

  /**
   * A business refusal, pointing at what caused it (e.g. `/actions/2/quantity`) when it
   * can, and naming the refused action's `actionId` when it had one.
   */
  private refuse(error: CartError, cart?: Cart): Decision {
    return refused(error.code, error.message, {
      ...(error.path !== undefined
        ? { errors: [{ path: error.path, message: error.message }] }
        : {}),
      ...(error.actionId !== undefined ? { actionId: error.actionId } : {}),
      ...(cart ? { cart } : {}),
    });
  }

  private audit(
    meta: RequestMeta,
    action: string,
    cartId: string,
    beforeVersion: number | null,
    afterVersion: number | null,
    detail: Record<string, unknown>,
  ): AuditEntry {
    return auditEntry(meta, { actorType: 'cart', actorId: cartId }, action, {
      cartId,
      beforeVersion,
      afterVersion,
      detail,
    });
  }
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
  return sentences.join(' ');
}

/** What an action did, for the audit log: ids and quantities, never free text or emails. */
function describeAction(a: CartAction): Record<string, unknown> {
  switch (a.type) {
    case 'addLine':
      return { type: a.type, productId: a.productId, quantity: a.quantity };
    case 'setLineQuantity':
      return { type: a.type, lineId: a.lineId, quantity: a.quantity };
    case 'removeLine':
      return { type: a.type, lineId: a.lineId };
    case 'applyDiscount':
    case 'removeDiscount':
      return { type: a.type, code: a.code };
    case 'setNote':
      return { type: a.type, length: a.note.length };
    case 'setEmail':
      return { type: a.type, set: a.email !== null };
    case 'clear':
      return { type: a.type };
  }
}
