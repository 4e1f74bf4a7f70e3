import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  parseRetryAfter,
  retryDelay,
  type RetryPolicy,
} from './backoff.ts';

const policy = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 10 }),
  baseDelayMs: fc.integer({ min: 1, max: 5_000 }),
  maxDelayMs: fc.integer({ min: 1, max: 120_000 }),
  maxRetryAfterMs: fc.integer({ min: 0, max: 600_000 }),
});
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoff with full jitter', () => {
  it('stays within [0, min(cap, base·2^retry)) and never passes the cap', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 0, max: 200 }), unit, (p, retry, r) => {
        const d = backoffDelay(retry, p, r);
        const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** retry);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.max(1, ceiling));
        expect(d).toBeLessThanOrEqual(p.maxDelayMs);
      }),
    );
  });

  it('spreads over the whole window: the random draw maps monotonically onto it', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 0, max: 30 }), unit, unit, (p, retry, r1, r2) => {
        const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
        expect(backoffDelay(retry, p, lo)).toBeLessThanOrEqual(backoffDelay(retry, p, hi));
      }),
    );
    const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, p, 0)).toBe(0);
    expect(backoffDelay(0, p, 0.999)).toBe(99);
    expect(backoffDelay(3, p, 0.999)).toBe(799);
    expect(backoffDelay(4, p, 0.999)).toBe(999); // capped: 1600 → 1000
  });

  it('has a ceiling that doubles until the cap', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 0, max: 40 }), (p, retry) => {
        const near = 1 - Number.EPSILON;
        expect(backoffDelay(retry + 1, p, near)).toBeGreaterThanOrEqual(
          backoffDelay(retry, p, near),
        );
      }),
    );
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 10, 28, 10, 0, 0);

  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 2 ', now)).toBe(2000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores what is not one', () => {
    for (const v of [null, undefined, '', '-1', '1.5', 'soon', '1e3'])
      expect(parseRetryAfter(v, now)).toBeNull();
  });

  it('is honoured up to the cap, and replaces the backoff', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 0, max: 10_000_000 }), unit, (p, after, r) => {
        expect(retryDelay(0, after, p, r)).toBe(Math.min(after, p.maxRetryAfterMs));
      }),
    );
    expect(retryDelay(2, null, DEFAULT_RETRY_POLICY, 0.5)).toBe(
      backoffDelay(2, DEFAULT_RETRY_POLICY, 0.5),
    );
  });
});
