import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_RATIO,
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
  latencyBucket,
  latencyQuantile,
} from './latency-buckets.ts';

const FIRST = LATENCY_BOUNDS_MS[0] ?? 0;
const LAST = LATENCY_BOUNDS_MS.at(-1) ?? 0;

function histogram(samples: number[]): Uint32Array {
  const counts = new Uint32Array(LATENCY_BUCKETS);
  for (const ms of samples) counts[latencyBucket(ms)] = (counts[latencyBucket(ms)] ?? 0) + 1;
  return counts;
}

/** The nearest-rank quantile: the ⌈q·n⌉-th smallest sample. */
function exactQuantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? NaN;
}

describe('latency buckets', () => {
  it('are log-spaced from 0.25 ms past a minute, with 300 ms inside the range', () => {
    expect(FIRST).toBe(0.25);
    expect(LAST).toBeGreaterThan(60_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++)
      expect((LATENCY_BOUNDS_MS[i] ?? 0) / (LATENCY_BOUNDS_MS[i - 1] ?? 1)).toBeCloseTo(
        BUCKET_RATIO,
        12,
      );
  });

  it('put a value in the first bucket whose upper bound holds it (bounds inclusive)', () => {
    LATENCY_BOUNDS_MS.forEach((bound, i) => {
      expect(latencyBucket(bound)).toBe(i);
      expect(latencyBucket(bound * 1.000001)).toBe(i + 1);
    });
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(-1)).toBe(0);
    expect(latencyBucket(Number.NaN)).toBe(0);
    expect(latencyBucket(10 * 60_000)).toBe(LATENCY_BUCKETS - 1);
  });

  it('answer null for an empty histogram', () => {
    expect(latencyQuantile(new Uint32Array(LATENCY_BUCKETS), 0.5)).toBeNull();
  });

  it('estimate every quantile within one bucket of the true value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 120_000, noNaN: true }), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99, 1),
        (samples, q) => {
          const estimate = latencyQuantile(histogram(samples), q) ?? NaN;
          const exact = exactQuantile(samples, q);
          if (exact > LAST) {
            // Beyond the last bound only "more than a minute" is known.
            expect(estimate).toBe(LAST);
          } else if (exact <= FIRST) {
            expect(estimate).toBeGreaterThanOrEqual(0);
            expect(estimate).toBeLessThanOrEqual(FIRST);
          } else {
            // Same bucket: the ratio is at most the bucket's width.
            expect(estimate / exact).toBeLessThanOrEqual(BUCKET_RATIO * (1 + 1e-9));
            expect(exact / estimate).toBeLessThanOrEqual(BUCKET_RATIO * (1 + 1e-9));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('are monotonic in q', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 120_000, noNaN: true }), {
          minLength: 1,
          maxLength: 100,
        }),
        (samples) => {
          const h = histogram(samples);
          const qs = [0.5, 0.95, 0.99].map((q) => latencyQuantile(h, q) ?? NaN);
          expect(qs[0]).toBeLessThanOrEqual(qs[1] ?? NaN);
          expect(qs[1]).toBeLessThanOrEqual(qs[2] ?? NaN);
        },
      ),
    );
  });

  it('read a slice of a larger array at an offset', () => {
    const big = new Uint32Array(LATENCY_BUCKETS * 2);
    big[LATENCY_BUCKETS + latencyBucket(100)] = 10;
    expect(latencyQuantile(big, 0.5, 0)).toBeNull();
    const p50 = latencyQuantile(big, 0.5, LATENCY_BUCKETS) ?? NaN;
    expect(p50 / 100).toBeLessThanOrEqual(BUCKET_RATIO);
    expect(100 / p50).toBeLessThanOrEqual(BUCKET_RATIO);
  });
});
