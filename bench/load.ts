/**
 * The load child: `node --conditions=@cart/source --import tsx bench/load.ts <spec.json>`
 * (pinned to its own CPU by bench/run.ts). It drives the servers named in the spec with autocannon, first for the
 * warm-up and then for the measured run, and prints one JSON line (a LoadResult) on
 * stdout. Being its own process, nothing the orchestrator does competes with it.
 *
 * Latencies are recorded here from autocannon's `response` events (milliseconds with
 * sub-millisecond precision) rather than read from its histogram, which keeps whole
 * milliseconds only: a bare GET answers well under one.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './load-spec.ts';

const specFile = process.argv[2];
if (specFile === undefined) throw new Error('usage: load.ts <spec.json>');
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as LoadSpec;
const { mix } = spec;

/** The number of the next request, over every connection, target and phase. */
let n = 0;

/** Builds the n-th request of the mix (autocannon calls this before every request). */
function nextRequest(request: autocannon.Request): autocannon.Request {
  const i = n++;
  const slot = mix.slots[i % mix.slots.length]!;
  const headers: Record<string, string> = {};
  if (slot.token !== undefined) headers.authorization = `Bearer ${slot.token}`;
  if (mix.idempotencyKey === true) headers['idempotency-key'] = `${spec.keyPrefix}-${i}`;
  request.method = mix.method;
  request.path = slot.path;
  request.headers = headers;
  const bodies = slot.bodies ?? mix.bodies;
  if (bodies !== undefined) {
    const body = bodies[Math.floor(i / mix.slots.length) % bodies.length]!;
    headers['content-type'] = 'application/json';
    request.body = body.replaceAll('{{n}}', String(i));
  }
  return request;
}

/** What one phase saw: every answer's status and latency, the first few failures. */
class Recorder {
  readonly latencies: number[] = [];
  readonly statuses: Record<string, number> = {};
  readonly failures: { status: number; body: string }[] = [];

  answer(status: number, ms: number): void {
    this.latencies.push(ms);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  /** Answers not 2xx. */
  non2xx(): number {
    return Object.entries(this.statuses)
      .filter(([status]) => !status.startsWith('2'))
      .reduce((sum, [, count]) => sum + count, 0);
  }

  body(status: number, body: string): void {
    if ((status < 200 || status > 299) && this.failures.length < 5)
      this.failures.push({ status, body: body.slice(0, 500) });
  }
}

interface Lane {
  url: string;
  connections: number;
  rate?: number;
  startAfterMs: number;
}

/** Splits `total` into `parts` whole numbers as even as can be, largest first. */
const split = (total: number, parts: number): number[] =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

/**
 * The autocannon instances of a phase: one per target; at a fixed rate, one per connection.
 *
 * autocannon paces a connection by letting it send its share of each second's requests
 * back to back and then wait for the next second. In one instance every connection starts
 * its second at the same moment, so "half the peak rate" would really be "full load for
 * half of each second", and its latencies those of full load. One instance a connection,
 * their starts spread evenly over a second, spreads those bursts out.
 */
function lanes(): Lane[] {
  const perTarget = split(spec.connections, spec.targets.length);
  const ratePerTarget =
    spec.overallRate === undefined ? [] : split(spec.overallRate, spec.targets.length);
  return spec.targets.flatMap((url, t): Lane[] => {
    const connections = perTarget[t]!;
    if (spec.overallRate === undefined) return [{ url, connections, startAfterMs: 0 }];
    // Every lane sends at least one request a second.
    const count = Math.max(1, Math.min(connections, ratePerTarget[t]!));
    const laneConnections = split(connections, count);
    const laneRates = split(ratePerTarget[t]!, count);
    return laneConnections.map((c, i) => ({
      url,
      connections: c,
      rate: Math.max(1, laneRates[i]!),
      startAfterMs: Math.round((1000 * i) / count),
    }));
  });
}

interface LaneResult {
  result: autocannon.Result;
  answers: number;
  elapsedS: number;
}

function runLane(lane: Lane, durationS: number, recorder: Recorder): Promise<LaneResult> {
  let answers = 0;
  const started = performance.now();
  return new Promise((done, fail) => {
    const instance = autocannon(
      {
        url: lane.url,
        connections: lane.connections,
        // At a fixed rate, stop just before a new second would start another burst
        // (a partial last second at full quota would overstate the rate done).
        duration: lane.rate === undefined ? durationS : durationS - 0.05,
        ...(lane.rate === undefined ? {} : { overallRate: lane.rate }),
        // The run's end is noticed at a sample: sample often, so it ends on time.
        sampleInt: 10,
        // As long as the server's own request timeout: a slow answer is measured, not dropped.
        timeout: 30,
        requests: [{ setupRequest: nextRequest, onResponse: (s, b) => recorder.body(s, b) }],
      },
      (error, result) =>
        error
          ? fail(error)
          : done({ result, answers, elapsedS: (performance.now() - started) / 1000 }),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      answers++;
      recorder.answer(status, ms);
    });
  });
}

