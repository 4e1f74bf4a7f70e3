import * as z from 'zod/mini';
import './zod-locale.ts';
import type { ErrorCode } from '../errors/catalog.ts';
import { ErrorCodeSchema } from '../errors/problem.ts';
import { CurrencyCode } from '../money/currency.ts';
import { Id, Timestamp } from './common.ts';

/**
 * The operators' monitoring API (`/api/admin/errors`, `/analytics`, `/alerts`,
 * `/monitoring/*`, `/audit`) and the browser's error reports: the shapes the server answers with
 * and the dashboard reads, defined once here.
 */

// ---- error tracking ------------------------------------------------------------

export const ErrorSource = z.enum(['server', 'client']);
export type ErrorSource = z.infer<typeof ErrorSource>;

/**
 * One error group: every occurrence with the same fingerprint (error class + top
 * application frame + route) counted together.
 */
/** What the server keeps of an error (observability/error-tracker.ts cuts longer ones). */
export const ERROR_GROUP_LIMITS = {
  errorClass: 128,
  message: 500,
  route: 256,
  topFrame: 512,
  stack: 8000,
} as const;

export const ErrorGroupSummary = z.strictObject({
  fingerprint: z.string().check(z.regex(/^[a-f0-9]{16,64}$/)),
  source: ErrorSource,
  errorClass: z.string().check(z.maxLength(ERROR_GROUP_LIMITS.errorClass)),
  message: z.string().check(z.maxLength(ERROR_GROUP_LIMITS.message)),
  /** Route template (`POST /api/carts/:cartId/lines`) or, for the browser, the page path. */
  route: z.string().check(z.maxLength(ERROR_GROUP_LIMITS.route)),
  /** `file:line` of the top application frame, or "" when none was found. */
  topFrame: z.string().check(z.maxLength(ERROR_GROUP_LIMITS.topFrame)),
  count: z.int().check(z.minimum(1)),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
  /** The request id of the latest occurrence, to find its log lines. */
  sampleRequestId: z.nullable(z.string().check(z.maxLength(128))),
});
export type ErrorGroupSummary = z.infer<typeof ErrorGroupSummary>;

/** A group with the stack of its latest occurrence (admin only: never sent to a shopper). */
export const ErrorGroup = z.extend(ErrorGroupSummary, {
  stack: z.string().check(z.maxLength(ERROR_GROUP_LIMITS.stack)),
});
export type ErrorGroup = z.infer<typeof ErrorGroup>;

export const ErrorGroupPage = z.strictObject({
  items: z.array(ErrorGroupSummary).check(z.maxLength(100)),
  nextCursor: z.nullable(z.string().check(z.maxLength(128))),
});
export type ErrorGroupPage = z.infer<typeof ErrorGroupPage>;

/** What the web app sends to `POST /api/client-errors` when it catches an error. */
export const ClientErrorReport = z.strictObject({
  errorClass: z._default(
    z.string().check(z.regex(/^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/, 'must be an error class name')),
    'Error',
  ),
  message: z.string().check(z.maxLength(1000, 'must be at most 1000 characters')),
  stack: z._default(z.string().check(z.maxLength(8000, 'must be at most 8000 characters')), ''),
  /** The page's path (no query string), e.g. `/cart`. */
  page: z.string().check(
    z.regex(/^\/[\x21-\x7E]{0,199}$/, 'must be a path starting with "/"'),
    z.refine((p) => !p.includes('?') && !p.includes('#'), 'must not hold a query or fragment'),
  ),
});
export type ClientErrorReport = z.infer<typeof ClientErrorReport>;

// ---- usage analytics ---------------------------------------------------------------

export const AnalyticsWindow = z.enum(['1h', '24h', '7d', '30d']);
export type AnalyticsWindow = z.infer<typeof AnalyticsWindow>;

/**
 * What the server records of a cart's life for usage analytics, in the transaction of the
 * change it counts (the sweep records the last two).
 */
