import { ERROR_CATALOG } from '@cart/core';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { CartObserver } from '../domain/cart-observer.ts';
import type { AnalyticsEvent } from '../storage/port.ts';

/** Order totals in minor units (cents): $5 … $10,000. */
export const CHECKOUT_VALUE_BUCKETS = [
  500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
];

/** Codes that answer a request made on a stale version of the cart (If-Match). */
const CONFLICT_CODES = new Set(['VERSION_CONFLICT']);
const DISCOUNT_ROUTE = '/api/carts/:id/discounts';
const BATCH_ROUTE = '/api/carts/:id/actions';

/** What the metrics need to know about one answered request. */
export interface Answer {
  method: string;
  /** Route template, when a route matched. */
  route: string | undefined;
  /** Catalog code of a problem answer, else null. */
  problemCode: string | null;
  /** Whether the answer is an idempotent replay of a stored one. */
  replayed: boolean;
  /** The rate-limit policy that refused the request, for RATE_LIMITED. */
  ratePolicy: string | null;
  /** Whether the request (a batch) tried to apply a promo code. */
  appliesDiscount: boolean;
}

/** Whether a string is a code of the error catalog (bounds the label values). */
export function isCatalogCode(code: string): boolean {
  return Object.hasOwn(ERROR_CATALOG, code);
}

/**
 * Reads the `code` member of a problem document, serialized as the server writes them
 * (problem.ts: `code` comes right after `type`, `title`, `status` and `detail`, and any
 * `"` inside those is escaped), without parsing the body. Null unless it is a catalog code.
 */
export function problemCodeOf(payload: unknown): string | null {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else if (Buffer.isBuffer(payload) && payload.length <= 64 * 1024) text = payload.toString('utf8');
  else return null;
  const match = /"code":"([A-Z][A-Z0-9_]*)"/.exec(text);
  return match?.[1] !== undefined && isCatalogCode(match[1]) ? match[1] : null;
}

/**
 * The business metrics and the refusal counters of one app, in its registry. It is a
 * cart observer (carts created, lines, discounts, checkouts, abandoned and expired carts
 * are counted from committed changes only, so refusals and replays never count), and
 * `answered` counts every problem answer and the refusals worth watching.
 */
export class CartMetrics implements CartObserver {
  readonly problems: Counter<'code'>;
  readonly cartsCreated: Counter;
  readonly linesAdded: Counter;
  readonly linesRemoved: Counter;
  readonly discountsApplied: Counter;
  readonly discountsRefused: Counter<'code'>;
  readonly checkouts: Counter;
  readonly checkoutValue: Histogram<'currency'>;
  readonly cartsAbandoned: Counter;
  readonly cartsExpired: Counter;
  readonly rateLimitRejections: Counter<'policy'>;
  readonly idempotentReplays: Counter;
  readonly versionConflicts: Counter;
  readonly csrfRejections: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    this.problems = new Counter({
      name: 'cart_http_problems_total',
      help: 'Problem (error) answers, by catalog code.',
      labelNames: ['code'],
      registers,
    });
    this.cartsCreated = counter('cart_carts_created_total', 'Carts created.');
    this.linesAdded = counter('cart_lines_added_total', 'New lines added to carts.');
    this.linesRemoved = counter('cart_lines_removed_total', 'Lines removed from carts.');
    this.discountsApplied = counter(
      'cart_discounts_applied_total',
      'Promo codes applied to carts.',
    );
    this.discountsRefused = new Counter({
      name: 'cart_discounts_refused_total',
      help: 'Promo codes refused when a shopper tried to apply them, by code.',
      labelNames: ['code'],
      registers,
    });
    this.checkouts = counter('cart_checkouts_total', 'Carts checked out (orders placed).');
    this.checkoutValue = new Histogram({
      name: 'cart_checkout_value_minor_units',
      help: 'Order totals at checkout, in minor units (cents) of the currency.',
      labelNames: ['currency'],
      buckets: CHECKOUT_VALUE_BUCKETS,
      registers,
    });
    this.cartsAbandoned = counter(
      'cart_carts_abandoned_total',
      'Carts with items left idle past ABANDON_AFTER_SECONDS.',
    );
    this.cartsExpired = counter('cart_carts_expired_total', 'Carts closed by their expiry.');
    this.rateLimitRejections = new Counter({
      name: 'cart_rate_limit_rejections_total',
      help: 'Requests refused with 429 by a rate limit, by policy.',
      labelNames: ['policy'],
      registers,
    });
    this.idempotentReplays = counter(
      'cart_idempotent_replays_total',
      'Answers replayed for a repeated Idempotency-Key.',
    );
    this.versionConflicts = counter(
      'cart_version_conflicts_total',
      'Changes refused because If-Match named another version (412).',
    );
    this.csrfRejections = counter(
      'cart_csrf_rejections_total',
      'Changes refused by the CSRF checks (403).',
    );
  }

  committed(events: readonly AnalyticsEvent[]): void {
    for (const e of events) this.count(e);
  }

  private count(e: AnalyticsEvent): void {
    switch (e.type) {
      case 'cart_created':
        return this.cartsCreated.inc();
      case 'line_added':
        return this.linesAdded.inc();
      case 'line_removed':
        return this.linesRemoved.inc();
      case 'discount_applied':
        return this.discountsApplied.inc();
      case 'checked_out':
        this.checkouts.inc();
        if (typeof e.amount === 'number')
          this.checkoutValue.observe({ currency: e.currency ?? '' }, e.amount);
        return;
      case 'cart_abandoned':
        return this.cartsAbandoned.inc();
      case 'cart_expired':
        return this.cartsExpired.inc();
      // Counted elsewhere (usage analytics), or not a business counter.
      case 'quantity_changed':
      case 'discount_removed':
      case 'checkout_started':
      case 'cart_merged':
        return;
    }
  }

  /** Counts one answered request. */
  answered(a: Answer): void {
    if (a.replayed) this.idempotentReplays.inc();
    const code = a.problemCode;
    if (code === null) return;
    this.problems.inc({ code });
    if (code === 'RATE_LIMITED')
      this.rateLimitRejections.inc({ policy: a.ratePolicy ?? 'unknown' });
    else if (code === 'CSRF_TOKEN_INVALID') this.csrfRejections.inc();
    // A replayed refusal is the same refusal again, not a new one.
    if (a.replayed) return;
    if (CONFLICT_CODES.has(code)) this.versionConflicts.inc();
    if (
      code.startsWith('DISCOUNT_') &&
      a.method === 'POST' &&
      (a.route === DISCOUNT_ROUTE || (a.route === BATCH_ROUTE && a.appliesDiscount))
    )
      this.discountsRefused.inc({ code });
  }
}