/** CPU seconds (user + system) a process has used so far, or null if it cannot be read. */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / spec.clockTicks;
  } catch {
    return null;
  }
}

/**
 * Seconds the servers' CPU has been busy so far, whoever ran on it (the steal included:
 * time the hypervisor gave elsewhere), or null when they are not pinned.
 */
function serverCpuBusySeconds(): number | null {
  if (spec.serverCpuIndex === null) return null;
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${spec.serverCpuIndex} `));
  if (line === undefined) return null;
  // user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / spec.clockTicks;
}

function serversCpuSeconds(): number | null {
  let total = 0;
  for (const pid of spec.serverPids) {
    const seconds = processCpuSeconds(pid);
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}

async function phase(durationS: number) {
  const recorder = new Recorder();
  const serverCpu = serversCpuSeconds();
  const cpuBusy = serverCpuBusySeconds();
  const ownCpu = process.cpuUsage();
  const started = performance.now();
  const lanesDone = await Promise.all(
    lanes().map(async (lane) => {
      await sleep(lane.startAfterMs);
      return runLane(lane, durationS, recorder);
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownCpu);
  const serverCpuAfter = serversCpuSeconds();
  const cpuBusyAfter = serverCpuBusySeconds();
  const servers =
    serverCpu === null || serverCpuAfter === null ? null : (serverCpuAfter - serverCpu) / elapsedS;
  return {
    recorder,
    elapsedS,
    // Per lane, then summed: staggered lanes each run the full duration, but not all at once.
    reqPerSec: lanesDone.reduce((sum, l) => sum + l.answers / l.elapsedS, 0),
    errors: lanesDone.reduce((sum, l) => sum + l.result.errors, 0),
    timeouts: lanesDone.reduce((sum, l) => sum + l.result.timeouts, 0),
    serverCpu: servers,
    loadCpu: (own.user + own.system) / 1e6 / elapsedS,
    othersOnServerCpu:
      cpuBusy === null || cpuBusyAfter === null || servers === null
        ? null
        : Math.max(0, (cpuBusyAfter - cpuBusy) / elapsedS - servers),
  };
}

/** The q-quantile of sorted values (nearest rank), rounded to 0.01 ms. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return Math.round(value * 100) / 100;
}

async function main(): Promise<void> {
  // The warm-up's numbers are dropped, but not its failures.
  const warm = spec.warmupS > 0 ? await phase(spec.warmupS) : null;
  const measured = await phase(spec.durationS);
  const { recorder } = measured;
  const sorted = Float64Array.from(recorder.latencies).sort();
  const requests = sorted.length;
  const result: LoadResult = {
    requests,
    elapsedS: Math.round(measured.elapsedS * 1000) / 1000,
    reqPerSec: Math.round(measured.reqPerSec),
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: quantile(sorted, 1),
    statuses: recorder.statuses,
    non2xx: recorder.non2xx(),
    errors: measured.errors,
    timeouts: measured.timeouts,
    warmup: {
      requests: warm?.recorder.latencies.length ?? 0,
      non2xx: warm?.recorder.non2xx() ?? 0,
      errors: warm?.errors ?? 0,
    },
    failures: [...(warm?.recorder.failures ?? []), ...recorder.failures].slice(0, 5),
    serverCpu: measured.serverCpu === null ? null : Math.round(measured.serverCpu * 100) / 100,
    loadCpu: Math.round(measured.loadCpu * 100) / 100,
    othersOnServerCpu:
      measured.othersOnServerCpu === null
        ? null
        : Math.round(measured.othersOnServerCpu * 100) / 100,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
