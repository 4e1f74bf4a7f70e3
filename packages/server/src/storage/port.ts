// Over 400 lines on purpose: the one storage port and the types it speaks, documented
// where they are declared; splitting the port by module is issue 14's storage split.
import type {
  AlertEvent,
  CartState,
  ErrorGroup,
  ErrorGroupSummary,
  ErrorSource,
  FunnelStep,
  Discount,
  DiscountInput,
  Product,
  ProductInput,
  ProductPage,
} from '@cart/core';
import type { AuditKeyring } from '../audit/keyring.ts';

/**
 * The storage port: everything the service keeps, behind one interface with an adapter
 * per database (SQLite now; PostgreSQL fits the same shape). Adapters hold no business
 * rules; they load, lock and write. The rules live in @cart/core and the cart service.
 */

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

/** Who did what, appended to the hash-chained audit log in the same transaction as the change. */
export interface AuditEntry {
  at: string;
  actorType: 'cart' | 'admin' | 'system';
  /** The cart id for a cart's own changes, "admin" for the admin credential, or null. */
  actorId: string | null;
  requestId: string | null;
  clientAddress: string | null;
  /** What happened, e.g. "cart.addLine", "cart.checkout", "admin.product.create". */
  action: string;
  cartId: string | null;
  beforeVersion: number | null;
  afterVersion: number | null;
  /** Non-secret facts of the change (ids, quantities, codes); never tokens or emails. */
  detail: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
  /**
   * The key whose HMAC `hash` is (src/audit/chain.ts); null for a legacy record, written
   * before the chain was keyed, whose hash is plain SHA-256.
   */
  keyId: string | null;
}

export const ANALYTICS_EVENT_TYPES = [
  'cart_created',
  'line_added',
  'line_removed',
  'quantity_changed',
  'discount_applied',
  'discount_removed',
  'checkout_started',
  'checked_out',
  'cart_merged',
  /** Idle with items for ABANDON_AFTER_SECONDS (the idle sweep); may recur after activity. */
  'cart_abandoned',
  /** Reached its expiry (CART_TTL_SECONDS) while still active. */
  'cart_expired',
] as const;
export type AnalyticsEventType = (typeof ANALYTICS_EVENT_TYPES)[number];

/** A usage event: no personal data, only what a funnel needs. */
export interface AnalyticsEvent {
  at: string;
  type: AnalyticsEventType;
  cartId: string;
  productId?: string | null;
  quantity?: number | null;
  amount?: number | null;
  currency?: string | null;
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
  /** Also load the id of the order made from the cart, if any (a checkout asked again). */
  withOrder?: boolean;
}

