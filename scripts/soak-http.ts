/**
 * Requests as the soak's shoppers send them, and what came back, counted.
 *
 * A change is sent with an Idempotency-Key and, when its outcome is unknown (no answer,
 * a 5xx, a timeout) sent again with the same key and body until it gets a definite one:
 * the server promises that applies it at most once (docs/api.md), and the soak's ledger
 * checks that promise. Each retry goes to the next instance, as a load balancer would.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const ATTEMPT_TIMEOUT_MS = 15_000;
/** One change is retried this long at most (a restart takes seconds, not a minute). */
const RETRY_BUDGET_MS = 60_000;

export interface Answer {
  /** 0 when there was no HTTP answer (see `error`). */
  status: number;
  body: unknown;
  /** The problem document's `code`, when the answer is one. */
  code: string | null;
  error?: string;
  retryAfterMs?: number;
  replayed: boolean;
}

/** Counts of every attempt, by request kind and status, and of the changes' outcomes. */
export class Stats {
  readonly requests: Record<string, Record<string, number>> = {};
  readonly refusals: Record<string, number> = {};
  readonly changes = { acknowledged: 0, refused: 0, unknown: 0, retried: 0, replayed: 0 };
  private readonly latencies: number[] = [];

  count(kind: string, answer: Answer, ms: number): void {
    const label =
      answer.status !== 0
        ? String(answer.status)
        : answer.error?.startsWith('Timeout')
          ? 'timeout'
          : 'network error';
    const byStatus = (this.requests[kind] ??= {});
    byStatus[label] = (byStatus[label] ?? 0) + 1;
    if (answer.status !== 0) this.latencies.push(ms);
  }

  refused(code: string | null): void {
    const key = code ?? 'no code';
    this.refusals[key] = (this.refusals[key] ?? 0) + 1;
  }

  total(): number {
    return Object.values(this.requests)
      .flatMap((byStatus) => Object.values(byStatus))
      .reduce((a, b) => a + b, 0);
  }

  /** Latency of answered attempts, ms. */
  latency(): { p50: number; p95: number; p99: number; max: number } {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(sorted.at(-1) ?? 0) };
  }
}

export interface SendOptions {
  token?: string;
  body?: unknown;
  key?: string;
  ifMatch?: number;
}

/** One attempt; never throws and never hangs (15 s). */
export async function send(
  base: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const body: unknown = /[/+]json\b/.test(type) && text !== '' ? JSON.parse(text) : undefined;
    const code = (body as { code?: unknown } | undefined)?.code;
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      status: response.status,
      body,
      code: type.startsWith('application/problem+json') && typeof code === 'string' ? code : null,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { status: 0, body: undefined, code: null, error: reason, replayed: false };
  }
}

/** Whether the outcome is unknown and the same request must be sent again. */
export function mustRetry(answer: Answer): boolean {
  return (
    answer.status === 0 ||
    answer.status >= 500 ||
    answer.status === 408 ||
    answer.status === 429 ||
    answer.code === 'IDEMPOTENCY_IN_FLIGHT'
  );
}

export type Outcome =
  | { kind: 'acknowledged'; status: number; body: unknown }
  | { kind: 'refused'; status: number; code: string | null; body: unknown }
  /** Given up while the outcome was still unknown: it may or may not have been applied. */
  | { kind: 'unknown'; reason: string };

export interface Route {
  /** Base URLs of the target's instances. */
  urls: string[];
  stats: Stats;
  /** Past this instant no retry is started (the end of the soak's drain). */
  hardDeadline(): number;
}

/** A change, sent until its outcome is known (see the header), under one Idempotency-Key. */
export async function change(
  route: Route,
  kind: string,
  method: string,
  path: string,
  options: Omit<SendOptions, 'key'>,
): Promise<Outcome> {
  const key = randomUUID();
  const giveUpAt = Math.min(Date.now() + RETRY_BUDGET_MS, route.hardDeadline());
  const offset = Math.floor(Math.random() * route.urls.length);
  for (let attempt = 0; ; attempt += 1) {
    const url = route.urls[(offset + attempt) % route.urls.length] as string;
    const started = performance.now();
    const answer = await send(url, method, path, { ...options, key });
    route.stats.count(kind, answer, performance.now() - started);
    if (!mustRetry(answer)) {
      if (attempt > 0) route.stats.changes.retried += 1;
      if (answer.replayed) route.stats.changes.replayed += 1;
      if (answer.status >= 200 && answer.status < 300) {
        route.stats.changes.acknowledged += 1;
        return { kind: 'acknowledged', status: answer.status, body: answer.body };
      }
      route.stats.changes.refused += 1;
      route.stats.refused(answer.code);
      return { kind: 'refused', status: answer.status, code: answer.code, body: answer.body };
    }
    const backoff = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
    const wait = Math.min(2000, answer.retryAfterMs ?? backoff);
    if (Date.now() + wait > giveUpAt) {
      route.stats.changes.unknown += 1;
      const last = answer.error ?? `${answer.status} ${answer.code ?? ''}`;
      return { kind: 'unknown', reason: `gave up after ${attempt + 1} attempts: ${last}` };
    }
    await sleep(wait);
  }
}
