// What every cart use case shares (cart-service.ts runs them): the words a decision is
// made in, and its common steps: open the cart (token, expiry, If-Match), price it,
// advance it and commit the change with its audit record. The decisions of a change,
// a merge and a checkout are in cart-change.ts, cart-merge.ts and cart-checkout.ts.
import { randomUUID } from 'node:crypto';
import {
  computeTotals,
  ERROR_CATALOG,
  type ApplyContext,
  type Cart,
  type CartError,
  type CartLimits,
  type CartState,
  type ErrorCode,
} from '@cart/core';
import type { Config } from '../config.ts';
import { cartJson } from '../json.ts';
import type { StockLevel } from '../events/cart-events.ts';
import { tokenMatches } from '../security/tokens.ts';
import type {
  AnalyticsEvent,
  AuditEntry,
  MutationPlan,
  MutationSnapshot,
  MutationWrite,
  RefusalEvent,
  StoredCart,
} from '../storage/port.ts';
import { analyticsFor } from './analytics-events.ts';
import { auditEntry, refusal, type ChangeMeta, type Ran, type Refusal } from './mutation-runner.ts';

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
  | { kind: 'checkedOut'; orderId: string; orderNumber: number; cart: Cart }
  /** Nothing to do (the expiry sweeper's cart is not, or no longer, due). */
  | { kind: 'unchanged' }
  | Refusal;

/** What a use case answers: its outcome, or the replay of a keyed request's first answer. */
export type CartResult = Ran<CartOutcome>;

/** Cart credentials as presented: the SHA-256 of the token, or null when none was sent. */
export type Presented = Buffer | null;

/** One decision on a snapshot: the outcome, what to write, what to announce. */
export interface Decision {
  outcome: CartOutcome;
  write: MutationWrite | null;
  /** The cart to announce to live subscribers once committed. */
  changed: Cart | null;
  /**
   * A refused add or checkout, for the refusal observers once answered (refusals.ts):
   * not part of `write`, which a refusal does not have (or has for a re-pricing only).
   */
  refusals?: readonly RefusalEvent[];
  /** Stock levels to announce once committed (a checkout's reservation), to carts holding them. */
  stockLeft?: readonly StockLevel[];
}

/**
 * One cart use case as the storage transaction runs it: what to load (and lock), and
 * the decision made on what was loaded (`CartService.run`).
 */
export interface CartUseCase {
  plan: Omit<MutationPlan, 'idempotencyId'>;
  decide: (snap: MutationSnapshot) => Decision;
}

/** A refusal: nothing is written and nothing announced. */
export const refused = (
  code: ErrorCode,
  detail: string,
  extras: Parameters<typeof refusal>[2] = {},
): Decision => ({ outcome: refusal(code, detail, extras), write: null, changed: null });

/**
 * A business refusal, pointing at what caused it (e.g. `/actions/2/quantity`) when it
 * can, and naming the refused action's `actionId` when it had one.
 */
export function refuse(error: CartError, cart?: Cart): Decision {
  return refused(error.code, error.message, {
    ...(error.path !== undefined ? { errors: [{ path: error.path, message: error.message }] } : {}),
    ...(error.actionId !== undefined ? { actionId: error.actionId } : {}),
    ...(error.discount !== undefined ? { discount: error.discount } : {}),
    ...(cart ? { cart } : {}),
  });
}

/** The audit record of a change made by a cart's holder. */
export function cartAudit(
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

/** The steps of a cart decision that depend on the configuration (prices, expiry, bounds). */
export class DecisionSteps {
  readonly limits: CartLimits;

  constructor(private readonly config: Config) {
    this.limits = {
      maxLines: config.MAX_LINES_PER_CART,
      maxQuantityPerLine: config.MAX_QUANTITY_PER_LINE,
      maxDiscounts: config.MAX_DISCOUNTS_PER_CART,
    };
  }

  /** Prices a stored cart, showing an active cart past its expiry as expired. */
  view(state: CartState, now: Date): Cart {
    const shown =
      state.status === 'active' && Date.parse(state.expiresAt) <= now.getTime()
        ? { ...state, status: 'expired' as const }
        : state;
    return computeTotals(shown);
  }

  /**
   * The checks every change to an existing cart passes first, in this order: the cart
   * exists and the token is its own (else 404, the same as an unknown id); it has not
   * expired (else 410 CART_EXPIRED, expiring it now if it just has); If-Match, when sent,
   * names its version. A checked-out or merged cart is refused by the core rules
   * (CART_CLOSED) after these.
   */
  open(
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
  expireWrite(state: CartState, meta: RequestMeta): { write: MutationWrite; changed: Cart } {
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

  /** A change of the cart from `before` to `next`: answered, announced, written and audited. */
  commit(
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
          cartAudit(meta, how.action, next.id, before.version, next.version, how.detail),
          ...(how.extraAudit ?? []),
        ],
        events: [...analyticsFor(before, next, meta.now.toISOString()), ...(how.extraEvents ?? [])],
      },
    };
  }

  /** The cart's next version: touched now, its expiry moved on. */
  advance(state: CartState, meta: RequestMeta): CartState {
    return {
      ...state,
      version: state.version + 1,
      updatedAt: meta.now.toISOString(),
      expiresAt: this.expiry(meta.now),
    };
  }

  /** When a cart created or changed at `now` expires. */
  expiry(now: Date): string {
    return new Date(now.getTime() + this.config.CART_TTL_SECONDS * 1000).toISOString();
  }

  /** What the core reducer needs for a change decided on `snap`. */
  context(snap: MutationSnapshot, meta: RequestMeta): ApplyContext {
    return {
      now: meta.now.toISOString(),
      newId: randomUUID,
      product: (id) => snap.products.get(id),
      discount: (code) => snap.discounts.get(code),
      limits: this.limits,
      region: (id) => snap.regions.find((r) => r.id === id),
      regionFor: (country) => snap.regions.find((r) => r.countries.includes(country)),
      shippingOption: (id) => snap.shippingOptions.get(id),
    };
  }
}
