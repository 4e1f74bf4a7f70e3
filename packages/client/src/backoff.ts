/** How a request is retried: attempts, the backoff curve, and the cap on Retry-After. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = never retry). */
  maxAttempts: number;
  /** Ceiling of the first retry's delay; it doubles with every retry. */
  baseDelayMs: number;
  /** The ceiling never grows past this. */
  maxDelayMs: number;
  /**
   * A Retry-After up to this long is waited for inside the request; a longer one ends
   * the request with the error (its `retryAfterMs` says how long), for the caller to wait.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 300,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
};

/**
 * Capped exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(cap, base · 2^retry)). Full jitter spreads the clients that failed together
 * (a server restart, a train leaving a tunnel) over the whole window instead of having
 * them retry in step (AWS Architecture Blog, "Exponential Backoff And Jitter").
 *
 * @param retry 0 for the first retry, 1 for the second, …
 * @param random a number in [0, 1)
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 52));
  return Math.floor(random * ceiling);
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Answers the
 * wait in milliseconds (0 for a date in the past), or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date always names a weekday or month; anything else (a negative or
  // fractional number) is not a valid Retry-After and is ignored.
  if (!/[A-Za-z]/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** The wait before retry number `retry`: the server's Retry-After (capped) when it gave one. */
export function retryDelay(
  retry: number,
  retryAfterMs: number | null,
  policy: RetryPolicy,
  random: number,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(retry, policy, random);
}