export const AnalyticsEventType = z.enum([
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
]);
export type AnalyticsEventType = z.infer<typeof AnalyticsEventType>;

/** A usage event: no personal data, only what the funnel and the product counts need. */
export const AnalyticsEvent = z.strictObject({
  at: Timestamp,
  type: AnalyticsEventType,
  cartId: Id,
  productId: z.optional(z.nullable(Id)),
  quantity: z.optional(z.nullable(z.int())),
  /** Minor units of `currency` (the order total of a checkout). */
  amount: z.optional(z.nullable(z.int())),
  currency: z.optional(z.nullable(CurrencyCode)),
});
export type AnalyticsEvent = z.infer<typeof AnalyticsEvent>;

/**
 * The funnel's steps: the events of a cart's way to checkout, in order (`satisfies`: each
 * is an AnalyticsEventType).
 */
export const FunnelStep = z.enum([
  'cart_created',
  'line_added',
  'checkout_started',
  'checked_out',
] as const satisfies readonly AnalyticsEventType[]);
export type FunnelStep = z.infer<typeof FunnelStep>;

/** How many products the analytics list. */
export const ANALYTICS_TOP_PRODUCTS = 10;
/** How many product rows "Lost demand" lists. */
export const ANALYTICS_LOST_DEMAND = 20;

/**
 * Where a refused change was asked: adding to the cart (an addLine, or a quantity
 * raised) or checking out. Refusals change no cart, so they are recorded apart from the
 * events above, after the refusal is decided (docs/operations.md#lost-demand).
 */
export const RefusalStage = z.enum(['add', 'checkout']);
export type RefusalStage = z.infer<typeof RefusalStage>;

/** One refused change, as recorded: no personal data, only ids, the code and the units. */
export const RefusalEvent = z.strictObject({
  at: Timestamp,
  stage: RefusalStage,
  code: ErrorCodeSchema,
  cartId: Id,
  /** The product refused (stock or limit), or null when the refusal is not about one. */
  productId: z.nullable(Id),
  /** Units asked for that product: added, raised by, or wanted at checkout. */
  quantity: z.nullable(z.int().check(z.minimum(1))),
});
export type RefusalEvent = z.infer<typeof RefusalEvent>;

/**
 * Why demand for a product was lost: `stock` (refused OUT_OF_STOCK: restock it) or
 * `limit` (refused QUANTITY_LIMIT_EXCEEDED: its per-order or per-line limit turned the
 * buyer away).
 */
export const LostDemandReason = z.enum(['stock', 'limit']);
export type LostDemandReason = z.infer<typeof LostDemandReason>;

/** The refusal codes that are lost demand for a product, and the reason each stands for. */
export const LOST_DEMAND_CODES = {
  OUT_OF_STOCK: 'stock',
  QUANTITY_LIMIT_EXCEEDED: 'limit',
} as const satisfies Partial<Record<ErrorCode, LostDemandReason>>;
export type LostDemandCode = keyof typeof LOST_DEMAND_CODES;

/** Whether a refusal code is lost demand (LOST_DEMAND_CODES). */
export const isLostDemand = (code: string): code is LostDemandCode =>
  Object.hasOwn(LOST_DEMAND_CODES, code);

