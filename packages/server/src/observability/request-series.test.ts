import { describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../storage/port.ts';
import { BUCKET_RATIO } from './latency-buckets.ts';
import { RequestSeries } from './request-series.ts';

/** A series on a clock the test moves, starting on a minute boundary. */
function series(options: { fineSeconds?: number; coarseMinutes?: number } = {}) {
  const clock = { now: Date.UTC(2026, 0, 1, 12, 0, 0) };
  const s = new RequestSeries({ ...options, now: () => clock.now });
  return { s, clock, advance: (ms: number) => (clock.now += ms) };
}

const ok = (durationMs: number) => ({ status: 200, durationMs, timed: true });
const event = (type: AnalyticsEvent['type']): AnalyticsEvent => ({
  at: new Date().toISOString(),
  type,
  cartId: 'c1',
});

describe('RequestSeries', () => {
  it('counts requests, 5xx, 429 and latency per 1-second bucket, oldest first', () => {
    const { s, advance, clock } = series();
    const start = clock.now;
    for (let i = 0; i < 98; i++) s.record(ok(10));
    s.record({ status: 503, durationMs: 20, timed: true });
    s.record({ status: 429, durationMs: 1, timed: true });
    advance(1000);
    s.record({ status: 500, durationMs: 400, timed: true });
    advance(1000);

    const { resolutionSeconds, points } = s.series(1);
    expect(resolutionSeconds).toBe(1);
    expect(points).toHaveLength(60);
    const [first, second] = points.slice(-2);
    expect(first).toMatchObject({ t: start, requests: 100, errors: 1, rateLimited: 1 });
    expect(second).toMatchObject({ t: start + 1000, requests: 1, errors: 1, rateLimited: 0 });
    expect((first?.p50 ?? 0) / 10).toBeLessThanOrEqual(BUCKET_RATIO);
    expect(10 / (first?.p50 ?? 1)).toBeLessThanOrEqual(BUCKET_RATIO);
    expect(second?.p99).toBeGreaterThan(300);
    // Quiet buckets are there, with zeros and no quantiles.
    expect(points[0]).toEqual({
      t: start - 58_000,
      requests: 0,
      errors: 0,
      p50: null,
      p95: null,
      p99: null,
      rateLimited: 0,
      cartsCreated: 0,
      checkouts: 0,
    });
  });

  it("answers the window's quantiles from its summed buckets, not the latest second's", () => {
    const { s, advance } = series();
    // 19 fast seconds and one slow one: every per-second p95 is 2 ms or 80 ms, and the
    // latest busy second is fast; the window's p95 is the 95th of 100 requests.
    for (let second = 0; second < 20; second++) {
      const slow = second === 3;
      for (let i = 0; i < 5; i++) s.record(ok(slow ? 80 : 2));
      advance(1000);
    }
    const { points, window } = s.series(1);
    expect(points.at(-1)?.p95).toBeLessThan(2 * BUCKET_RATIO);
    expect(window.timed).toBe(100);
    // 95 fast, 5 slow: the 95th is the last fast one; the 99th is slow.
    expect(window.p95).toBeLessThan(2 * BUCKET_RATIO);
    expect(window.p99).toBeGreaterThan(80 / BUCKET_RATIO);
    for (let i = 0; i < 10; i++) s.record(ok(80));
    advance(1000);
    // 15 slow of 110: now the 95th is slow too.
    expect(s.series(1).window.p95).toBeGreaterThan(80 / BUCKET_RATIO);
    expect(s.series(1).window.timed).toBe(110);
  });

  it('answers no quantiles for a window without timed requests', () => {
    const { s, advance } = series();
    s.record({ status: 200, durationMs: 5, timed: false });
    advance(1000);
    expect(s.series(1).window).toEqual({ timed: 0, p50: null, p95: null, p99: null });
  });

  it('leaves out the bucket still being filled', () => {
    const { s, advance } = series();
    s.record(ok(5));
    expect(s.series(1).points.reduce((n, p) => n + p.requests, 0)).toBe(0);
    advance(1000);
    expect(s.series(1).points.reduce((n, p) => n + p.requests, 0)).toBe(1);
  });

  it('counts carts created and checkouts from committed events', () => {
    const { s, advance } = series();
    s.committed([event('cart_created'), event('line_added')]);
    s.committed([event('checkout_started'), event('checked_out'), event('cart_created')]);
    advance(1000);
    const last = s.series(1).points.at(-1);
    expect(last).toMatchObject({ cartsCreated: 2, checkouts: 1, requests: 0 });
  });

  it('switches to 1-minute buckets beyond the fine retention, and keeps them for hours', () => {
    const { s, advance, clock } = series();
    s.record(ok(5));
    s.record({ status: 500, durationMs: 5, timed: true });
    advance(60_000);
    const { resolutionSeconds, points } = s.series(60);
    expect(resolutionSeconds).toBe(60);
    expect(points).toHaveLength(60);
    expect(points.at(-1)).toMatchObject({ t: clock.now - 60_000, requests: 2, errors: 1 });

    // Five hours later the minute is still there, the seconds long gone.
    advance(5 * 3600_000);
    expect(s.series(360).points.find((p) => p.requests > 0)).toMatchObject({ errors: 1 });
    expect(s.series(15).points.every((p) => p.requests === 0)).toBe(true);
  });

  it('forgets buckets older than the retention (a slot reused on the next lap)', () => {
    const { s, advance } = series({ fineSeconds: 10, coarseMinutes: 2 });
    s.record(ok(5));
    advance(11_000); // the same slot index comes round again after 11 slots
    s.record(ok(5));
    s.record(ok(5));
    advance(1000);
    expect(s.totals(10).requests).toBe(2);
    expect(s.series(0.1).points.map((p) => p.requests)).toEqual([0, 0, 0, 0, 0, 2]);
    expect(s.retentionMinutes).toBe(2);
    expect(s.series(100).points).toHaveLength(2); // cut at the retention
  });

  it('sums windows including the bucket being filled, from the ring that fits', () => {
    const { s, advance } = series();
    for (let i = 0; i < 10; i++) {
      s.record(ok(i < 3 ? 500 : 50));
      advance(1000);
    }
    s.record({ status: 502, durationMs: 10, timed: true });
    s.record({ status: 200, durationMs: 60_000, timed: false }); // an event stream
    expect(s.totals(1)).toMatchObject({ requests: 2, errors: 1, timed: 1, slow: 0 });
    expect(s.totals(5)).toMatchObject({ requests: 6, errors: 1, timed: 5, slow: 0 });
    expect(s.totals(11)).toMatchObject({ requests: 12, errors: 1, timed: 11, slow: 3 });
    // An hour is read from the minute ring: everything so far.
    expect(s.totals(3600)).toMatchObject({ requests: 12, errors: 1, timed: 11, slow: 3 });
  });

  it('never counts the event stream in the latency distribution', () => {
    const { s, advance } = series();
    s.record({ status: 200, durationMs: 120_000, timed: false });
    advance(1000);
    expect(s.series(1).points.at(-1)).toMatchObject({ requests: 1, p50: null, p99: null });
  });
});
