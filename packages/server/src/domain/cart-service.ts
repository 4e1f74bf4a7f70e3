// The cart service, the one entry point of the cart use cases: it creates and reads carts
// itself and runs every change through the mutation runner in one storage transaction.
// The shared steps of a decision are in cart-decision.ts; the decisions of a change, a
// merge and a checkout in cart-change.ts, cart-merge.ts and cart-checkout.ts.
import { randomUUID } from 'node:crypto';
import {
  appliedOption,
  computeTotals,
  toCartState,
  type Cart,
  type CartAction,
  type CartLimits,
  type CartShippingOptions,
  type CartState,
} from '@cart/core';
import type { Config } from '../config.ts';
import { cartJson } from '../json.ts';
import type { CartEvents } from '../events/cart-events.ts';
import { hashToken, newCartToken, tokenMatches } from '../security/tokens.ts';
import type { Storage } from '../storage/port.ts';
import { VersionedCache } from '../storage/versioned-cache.ts';
import { changeUseCase } from './cart-change.ts';
import { checkoutUseCase } from './cart-checkout.ts';
import {
  cartAudit,
  DecisionSteps,
  type CartResult,
  type CartUseCase,
  type Presented,
  type RequestMeta,
} from './cart-decision.ts';
import { mergeUseCase } from './cart-merge.ts';
import type { CartObserver } from './cart-observer.ts';
import type { MutationRunner } from './mutation-runner.ts';

/**
 * The cart use cases: create, read, change (one action or a batch), merge and check out.
 * Each change is one storage transaction in which the decision is made on freshly
 * loaded, locked data: authorize, replay or refuse, apply the core reducer, then write
 * the cart, its audit record, its analytics events and the idempotency record together.
 */
export class CartService {
  readonly limits: CartLimits;
  private readonly steps: DecisionSteps;
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
    this.steps = new DecisionSteps(config);
    this.limits = this.steps.limits;
    this.views = new VersionedCache(config.CART_CACHE_MAX_BYTES);
  }

  /** Keeps a priced cart for reads; an active one is true until it expires. */
  private remember(cart: Cart): void {
    const staleAt = cart.status === 'active' ? Date.parse(cart.expiresAt) : Infinity;
    this.views.put(cart.id, cart.version, cart, cartJson(cart).length, staleAt);
  }

  /** Prices a stored cart, showing an active cart past its expiry as expired. */
  view(state: CartState, now: Date): Cart {
    return this.steps.view(state, now);
  }

  async create(meta: RequestMeta): Promise<CartResult> {
    const token = newCartToken();
    const id = randomUUID();
    return this.run(meta, {
      plan: { cartId: id, productIds: [], discountCodes: [], actionIds: [] },
      decide: (snap) => {
        const at = meta.now.toISOString();
        // A cart starts in the default region (listed first), before a country is chosen.
        const region = snap.regions.find((r) => r.default);
        if (!region) throw new Error('no default region: the server seeds one on start');
        const state: CartState = {
          id,
          version: 1,
          status: 'active',
          regionId: region.id,
          currency: region.currency,
          country: null,
          shippingAddress: null,
          shippingOption: null,
          taxRateBps: region.taxRateBps,
          taxInclusive: region.taxInclusive,
          lines: [],
          discounts: [],
          note: '',
          email: null,
          createdAt: at,
          updatedAt: at,
          expiresAt: this.steps.expiry(meta.now),
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
            audit: [cartAudit(meta, 'cart.create', id, null, 1, {})],
            events: [{ at, type: 'cart_created', cartId: id }],
          },
        };
      },
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
   * The shipping options of the cart's region, each with what it would cost this cart as
   * it stands (priced as if chosen, by the same code as the totals); null for anyone but
   * the cart's holder.
   */
  async shippingOptions(
    cartId: string,
    presented: Presented,
    now: Date,
  ): Promise<CartShippingOptions | null> {
    const cart = await this.read(cartId, presented, now);
    if (!cart) return null;
    const state = toCartState(cart);
    const options = await this.storage.listShippingOptions();
    return {
      items: options
        .filter((o) => o.regionId === state.regionId)
        .map((o) => ({
          ...o,
          cost: computeTotals({ ...state, shippingOption: appliedOption(o) }).shippingTotal,
        })),
    };
  }

  /** Applies actions (one, or a batch) as one change, all or nothing (cart-change.ts). */
  async change(
    cartId: string,
    presented: Presented,
    actions: readonly CartAction[],
    meta: RequestMeta,
    action: string,
  ): Promise<CartResult> {
    return this.run(meta, changeUseCase(this.steps, cartId, presented, actions, meta, action));
  }

  /** Merges a guest cart, opened by its own token, into this one (cart-merge.ts). */
  async merge(
    cartId: string,
    presented: Presented,
    sourceCartId: string,
    sourceToken: string,
    meta: RequestMeta,
  ): Promise<CartResult> {
    return this.run(
      meta,
      mergeUseCase(this.steps, cartId, presented, sourceCartId, sourceToken, meta),
    );
  }

  /** Closes the cart, reserves its stock and makes its order, or re-prices it (cart-checkout.ts). */
  async checkout(cartId: string, presented: Presented, meta: RequestMeta): Promise<CartResult> {
    return this.run(meta, checkoutUseCase(this.steps, cartId, presented, meta));
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
    const result = await this.run(meta, {
      plan: { cartId, productIds: [], discountCodes: [], actionIds: [] },
      decide: (snap) => {
        const state = snap.cart?.state;
        if (!state || state.status !== 'active' || Date.parse(state.expiresAt) > now.getTime()) {
          return { outcome: { kind: 'unchanged' }, write: null, changed: null };
        }
        const expired = this.steps.expireWrite(state, meta);
        return { ...expired, outcome: { kind: 'changed', cart: expired.changed } };
      },
    });
    return result.kind === 'decided' && result.outcome.kind === 'changed';
  }

  /**
   * One change through the mutation runner: `decide` runs on the snapshot loaded (and
   * locked) in the storage transaction, unless the request's key replays or is refused;
   * what it decides is written with the key's sealed answer. Once committed, the
   * usage events go to the observers and the changed cart to live subscribers; a refusal
   * decided now (not a replay) goes to the observers too (domain/refusals.ts).
   */
  private async run(meta: RequestMeta, { plan, decide }: CartUseCase): Promise<CartResult> {
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
    if (decision?.refusals)
      this.observer.refused?.(decision.refusals, { requestId: meta.requestId });
    if (decision?.changed) {
      this.remember(decision.changed);
      this.events.publish(decision.changed);
    }
    if (decision?.stockLeft) this.events.publishStock(decision.stockLeft);
    return settled.ran;
  }
}
