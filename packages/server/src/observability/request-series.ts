import type { MonitoringSeries, SeriesPoint } from '@cart/core';
import type { CartObserver } from '../domain/cart-observer.ts';
import type { AnalyticsEvent } from '../storage/port.ts';
import { LATENCY_BUCKETS, latencyBucket, latencyQuantile } from './latency-buckets.ts';

/** The latency objective: a request slower than this counts against it (a Prometheus bucket bound too). */
export const LATENCY_OBJECTIVE_MS = 300;

const COUNTERS = [
  'requests',
  /** Answers with a 5xx status. */
  'errors',
  /** Requests whose latency was measured (all but event streams). */
  'timed',
  /** Timed requests slower than the latency objective. */
  'slow',
  'rateLimited',
  'cartsCreated',
  'checkouts',
] as const;
type CounterName = (typeof COUNTERS)[number];
const FIELD = Object.fromEntries(COUNTERS.map((name, i) => [name, i])) as Record<
  CounterName,
  number
>;
const FIELDS = COUNTERS.length;

/** Sums over a window, per counter. */
export type WindowTotals = Record<CounterName, number>;

/**
 * One resolution: a ring of `slots` buckets of `resolutionMs` each. A slot remembers
 * which bucket it holds (its index since the epoch), so a slot left over from an
 * earlier lap reads as empty, and a quiet period costs nothing to skip.
 */
class Ring {
  private readonly stamps: Float64Array;
  readonly counters: Uint32Array;
  readonly latency: Uint32Array;

  constructor(
    readonly resolutionMs: number,
    readonly slots: number,
  ) {
    this.stamps = new Float64Array(slots).fill(-1);
    this.counters = new Uint32Array(slots * FIELDS);
    this.latency = new Uint32Array(slots * LATENCY_BUCKETS);
  }

  index(atMs: number): number {
    return Math.floor(atMs / this.resolutionMs);
  }

  /** The slot holding bucket `index`, cleared first if it held an older one. */
  claim(index: number): number {
    const slot = index % this.slots;
    if (this.stamps[slot] !== index) {
      this.stamps[slot] = index;
      this.counters.fill(0, slot * FIELDS, (slot + 1) * FIELDS);
      this.latency.fill(0, slot * LATENCY_BUCKETS, (slot + 1) * LATENCY_BUCKETS);
    }
    return slot;
  }

  /** The slot holding bucket `index`, or -1 when nothing was counted in it (or it is gone). */
  find(index: number): number {
    const slot = index % this.slots;
    return this.stamps[slot] === index ? slot : -1;
  }

  add(atMs: number, field: number, n = 1): void {
    const slot = this.claim(this.index(atMs));
    this.counters[slot * FIELDS + field] = (this.counters[slot * FIELDS + field] ?? 0) + n;
  }

  observe(atMs: number, bucket: number): void {
    const slot = this.claim(this.index(atMs));
    const at = slot * LATENCY_BUCKETS + bucket;
    this.latency[at] = (this.latency[at] ?? 0) + 1;
  }

  count(slot: number, field: number): number {
    return slot < 0 ? 0 : (this.counters[slot * FIELDS + field] ?? 0);
  }
}

export interface RequestSeriesOptions {
  /** How long the 1-second buckets are kept (default 900 s: 15 minutes). */
  fineSeconds?: number;
  /** How long the 1-minute buckets are kept (default 360: 6 hours). */
  coarseMinutes?: number;
  now?: () => number;
}

export interface RequestSample {
  status: number;
  durationMs: number;
  /** False for answers whose duration says nothing about speed (event streams). */
  timed: boolean;
}

/**
 * The live series behind the dashboard charts and the in-process alert rules: requests,
 * 5xx answers, slow requests, a latency distribution, 429s, carts created and checkouts,
 * counted in memory in two rings — 1-second buckets for the last 15 minutes (live
 * charts, short alert windows) and 1-minute buckets for the last 6 hours or more (long
 * burn-rate windows). Memory is fixed: about 300 bytes a bucket. Per process: each
 * instance counts its own traffic, and a restart starts from zero.
 */
export class RequestSeries implements CartObserver {
  private readonly fine: Ring;
  private readonly coarse: Ring;
  private readonly now: () => number;

  constructor(options: RequestSeriesOptions = {}) {
    // One slot more than the retention: the bucket being filled plus the whole retention.
    this.fine = new Ring(1000, (options.fineSeconds ?? 900) + 1);
    this.coarse = new Ring(60_000, (options.coarseMinutes ?? 360) + 1);
    this.now = options.now ?? Date.now;
  }

  /** The longest `minutes` that `series` can answer in full. */
  get retentionMinutes(): number {
    return this.coarse.slots - 1;
  }

