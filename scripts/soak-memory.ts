/**
 * Resident memory of the server processes under load: sampled from /proc/<pid>/status
 * (VmRSS, what the kernel counts against the process), and judged for levelling off.
 *
 * A restart starts RSS from nothing again, so growth is judged per process lifetime, and
 * only on lifetimes that tell something: those that ran to the end of the load without
 * being killed, for long enough. The targets are arranged to have one (soak-target.ts):
 * on PostgreSQL instance B is never killed, on SQLite the kills stop half-way.
 * In a judged lifetime the first third is warm-up (V8 growing its heap, caches filling);
 * the mean of the last third must be at most 10% above the mean of the middle third.
 */
import { readFileSync } from 'node:fs';
import type { Instance } from './soak-cluster.ts';

const SAMPLE_EVERY_MS = 2000;
/** Most a judged lifetime's last-third mean may exceed its middle-third mean. */
export const MAX_GROWTH = 0.1;
/** Shortest judged lifetime, absolutely and as a share of the load window. */
const MIN_JUDGED_MS = 30_000;
const MIN_JUDGED_SHARE = 0.4;
const MIN_JUDGED_SAMPLES = 9;

/** RSS in kB, or null when the process is gone. */
export function readRssKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb);
  } catch {
    return null;
  }
}

export interface Lifetime {
  instance: string;
  pid: number;
  /** [ms since epoch, kB] */
  samples: [number, number][];
}

export interface LifetimeReport {
  instance: string;
  pid: number;
  /** How it ended: "stopped" (the clean stop after the load), "killed" (a fault), … */
  end: string;
  seconds: number;
  judged: boolean;
  /** Why it was not judged, when it was not. */
  reason?: string;
  firstMB: number;
  peakMB: number;
  lastMB: number;
  middleThirdMB?: number;
  lastThirdMB?: number;
  growth?: number;
  levelsOff?: boolean;
  /** [seconds since the load began, MB], at most 60 points (bucket means). */
  series: [number, number][];
}

export interface MemoryVerdict {
  ok: boolean;
  summary: string;
  lifetimes: LifetimeReport[];
}

/** Samples every live process of `instances` every 2 s until `stop()`. */
export class RssSampler {
  private readonly byPid = new Map<number, Lifetime>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly instances: Instance[]) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = Date.now();
    for (const instance of this.instances) {
      const server = instance.current;
      if (!server?.alive()) continue;
      const kb = readRssKb(server.pid);
      if (kb === null) continue;
      let lifetime = this.byPid.get(server.pid);
      if (!lifetime) {
        lifetime = { instance: instance.name, pid: server.pid, samples: [] };
        this.byPid.set(server.pid, lifetime);
      }
      lifetime.samples.push([now, kb]);
    }
  }

  /** Judges every lifetime seen (see the header), given the load window it ran in. */
  verdict(loadStart: number, loadEnd: number): MemoryVerdict {
    const minMs = Math.max(MIN_JUDGED_MS, MIN_JUDGED_SHARE * (loadEnd - loadStart));
    const reports: LifetimeReport[] = [];
    for (const lifetime of this.byPid.values()) {
      const instance = this.instances.find((i) => i.name === lifetime.instance);
      const end = instance?.history.find((h) => h.pid === lifetime.pid)?.end ?? 'running';
      reports.push(judgeLifetime(lifetime, end, minMs, loadStart));
    }
    const judged = reports.filter((r) => r.judged);
    const growing = judged.filter((r) => r.levelsOff === false);
    const ok = judged.length > 0 && growing.length === 0;
    const summary =
      judged.length === 0
        ? `not judged: no process lived ${Math.round(minMs / 1000)} s to the end of the load unkilled`
        : growing.length > 0
          ? `still growing: ${growing.map((r) => `${r.instance} pid ${r.pid} +${pct(r.growth)}`).join(', ')}`
          : `levels off: ${judged.map((r) => `${r.instance} ${pct(r.growth)} over ${r.seconds} s`).join(', ')}`;
    return { ok, summary, lifetimes: reports };
  }
}

const mb = (kb: number) => Math.round(kb / 102.4) / 10;
const pct = (x: number | undefined) => `${((x ?? 0) * 100).toFixed(1)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function judgeLifetime(
  lifetime: Lifetime,
  end: string,
  minMs: number,
  loadStart: number,
): LifetimeReport {
  const { samples } = lifetime;
  const kbs = samples.map(([, kb]) => kb);
  const first = samples[0]?.[0] ?? loadStart;
  const last = samples.at(-1)?.[0] ?? first;
  const base: LifetimeReport = {
    instance: lifetime.instance,
    pid: lifetime.pid,
    end,
    seconds: Math.round((last - first) / 1000),
    judged: false,
    firstMB: mb(kbs[0] ?? 0),
    peakMB: mb(Math.max(0, ...kbs)),
    lastMB: mb(kbs.at(-1) ?? 0),
    series: compact(samples, 60, loadStart),
  };
  if (end !== 'stopped') return { ...base, reason: `${end}: only a lifetime to the end counts` };
  if (last - first < minMs || samples.length < MIN_JUDGED_SAMPLES)
    return { ...base, reason: `shorter than ${Math.round(minMs / 1000)} s` };
  // Thirds by time, not by count: sampling can stall under load.
  const third = (last - first) / 3;
  const middle = samples.filter(([t]) => t >= first + third && t < first + 2 * third);
  const tail = samples.filter(([t]) => t >= first + 2 * third);
  const middleMean = mean(middle.map(([, kb]) => kb));
  const tailMean = mean(tail.map(([, kb]) => kb));
  const growth = tailMean / middleMean - 1;
  return {
    ...base,
    judged: true,
    middleThirdMB: mb(middleMean),
    lastThirdMB: mb(tailMean),
    growth: Math.round(growth * 1000) / 1000,
    levelsOff: growth <= MAX_GROWTH,
  };
}

/** At most `points` bucket means, as [seconds since `origin`, MB]. */
export function compact(
  samples: [number, number][],
  points: number,
  origin: number,
): [number, number][] {
  const size = Math.max(1, Math.ceil(samples.length / points));
  const out: [number, number][] = [];
  for (let i = 0; i < samples.length; i += size) {
    const bucket = samples.slice(i, i + size);
    const t = mean(bucket.map(([at]) => at));
    out.push([Math.round((t - origin) / 1000), mb(mean(bucket.map(([, kb]) => kb)))]);
  }
  return out;
}