export const Analytics = z.strictObject({
  window: AnalyticsWindow,
  from: Timestamp,
  to: Timestamp,
  currency: z.string().check(z.length(3)),
  /** Distinct carts that reached each step within the window, in funnel order. */
  funnel: z
    .array(z.strictObject({ step: FunnelStep, carts: z.int().check(z.minimum(0)) }))
    .check(z.maxLength(FunnelStep.options.length)),
  /** Carts checked out ÷ carts created, 0–1 (0 when no cart was created). */
  conversionRate: z.number().check(z.minimum(0), z.maximum(1)),
  /** Carts abandoned (idle with items) ÷ carts that had an item added, 0–1. */
  abandonmentRate: z.number().check(z.minimum(0), z.maximum(1)),
  orders: z.int().check(z.minimum(0)),
  /** Sum of order totals, minor units. */
  revenue: z.int().check(z.minimum(0)),
  /** Mean order total, minor units, rounded half-even; null without orders. */
  averageOrderValue: z.nullable(z.int().check(z.minimum(0))),
  abandonedCarts: z.int().check(z.minimum(0)),
  /** How long a cart with items must sit idle to count as abandoned (ABANDON_AFTER_SECONDS). */
  abandonAfterSeconds: z.int().check(z.minimum(1)),
  /**
   * Checkouts asked in the window: `attempts` = `succeeded` (orders) + `refused`, and the
   * refusals by code, most first. A refused checkout changes no cart.
   */
  checkouts: z.strictObject({
    attempts: z.int().check(z.minimum(0)),
    succeeded: z.int().check(z.minimum(0)),
    refused: z.int().check(z.minimum(0)),
    refusedByCode: z
      .array(z.strictObject({ code: ErrorCodeSchema, count: z.int().check(z.minimum(1)) }))
      .check(z.maxLength(64)),
  }),
  /**
   * Lost demand: per product and reason, the refusals (adds and checkouts) in the window,
   * the units they asked for and the distinct carts; most refusals first.
   */
  lostDemand: z
    .array(
      z.strictObject({
        productId: Id,
        name: z.nullable(z.string().check(z.maxLength(200))),
        reason: LostDemandReason,
        refusals: z.int().check(z.minimum(1)),
        units: z.int().check(z.minimum(0)),
        carts: z.int().check(z.minimum(1)),
      }),
    )
    .check(z.maxLength(ANALYTICS_LOST_DEMAND)),
  topProducts: z
    .array(
      z.strictObject({
        productId: Id,
        name: z.nullable(z.string().check(z.maxLength(200))),
        /** Units added to carts within the window (additions and quantity increases). */
        quantityAdded: z.int().check(z.minimum(0)),
        /** Distinct carts that added it. */
        carts: z.int().check(z.minimum(0)),
      }),
    )
    .check(z.maxLength(ANALYTICS_TOP_PRODUCTS)),
});
export type Analytics = z.infer<typeof Analytics>;

// ---- live series (dashboard charts) --------------------------------------------------

export const SeriesPoint = z.strictObject({
  /** Start of the bucket, epoch milliseconds. */
  t: z.int(),
  requests: z.int().check(z.minimum(0)),
  /** Answers with a 5xx status. */
  errors: z.int().check(z.minimum(0)),
  /** Latency quantiles in milliseconds; null when the bucket saw no request. */
  p50: z.nullable(z.number()),
  p95: z.nullable(z.number()),
  p99: z.nullable(z.number()),
  rateLimited: z.int().check(z.minimum(0)),
  cartsCreated: z.int().check(z.minimum(0)),
  checkouts: z.int().check(z.minimum(0)),
});
export type SeriesPoint = z.infer<typeof SeriesPoint>;

export const MonitoringSeries = z.strictObject({
  /** Length of each bucket in seconds. */
  resolutionSeconds: z.int().check(z.minimum(1)),
  /** Oldest first; buckets without traffic are present with zeros. */
  points: z.array(SeriesPoint),
  /**
   * The whole window of `points`: its timed requests and their latency quantiles in
   * milliseconds, read from the window's summed latency histogram (exact to its bucket,
   * never an average of the points' quantiles); null without a timed request.
   */
  window: z.strictObject({
    timed: z.int().check(z.minimum(0)),
    p50: z.nullable(z.number()),
    p95: z.nullable(z.number()),
    p99: z.nullable(z.number()),
  }),
});
export type MonitoringSeries = z.infer<typeof MonitoringSeries>;

