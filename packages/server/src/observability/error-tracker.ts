import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { ERROR_GROUP_LIMITS, type ClientErrorReport, type ErrorSource } from '@cart/core';
import type { ErrorOccurrence, ErrorRecordOutcome, Storage } from '../storage/port.ts';
import {
  INPUT_BOUNDS,
  MAX_MESSAGE,
  MAX_STACK,
  boundText,
  errorClassOf,
  fingerprintOf,
  pageRoute,
  scrubError,
  topClientFrame,
  topServerFrame,
  truncate,
} from './error-fingerprint.ts';

declare module 'fastify' {
  interface FastifyInstance {
    errorTracker: ErrorTracker;
  }
}

export interface ErrorContext {
  /** Route template (`GET /api/carts/:id`), or what failed in the background. */
  route: string;
  requestId: string | null;
}

export interface ErrorTrackerOptions {
  storage: Storage;
  log: FastifyBaseLogger;
  /** The app's registry: `cart_errors_captured_total{source}` is added to it. */
  registry: Registry;
  /** Literal values never to be kept (the configured tokens and secret). */
  secrets?: readonly (string | undefined)[];
  now?: () => Date;
  /** Bounds on the groups (config ERROR_GROUPS_*); unbounded when absent (unit tests). */
  limits?: ErrorGroupBounds;
}

export interface ErrorGroupBounds {
  /** New groups one client may start per hour with its reports. */
  newGroupsPerClientHour: number;
  /** Groups kept per source; beyond, a new group is dropped. */
  maxGroups: number;
}

const UNBOUNDED: ErrorGroupBounds = {
  newGroupsPerClientHour: Number.MAX_SAFE_INTEGER,
  maxGroups: Number.MAX_SAFE_INTEGER,
};

/** Recordings in flight beyond which a burst is counted and logged, but not stored. */
const MAX_PENDING = 100;
const WARN_INTERVAL_MS = 60_000;
const HOUR_MS = 3_600_000;
/**
 * Clients whose new groups are counted in one hour: a client beyond it (a flood from
 * very many addresses) starts no new group until the hour ends, so that the counts
 * themselves stay bounded.
 */
const MAX_QUOTA_CLIENTS = 100_000;

/**
 * New groups per client in the current hour (a fixed window, reset whole on the hour:
 * one map of at most MAX_QUOTA_CLIENTS entries). A slot is taken before the write that
 * may create a group, and given back if the write did not, so that concurrent reports
 * of one client cannot pass its quota together.
 */
class NewGroupQuota {
  private readonly used = new Map<string, number>();
  private windowStart = -Infinity;

  constructor(private readonly perClient: number) {}

  take(client: string, now: number): boolean {
    if (now - this.windowStart >= HOUR_MS) {
      this.used.clear();
      this.windowStart = now;
    }
    const used = this.used.get(client) ?? 0;
    if (used >= this.perClient) return false;
    if (used === 0 && this.used.size >= MAX_QUOTA_CLIENTS) return false;
    this.used.set(client, used + 1);
    return true;
  }

  giveBack(client: string): void {
    const used = this.used.get(client);
    if (used === undefined) return;
    if (used <= 1) this.used.delete(client);
    else this.used.set(client, used - 1);
  }
}

/**
 * Error tracking (docs/operations.md#error-tracking): every unexpected server failure and every
 * error the web app reports, grouped by fingerprint (error-fingerprint.ts) into the
 * `error_groups` table, with count, first and last seen, and the latest occurrence's
 * message, request id and stack.
 *
 * `capture` never throws and never waits: the failing request's answer is not held up
 * by the write, and a write that fails (the database is down) is logged, at most once a
 * minute. `flush` waits for the writes in flight (tests, shutdown).
 *
 * What a stranger can make it hold is bounded (docs/security.md, API4): each text is
 * cut before it is parsed (`boundText`), every scan of it is linear, one client starts
 * at most `newGroupsPerClientHour` new groups (its reports still count in groups that
 * exist), each source keeps at most `maxGroups` groups, and the background sweep
 * deletes groups not seen for ERROR_GROUP_RETENTION_DAYS. An occurrence dropped by a
 * bound is counted in `cart_error_occurrences_dropped_total{reason}`.
 */
export class ErrorTracker {
  private readonly pending = new Set<Promise<void>>();
  private readonly captured: Counter<'source'>;
  private readonly dropped: Counter<'reason'>;
  private readonly limits: ErrorGroupBounds;
  private readonly quota: NewGroupQuota;
  private readonly secrets: string[];
  private readonly now: () => Date;
  private lastWarning = -Infinity;

