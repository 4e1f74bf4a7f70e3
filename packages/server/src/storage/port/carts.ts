// The carts part of the storage port: reading carts, the one-transaction mutation and the
// types it speaks (plan, snapshot, write, decision), stored answers to idempotent requests,
// orders, and what every instance on a database shares (the server secret, sign-outs).
import type { CartState, Discount, Product, Region, ShippingOption } from '@cart/core';
import type { AuditEntry } from './audit.ts';
import type { AnalyticsEvent } from './monitoring.ts';

/** What `readCart` answers: the state is null when it is still the version the caller knows. */
export interface CartRead {
  tokenHash: Buffer;
  version: number;
  state: CartState | null;
}

/** A cart row: the state plus the SHA-256 of its secret token (the token itself is never stored). */
export interface StoredCart {
  state: CartState;
  tokenHash: Buffer;
}

/**
 * A stored answer to an idempotent request. `payload` is opaque to storage: the service
 * encrypts it with a key derived from the client's Idempotency-Key, which is not stored,
 * so a copy of the database does not reveal the answers (a new cart's token among them).
 */
export interface IdempotencyRecord {
  id: string;
  fingerprint: string;
  payload: string;
  createdAt: string;
  expiresAt: string;
  /**
   * The cart whose answer this is, when it was given to the cart's holder (its changes,
   * its creation); null otherwise (admin changes, a stranger's 404). Answers per cart are
   * bounded by `MutationDecision.answersPerCart`.
   */
  cartId: string | null;
}

export interface OrderRecord {
  id: string;
  /** The number people quote (`MutationSnapshot.newOrderNumber`): unique, increasing. */
  number: number;
  cartId: string;
  total: number;
  currency: string;
  cart: unknown;
  createdAt: string;
}

/**
 * What a mutation needs loaded (and locked) before it decides: the carts, the products
 * and codes named here, the products of the lines named here, and, with `wholeCatalog`,
 * those of every line and code already on the loaded carts (catalog-keys.ts). A change
 * loads what its actions touch, so its cost does not grow with the cart's other lines.
 */
export interface MutationPlan {
  cartId: string;
  /** A second cart to load and lock (the source of a merge). */
  sourceCartId?: string;
  productIds: readonly string[];
  discountCodes: readonly string[];
  /** Lines of the cart whose products the decision needs (a quantity change checks stock). */
  lineIds?: readonly string[];
  /** The catalog facts of the whole of each loaded cart (checkout re-prices, merge moves lines). */
  wholeCatalog?: boolean;
  actionIds: readonly string[];
  idempotencyId: string | null;
  /**
   * Also load the order made from the cart, if any (a checkout asked again), or else
   * reserve a number for the order the decision may make.
   */
  withOrder?: boolean;
}

/** The consistent view a decision is made on: read inside the mutation's transaction. */
export interface MutationSnapshot {
  cart: StoredCart | null;
  source: StoredCart | null;
  products: ReadonlyMap<string, Product>;
  discounts: ReadonlyMap<string, Discount>;
  /** Every region and every shipping option, read in the same transaction. */
  regions: readonly Region[];
  shippingOptions: ReadonlyMap<string, ShippingOption>;
  appliedActionIds: ReadonlySet<string>;
  idempotent: IdempotencyRecord | null;
  /** The order made from the cart, when the plan asked (`withOrder`) and there is one. */
  order: { id: string; number: number } | null;
  /**
   * When the plan asked (`withOrder`) and the cart is active (no order yet): the number a new
   * order gets, greater than every number given before and given to no other mutation.
   * A number not used (the checkout refused) may be lost: numbers can have gaps.
   */
  newOrderNumber: number | null;
}

/** What to write. Everything in one decision is committed together, or nothing is. */
export interface MutationWrite {
  /** The cart to insert (when `tokenHash` is given) or to update from `expectedVersion`. */
  cart: CartState;
  expectedVersion: number | null;
  tokenHash?: Buffer;
  source?: { state: CartState; expectedVersion: number };
  appliedActionIds: readonly string[];
  audit: readonly AuditEntry[];
  events: readonly AnalyticsEvent[];
  /** Stock to take (checkout), each only if that much is still on hand. */
  reserveStock?: readonly { productId: string; quantity: number }[];
  /** Codes whose use to count (checkout), each only while under its usage limit. */
  useDiscounts?: readonly string[];
  order?: OrderRecord;
}

export interface MutationDecision<T> {
  reply: T;
  write: MutationWrite | null;
  /** The answer to keep for the request's Idempotency-Key, if any. */
  idempotency: IdempotencyRecord | null;
  /**
   * At most this many answers are kept per cart: storing `idempotency` for a cart deletes
   * that cart's oldest answers beyond it (never the one stored now), in the same
   * transaction. Absent: no bound.
   */
  answersPerCart?: number;
}

/**
 * A conditional write found the world changed since the snapshot (a race lost to another
 * process): the adapter rolled the transaction back, and the service decides again on
 * fresh data. Within one SQLite process this cannot happen; on PostgreSQL it can.
 */
export class WriteConflictError extends Error {
  constructor(
    readonly reason: 'version' | 'stock' | 'discount' | 'idempotency',
    readonly subject: string,
  ) {
    super(`write conflict on ${reason} ${subject}`);
    this.name = 'WriteConflictError';
  }
}

export interface CartStore {
  /**
   * Runs one mutation as one transaction: loads (and locks) what `plan` names, calls
   * `decide` on that snapshot, and writes what it returns — the cart, the applied action
   * ids, the audit records, the analytics events, stock, discount uses, the order and
   * the idempotency record — all committed together. `decide` must be synchronous and
   * free of I/O; it may run more than once if the adapter retries a serialization failure.
   */
  mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T>;

  getCart(id: string): Promise<StoredCart | null>;

  /**
   * A cart as a read answers it: its credential and version, and its state only when
   * the version is not `knownVersion` (the one the caller has priced and serialized
   * already), so an unchanged cart is neither sent nor parsed again. Null when there is
   * no such cart. One statement.
   */
  readCart(id: string, knownVersion: number | null): Promise<CartRead | null>;
  getIdempotency(id: string): Promise<IdempotencyRecord | null>;

  /** Active carts whose expiry has passed (for the expiry sweeper). */
  findExpiredCarts(now: string, limit: number): Promise<string[]>;
  /** Deletes idempotency records past their expiry; returns how many. */
  purgeIdempotency(now: string): Promise<number>;

  // ---- shared by every instance on the database (migration 005) ------------------

  /**
   * The secret called `name`, the same for every instance on this database: `candidate`
   * (at least 32 random bytes) is stored if there is none yet — atomically, so when
   * instances start together one candidate wins — and the stored value is returned.
   */
  serverSecret(name: string, candidate: Buffer): Promise<Buffer>;
  /** Records a signed-out dashboard session, kept until `expiresAt`; again is harmless. */
  revokeAdminSession(id: string, expiresAt: string): Promise<void>;
  /** Whether the dashboard session was signed out (on any instance). */
  isAdminSessionRevoked(id: string): Promise<boolean>;
  /** Deletes records of signed-out sessions that have expired anyway; returns how many. */
  purgeRevokedAdminSessions(now: string): Promise<number>;
}