// ---- alerts -----------------------------------------------------------------------

/** How many firing/resolved transitions the alerts view lists, newest first. */
export const ALERT_HISTORY = 50;

export const AlertState = z.enum(['ok', 'firing']);
export const AlertStatus = z.strictObject({
  rule: z.string().check(z.maxLength(64)),
  severity: z.enum(['page', 'ticket']),
  state: AlertState,
  /** When the current state began; null if it never changed since start. */
  since: z.nullable(Timestamp),
  /** The rule's measured value at the last evaluation (e.g. a burn rate). */
  value: z.nullable(z.number()),
  summary: z.string().check(z.maxLength(1000)),
});
export type AlertStatus = z.infer<typeof AlertStatus>;

export const AlertEvent = z.strictObject({
  id: z.int(),
  rule: z.string().check(z.maxLength(64)),
  state: z.enum(['firing', 'resolved']),
  at: Timestamp,
  value: z.nullable(z.number()),
  summary: z.string().check(z.maxLength(1000)),
});
export type AlertEvent = z.infer<typeof AlertEvent>;

export const AlertsView = z.strictObject({
  rules: z.array(AlertStatus).check(z.maxLength(16)),
  /** Newest first. */
  history: z.array(AlertEvent).check(z.maxLength(ALERT_HISTORY)),
});
export type AlertsView = z.infer<typeof AlertsView>;

// ---- audit log -----------------------------------------------------------------------

export const AuditActorType = z.enum(['cart', 'admin', 'system']);
export type AuditActorType = z.infer<typeof AuditActorType>;

/**
 * One audit record as `GET /api/admin/audit` answers it: who changed what, and its link in
 * the hash chain. Texts are bounded by what the server writes into them.
 */
export const AuditRecord = z.strictObject({
  seq: z.int().check(z.minimum(1)),
  at: Timestamp,
  actorType: AuditActorType,
  /** The cart id for a cart's own changes, "admin" for the admin credential, or null. */
  actorId: z.nullable(z.string().check(z.maxLength(128))),
  requestId: z.nullable(z.string().check(z.maxLength(128))),
  clientAddress: z.nullable(z.string().check(z.maxLength(64))),
  /** What happened, e.g. "cart.addLine", "cart.checkout", "admin.product.create". */
  action: z.string().check(z.maxLength(64)),
  cartId: z.nullable(Id),
  beforeVersion: z.nullable(z.int()),
  afterVersion: z.nullable(z.int()),
  /** Non-secret facts of the change (ids, quantities, codes); never tokens or emails. */
  detail: z.record(z.string().check(z.maxLength(64)), z.unknown()),
  /** SHA-256 / HMAC-SHA-256 in hex. */
  prevHash: z.string().check(z.maxLength(64)),
  hash: z.string().check(z.maxLength(64)),
  /** The audit key whose HMAC `hash` is; null for a record from before the chain was keyed. */
  keyId: z.nullable(z.string().check(z.maxLength(32))),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** What a change appends to the audit log: a record before the chain gives it its place. */
export const AuditEntry = z.omit(AuditRecord, {
  seq: true,
  prevHash: true,
  hash: true,
  keyId: true,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** A page of the audit log, newest first; `nextCursor` is the `cursor` of the next page. */
export const AuditPage = z.strictObject({
  items: z.array(AuditRecord).check(z.maxLength(100)),
  nextCursor: z.nullable(z.string().check(z.maxLength(32))),
});
export type AuditPage = z.infer<typeof AuditPage>;

// ---- audit chain --------------------------------------------------------------------

export const AuditChainStatus = z.strictObject({
  intact: z.boolean(),
  records: z.int().check(z.minimum(0)),
  /** The first record that does not verify, when the chain is broken. */
  brokenAtSeq: z.nullable(z.int()),
  checkedAt: Timestamp,
});
export type AuditChainStatus = z.infer<typeof AuditChainStatus>;
