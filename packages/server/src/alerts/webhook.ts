import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Severity } from './rules.ts';

/** One alert changing state, as the webhook announces it. */
export interface AlertNotice {
  rule: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  summary: string;
  /** When it started firing (ISO 8601). */
  startsAt: string;
  /** When it resolved; null while firing. */
  endsAt: string | null;
}

/** Alertmanager's "zero time": what it sends as `endsAt` for an alert still firing. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The body of an Alertmanager webhook notification (version 4), so that any receiver
 * written for Alertmanager (chat bridges, incident tools) reads ours: one alert a
 * notification, grouped by its name.
 */
export function alertmanagerPayload(notice: AlertNotice) {
  const labels = { alertname: notice.rule, severity: notice.severity };
  const annotations = { summary: notice.summary };
  return {
    version: '4',
    groupKey: `{}:{alertname="${notice.rule}"}`,
    truncatedAlerts: 0,
    status: notice.status,
    receiver: 'cart-server',
    groupLabels: { alertname: notice.rule },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: '',
    alerts: [
      {
        status: notice.status,
        labels,
        annotations,
        startsAt: notice.startsAt,
        endsAt: notice.endsAt ?? ZERO_TIME,
        generatorURL: '',
        fingerprint: createHash('sha256').update(notice.rule).digest('hex').slice(0, 16),
      },
    ],
  };
}

export interface AlertWebhookOptions {
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  /** Wait before the first retry; doubled for each next one. */
  backoffMs?: number;
}

/**
 * POSTs alert notices to ALERT_WEBHOOK_URL, one at a time in the order they happened
 * (a `resolved` never overtakes its `firing`), off the request path: `send` only
 * queues. Each attempt has a timeout; a network error, a timeout, 408, 429 or a 5xx is
 * retried with backoff; after the last attempt the notice is logged as lost. The URL is
 * never logged (it may carry a credential).
 */
export class AlertWebhook {
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(
    private readonly url: string,
    private readonly log: FastifyBaseLogger,
    options: AlertWebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
  }

  send(notice: AlertNotice): void {
    if (this.abort.signal.aborted) return;
    this.queue = this.queue.then(() => this.deliver(notice));
  }

  /** Resolves once every queued notice was delivered or given up on. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Stops: the attempt in flight is aborted and queued notices are dropped. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.queue;
  }

  private async deliver(notice: AlertNotice): Promise<void> {
    const body = JSON.stringify(alertmanagerPayload(notice));
    const about = { alert: notice.rule, status: notice.status };
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (this.abort.signal.aborted) return;
      let outcome: string;
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]),
        });
        await res.body?.cancel();
        if (res.ok) {
          this.log.info({ ...about, attempts: attempt + 1 }, 'alert webhook delivered');
          return;
        }
        outcome = `status ${res.status}`;
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          this.log.error({ ...about, outcome }, 'alert webhook refused the notice');
          return;
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        outcome = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network error';
      }
      if (attempt === this.retries) {
        this.log.error({ ...about, outcome, attempts: attempt + 1 }, 'alert webhook gave up');
        return;
      }
      this.log.warn({ ...about, outcome, attempt: attempt + 1 }, 'alert webhook failed, retrying');
      try {
        await sleep(this.backoffMs * 2 ** attempt, undefined, { signal: this.abort.signal });
      } catch {
        return; // closed while waiting
      }
    }
  }
}
