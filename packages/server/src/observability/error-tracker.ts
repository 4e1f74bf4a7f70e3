import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { ClientErrorReport, ErrorSource } from '@cart/core';
import type { ErrorOccurrence, Storage } from '../storage/port.ts';
import {
  MAX_MESSAGE,
  MAX_STACK,
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
}

/** Recordings in flight beyond which a burst is counted and logged, but not stored. */
const MAX_PENDING = 100;
const WARN_INTERVAL_MS = 60_000;

/**
 * Error tracking (docs/operations.md#errors): every unexpected server failure and every
 * error the web app reports, grouped by fingerprint (error-fingerprint.ts) into the
 * `error_groups` table, with count, first and last seen, and the latest occurrence's
 * message, request id and stack.
 *
 * `capture` never throws and never waits: the failing request's answer is not held up
 * by the write, and a write that fails (the database is down) is logged, at most once a
 * minute. `flush` waits for the writes in flight (tests, shutdown).
 */
export class ErrorTracker {
  private readonly pending = new Set<Promise<void>>();
  private readonly captured: Counter<'source'>;
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
        .recordError(this.serverOccurrence(error, context))
        .catch((failure: unknown) => this.warn(failure, 'error tracking could not record an error'))
        .finally(() => this.pending.delete(write));
      this.pending.add(write);
    } catch (failure) {
      this.warn(failure, 'error tracking failed');
    }
  }

  /** Records an error the web app reported; resolves once it is stored. */
  async recordClient(report: ClientErrorReport, requestId: string): Promise<void> {
    this.captured.inc({ source: 'client' });
    await this.options.storage.recordError(this.clientOccurrence(report, requestId));
  }

  /** Resolves when every recording started so far has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private serverOccurrence(error: unknown, context: ErrorContext): ErrorOccurrence {
    const errorClass = errorClassOf(error);
    const rawStack = error instanceof Error ? (error.stack ?? '') : '';
    const rawMessage = error instanceof Error ? error.message : describe(error);
    const frame = topServerFrame(rawStack);
    return this.occurrence('server', errorClass, rawMessage, rawStack, frame, context);
  }

  private clientOccurrence(report: ClientErrorReport, requestId: string): ErrorOccurrence {
    const frame = topClientFrame(report.stack);
    const context = { route: pageRoute(report.page), requestId };
    return this.occurrence(
      'client',
      report.errorClass,
      report.message,
      report.stack,
      frame,
      context,
    );
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
      errorClass,
      message: truncate(scrubError(oneLine(message), this.secrets), MAX_MESSAGE),
      route: context.route,
      topFrame: frame?.shown ?? '',
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
