/**
 * Fixed, log-spaced latency buckets for the live series: each bucket's upper bound is
 * 2^(1/4) ≈ 1.19 times the one before, from 0.25 ms to 65.5 s, plus one overflow bucket.
 * Every bucket of every series slot uses the same bounds, so buckets add up across time
 * and a quantile is read from the sum. A quantile estimated from them lies in the same
 * bucket as the true value, so it is off by at most a factor of 2^(1/4) (19%) — good
 * enough to draw p50/p95/p99, at a fixed 74 counters per slot.
 */

/** Upper bound of the first bucket, milliseconds. */
const FIRST_BOUND_MS = 0.25;
/** Buckets per doubling of latency. */
const PER_DOUBLING = 4;
/** 0.25 ms × 2^18 = 65.5 s: the last finite bound. */
const DOUBLINGS = 18;

/** Upper bounds (inclusive, as Prometheus' `le`), in milliseconds, ascending. */
export const LATENCY_BOUNDS_MS: readonly number[] = Array.from(
  { length: DOUBLINGS * PER_DOUBLING + 1 },
  (_, i) => FIRST_BOUND_MS * 2 ** (i / PER_DOUBLING),
);

/** The number of buckets: every finite bound, plus the overflow bucket above the last. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The largest ratio between a bucket's upper and lower bound. */
export const BUCKET_RATIO = 2 ** (1 / PER_DOUBLING);

const LAST_BOUND = LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] ?? 0;

/** The bucket `ms` falls in: the first whose upper bound is at least `ms`. */
export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_BOUND_MS)) return 0; // also NaN and negatives
  if (ms > LAST_BOUND) return LATENCY_BOUNDS_MS.length;
  let i = Math.ceil(Math.log2(ms / FIRST_BOUND_MS) * PER_DOUBLING);
  // The logarithm may land one off at an exact bound: settle it against the table.
  while (i > 0 && (LATENCY_BOUNDS_MS[i - 1] ?? 0) >= ms) i -= 1;
  while ((LATENCY_BOUNDS_MS[i] ?? Infinity) < ms) i += 1;
  return i;
}

/**
 * The q-quantile (0 < q ≤ 1) of the latencies counted in `counts` (one count per
 * bucket, `offset` the first of them in a larger array), in milliseconds: the bucket
 * holding the ⌈q·n⌉-th smallest observation, interpolated geometrically inside it
 * (linearly in the first bucket, which starts at 0). The overflow bucket answers its
 * lower bound. Null when nothing was counted.
 */
export function latencyQuantile(counts: ArrayLike<number>, q: number, offset = 0): number | null {
  let total = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) total += counts[offset + i] ?? 0;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let before = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    const count = counts[offset + i] ?? 0;
    if (before + count >= rank) {
      if (i === LATENCY_BOUNDS_MS.length) return LAST_BOUND;
      const upper = LATENCY_BOUNDS_MS[i] ?? LAST_BOUND;
      const fraction = (rank - before) / count;
      if (i === 0) return upper * fraction;
      const lower = LATENCY_BOUNDS_MS[i - 1] ?? 0;
      return lower * (upper / lower) ** fraction;
    }
    before += count;
  }
  return LAST_BOUND; // unreachable: the ranks add up to the total
}