/** The consistent view a decision is made on: read inside the mutation's transaction. */
export interface MutationSnapshot {
  cart: StoredCart | null;
  source: StoredCart | null;
  products: ReadonlyMap<string, Product>;
  discounts: ReadonlyMap<string, Discount>;
  appliedActionIds: ReadonlySet<string>;
  idempotent: IdempotencyRecord | null;
  /** The order made from the cart, when the plan asked (`withOrder`) and there is one. */
  orderId: string | null;
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

export class AlreadyExistsError extends Error {
  constructor(readonly subject: string) {
    super(`${subject} already exists`);
    this.name = 'AlreadyExistsError';
  }
}

/**
 * A whole catalog for `seedCatalog` (the demo shop): each product and code with the audit
 * entry of its creation, whose instant is also the row's creation instant (the listing
 * order), as `createProduct` and `createDiscount` write them.
 */
export interface CatalogSeed {
  products: readonly { product: Product; audit: AuditEntry }[];
  discounts: readonly { discount: DiscountInput; audit: AuditEntry }[];
}

export interface DiscountPage {
  items: Discount[];
  nextCursor: string | null;
}

export interface AuditQuery {
  cartId?: string;
  actorType?: AuditEntry['actorType'];
  action?: string;
  from?: string;
  to?: string;
  /** Records with seq below this (newest first paging). */
  beforeSeq?: number;
  limit: number;
}

/** One occurrence of a server error or a browser-reported error, for error tracking. */
export interface ErrorOccurrence {
  fingerprint: string;
  source: ErrorSource;
  errorClass: string;
  message: string;
  route: string;
  topFrame: string;
  /** Server stacks stay server-side: only the admin API shows them. */
  stack: string;
  requestId: string | null;
  at: string;
}

/**
 * What an occurrence may do to the error groups: `mayCreate` false (the reporting
 * client spent its quota of new groups) lets it count only in a group that exists;
 * `maxGroups` is the most groups of its source kept, beyond which no new one starts.
 */
export interface ErrorGroupLimits {
  mayCreate: boolean;
  maxGroups: number;
}

/** What became of an occurrence: counted in its group, a new group, or not stored. */
export type ErrorRecordOutcome = 'counted' | 'created' | 'refused';

export interface ErrorGroupQuery {
  source?: ErrorSource;
  /** Opaque cursor from a previous page (groups are listed most recently seen first). */
  cursor: string | null;
  limit: number;
}

/** An alert rule changing state, as recorded (and shown on the dashboard). */
export interface AlertEventInput {
  rule: string;
  state: 'firing' | 'resolved';
  at: string;
  value: number | null;
  summary: string;
}

/** The raw counts behind `GET /api/admin/analytics`, for events with from <= at < to. */
export interface AnalyticsCounts {
  /** Distinct carts with at least one event of each funnel type. */
  funnel: Record<FunnelStep, number>;
  abandonedCarts: number;
  /** Orders (checked_out events): how many, and the sum of their amounts. */
  orders: number;
  revenue: number;
  /** Most units added first (line_added quantity plus positive quantity_changed), ties by id. */
  topProducts: { productId: string; quantityAdded: number; carts: number }[];
}

export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The audit chain's keys (never stored in the database): the first signs each record
   * appended, every one verifies the records it signed.
   */
  readonly auditKeys: AuditKeyring;
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Whether the database answers now (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;

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

  // Admin changes: each is one transaction with its audit record and, when the request
  // carried an Idempotency-Key, the answer to replay (a key already committed raises
  // WriteConflictError('idempotency')).
  listProducts(limit: number, cursor: string | null): Promise<ProductPage>;
  getProduct(id: string): Promise<Product | null>;
  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product>;
  /** Replaces a product; null when there is none with that id. */
  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null>;
  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean>;
  countProducts(): Promise<number>;

  listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage>;
  getDiscount(code: string): Promise<Discount | null>;
  createDiscount(
    discount: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount>;
  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean>;
  /**
   * Writes `seed` into an empty catalog, in one transaction: every product and code with
   * its audit record, or nothing. Whether the catalog has a product is checked inside
   * that transaction, so that of instances seeding one database at once exactly one
   * writes; a catalog with a product is left as it is (false). A code that exists is
   * left as it is too, without an audit record. A sku or product id taken twice is
   * AlreadyExistsError, and nothing of the seed is kept. True when the seed was written.
   */
  seedCatalog(seed: CatalogSeed): Promise<boolean>;

  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Every audit record in chain order, in pages (for verification). */
  readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]>;

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

  // ---- monitoring ----------------------------------------------------------------

  /**
   * The states of at most `limit` active carts holding at least one line, last changed
   * before `idleBefore`, and not marked abandoned since their last change, least recently
   * changed first: what the abandonment sweep prices, read in one statement.
   */
  findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]>;
  /**
   * Marks the cart abandoned and records `event` (a `cart_abandoned`) in one transaction,
   * only if it still matches `findIdleCarts`' conditions; false when it no longer does.
   */
  markAbandoned(cartId: string, idleBefore: string, event: AnalyticsEvent): Promise<boolean>;
  analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts>;

  /**
   * Adds one occurrence to its group, creating the group on first sight when `limits`
   * allow it (else the occurrence is not stored: 'refused').
   */
  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome>;
  /** Deletes the error groups last seen before `before` (retention); returns how many. */
  purgeErrorGroups(before: string): Promise<number>;
  listErrorGroups(
    query: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }>;
  getErrorGroup(fingerprint: string): Promise<ErrorGroup | null>;

  recordAlertEvent(event: AlertEventInput): Promise<AlertEvent>;
  /** Newest first. */
  listAlertEvents(limit: number): Promise<AlertEvent[]>;
}