  constructor(private readonly options: ErrorTrackerOptions) {
    this.secrets = (options.secrets ?? []).filter(
      (s): s is string => typeof s === 'string' && s.length >= 8,
    );
    this.now = options.now ?? (() => new Date());
    const existing = options.registry.getSingleMetric('cart_errors_captured_total');
    this.captured =
      (existing as Counter<'source'> | undefined) ??
      new Counter({
        name: 'cart_errors_captured_total',
        help: 'Errors captured by error tracking: unexpected server failures and browser reports.',
        labelNames: ['source'],
        registers: [options.registry],
      });
    for (const source of ['server', 'client'] as const) this.captured.inc({ source }, 0);
    const droppedMetric = options.registry.getSingleMetric('cart_error_occurrences_dropped_total');
    this.dropped =
      (droppedMetric as Counter<'reason'> | undefined) ??
      new Counter({
        name: 'cart_error_occurrences_dropped_total',
        help: 'Error occurrences not stored because they would have started a new group beyond a bound: quota (the client started its hourly number of new groups) or cap (ERROR_GROUPS_MAX groups of that source).',
        labelNames: ['reason'],
        registers: [options.registry],
      });
    for (const reason of ['quota', 'cap'] as const) this.dropped.inc({ reason }, 0);
    this.limits = options.limits ?? UNBOUNDED;
    this.quota = new NewGroupQuota(this.limits.newGroupsPerClientHour);
  }

  /** Captures a failure of a request: its route template and its request id. */
  captureRequest(error: unknown, request: FastifyRequest): void {
    const route = `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;
    this.capture(error, { route, requestId: request.id });
  }

  /** Captures a server-side failure, in the background. Never throws. */
  capture(error: unknown, context: ErrorContext): void {
    try {
      this.captured.inc({ source: 'server' });
      if (this.pending.size >= MAX_PENDING) {
        this.warn(new Error('too many errors at once'), 'error tracking skipped an occurrence');
        return;
      }
      const write = this.options.storage
        .recordError(this.serverOccurrence(error, context), {
          mayCreate: true,
          maxGroups: this.limits.maxGroups,
        })
        .then((outcome) => this.countDropped(outcome, true))
        .catch((failure: unknown) => this.warn(failure, 'error tracking could not record an error'))
        .finally(() => this.pending.delete(write));
      this.pending.add(write);
    } catch (failure) {
      this.warn(failure, 'error tracking failed');
    }
  }

  /**
   * Records an error the web app reported, from `client` (its address); resolves once it
   * is stored, or dropped by a bound.
   */
  async recordClient(
    report: ClientErrorReport,
    requestId: string,
    client: string,
  ): Promise<ErrorRecordOutcome> {
    this.captured.inc({ source: 'client' });
    const occurrence = this.clientOccurrence(report, requestId);
    const mayCreate = this.quota.take(client, this.now().getTime());
    let outcome: ErrorRecordOutcome = 'refused';
    try {
      outcome = await this.options.storage.recordError(occurrence, {
        mayCreate,
        maxGroups: this.limits.maxGroups,
      });
    } finally {
      if (mayCreate && outcome !== 'created') this.quota.giveBack(client);
    }
    this.countDropped(outcome, mayCreate);
    return outcome;
  }

  private countDropped(outcome: ErrorRecordOutcome, mayCreate: boolean): void {
    if (outcome === 'refused') this.dropped.inc({ reason: mayCreate ? 'cap' : 'quota' });
  }

  /** Resolves when every recording started so far has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private serverOccurrence(error: unknown, context: ErrorContext): ErrorOccurrence {
    const errorClass = errorClassOf(error);
    // A server error's text may quote a client's input (a parser's message): cut it too.
    const rawStack = boundText(
      error instanceof Error ? (error.stack ?? '') : '',
      INPUT_BOUNDS.stack,
    );
    const rawMessage = error instanceof Error ? error.message : describe(error);
    const frame = topServerFrame(rawStack);
    return this.occurrence('server', errorClass, rawMessage, rawStack, frame, context);
  }

  private clientOccurrence(report: ClientErrorReport, requestId: string): ErrorOccurrence {
    // Cut before anything reads it (the schema already bounds each field: this bounds
    // the lines and the work, whatever the schema allows).
    const stack = boundText(report.stack, INPUT_BOUNDS.stack);
    const frame = topClientFrame(stack);
    const context = { route: pageRoute(report.page), requestId };
    return this.occurrence('client', report.errorClass, report.message, stack, frame, context);
  }

  private occurrence(
    source: ErrorSource,
    errorClass: string,
    message: string,
    stack: string,
    frame: { shown: string; key: string } | null,
    context: ErrorContext,
  ): ErrorOccurrence {
    return {
      fingerprint: fingerprintOf({
        source,
        errorClass,
        frameKey: frame?.key ?? '',
        route: context.route,
      }),
      source,
      errorClass: truncate(errorClass, ERROR_GROUP_LIMITS.errorClass),
      message: truncate(
        scrubError(oneLine(boundText(message, INPUT_BOUNDS.message)), this.secrets),
        MAX_MESSAGE,
      ),
      route: truncate(context.route, ERROR_GROUP_LIMITS.route),
      topFrame: truncate(frame?.shown ?? '', ERROR_GROUP_LIMITS.topFrame),
      stack: truncate(scrubError(stack, this.secrets), MAX_STACK),
      requestId: context.requestId,
      at: this.now().toISOString(),
    };
  }

  private warn(error: unknown, message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_INTERVAL_MS) return;
    this.lastWarning = now;
    try {
      this.options.log.warn({ err: error }, message);
    } catch {
      // A logger that throws must not turn error tracking into a new failure.
    }
  }
}

/** Control characters (newlines included) as spaces: a message is one line. */
const oneLine = (text: string) => text.replace(/\p{Cc}+/gu, ' ').trim();

/** Text for a thrown value that is not an Error. */
function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