  /** The most points `series` answers: a bucket a second, or a minute, over its retention. */
  get maxPoints(): number {
    return Math.max(this.fine.slots, this.coarse.slots) - 1;
  }

  /** Counts one answered request. */
  record(sample: RequestSample): void {
    const at = this.now();
    this.add(at, 'requests');
    if (sample.status >= 500) this.add(at, 'errors');
    if (sample.status === 429) this.add(at, 'rateLimited');
    if (!sample.timed) return;
    this.add(at, 'timed');
    if (sample.durationMs > LATENCY_OBJECTIVE_MS) this.add(at, 'slow');
    const bucket = latencyBucket(sample.durationMs);
    this.fine.observe(at, bucket);
    this.coarse.observe(at, bucket);
  }

  /** The cart observer: counts created carts and checkouts as they are committed. */
  committed(events: readonly AnalyticsEvent[]): void {
    const at = this.now();
    for (const event of events) {
      if (event.type === 'cart_created') this.add(at, 'cartsCreated');
      else if (event.type === 'checked_out') this.add(at, 'checkouts');
    }
  }

  private add(at: number, name: CounterName): void {
    this.fine.add(at, FIELD[name]);
    this.coarse.add(at, FIELD[name]);
  }

  /**
   * The last `minutes` of complete buckets, oldest first: 1-second buckets up to the
   * fine retention (15 minutes), 1-minute buckets beyond. The bucket still being filled
   * is left out, so the newest point never shows a partial second as a dip. `window`
   * holds the quantiles of the whole window, from its summed latency buckets.
   */
  series(minutes: number): MonitoringSeries {
    const ring = minutes * 60 <= this.fine.slots - 1 ? this.fine : this.coarse;
    const wanted = Math.round((minutes * 60_000) / ring.resolutionMs);
    const count = Math.max(1, Math.min(wanted, ring.slots - 1));
    const end = ring.index(this.now()); // exclusive: the bucket being filled
    const points: SeriesPoint[] = [];
    // The window's latency histogram: the points' buckets summed, so that its quantiles
    // are the window's own, not an average of per-point quantiles.
    const summed = new Array<number>(LATENCY_BUCKETS).fill(0);
    let timed = 0;
    for (let index = end - count; index < end; index++) {
      const slot = ring.find(index);
      if (slot >= 0) {
        timed += ring.count(slot, FIELD.timed);
        for (let b = 0; b < LATENCY_BUCKETS; b++)
          summed[b] = (summed[b] ?? 0) + (ring.latency[slot * LATENCY_BUCKETS + b] ?? 0);
      }
      const quantile = (q: number) =>
        slot < 0 ? null : round(latencyQuantile(ring.latency, q, slot * LATENCY_BUCKETS));
      points.push({
        t: index * ring.resolutionMs,
        requests: ring.count(slot, FIELD.requests),
        errors: ring.count(slot, FIELD.errors),
        p50: quantile(0.5),
        p95: quantile(0.95),
        p99: quantile(0.99),
        rateLimited: ring.count(slot, FIELD.rateLimited),
        cartsCreated: ring.count(slot, FIELD.cartsCreated),
        checkouts: ring.count(slot, FIELD.checkouts),
      });
    }
    return {
      resolutionSeconds: ring.resolutionMs / 1000,
      points,
      window: {
        timed,
        p50: round(latencyQuantile(summed, 0.5)),
        p95: round(latencyQuantile(summed, 0.95)),
        p99: round(latencyQuantile(summed, 0.99)),
      },
    };
  }

  /**
   * Sums over the last `windowSeconds`, the bucket being filled included: from the
   * 1-second ring when the window fits in it, else from the 1-minute ring (rounded up
   * to whole minutes, and cut at its retention).
   */
  totals(windowSeconds: number): WindowTotals {
    const ring = windowSeconds <= this.fine.slots - 1 ? this.fine : this.coarse;
    const buckets = Math.min(Math.ceil((windowSeconds * 1000) / ring.resolutionMs), ring.slots - 1);
    const end = ring.index(this.now());
    const sums = new Array<number>(FIELDS).fill(0);
    for (let index = end - buckets + 1; index <= end; index++) {
      const slot = ring.find(index);
      if (slot < 0) continue;
      for (let f = 0; f < FIELDS; f++) sums[f] = (sums[f] ?? 0) + ring.count(slot, f);
    }
    return Object.fromEntries(COUNTERS.map((name, i) => [name, sums[i] ?? 0])) as WindowTotals;
  }
}

/** Milliseconds to 0.01 ms: the chart needs no more, and the JSON stays short. */
function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}
