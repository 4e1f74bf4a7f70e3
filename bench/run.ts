/**
 * `npm run bench`: the cart server's throughput and latency next to bare Fastify, measured
 * in one run on this machine, since absolute numbers mean little across machines.
 *
 * Every scenario starts its own server process(es) pinned to CPU 0, makes its data through
 * the API, and is then driven by a load child (autocannon, bench/load.ts) pinned to CPU 1;
 * this orchestrator only waits meanwhile. Prints one table and the goals, and writes
 * bench/results/<YYYY-MM-DD>.json. Exits 1 when a scenario failed (any non-2xx answer or
 * connection error), 0 otherwise, whether or not the goals are met.
 *
 *   BENCH_DURATION_S    seconds measured per scenario (10)
 *   BENCH_CONNECTIONS   concurrent connections (50)
 *   BENCH_WARMUP_S      seconds of the same load first, not measured (min(2, duration / 4))
 *   BENCH_ONLY          comma-separated scenario names (those they need are added)
 *   BENCH_OUT           results file (bench/results/<YYYY-MM-DD>.json)
 *   BENCH_KEEP=1        keep the run's temporary directory (server logs, databases)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CartApi } from './cart-api.ts';
import { cartServerEntry } from './cart-server.ts';
import {
  createPostgresDatabase,
  deleteRedisKeys,
  postgresUnavailable,
  redisUnavailable,
} from './databases.ts';
import type { LoadSpec } from './load-spec.ts';
import {
  PINNED,
  REPO_ROOT,
  SERVER_CPU,
  clockTicks,
  killAll,
  runLoad,
  type ServerProcess,
} from './processes.ts';
import { addRatios, formatGoals, formatTable, formatWarnings, goals, type Row } from './report.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import { startBackend, type RunResources } from './stacks.ts';

interface Options {
  durationS: number;
  connections: number;
  warmupS: number;
  only: string[] | null;
  out: string;
  keep: boolean;
}

function readOptions(): Options {
  const number = (name: string, fallback: number, min: number, integer = false): number => {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value)))
      throw new Error(`${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}`);
    return value;
  };
  const durationS = number('BENCH_DURATION_S', 10, 0.5);
  const only = process.env.BENCH_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const date = new Date().toISOString().slice(0, 10);
  return {
    durationS,
    connections: number('BENCH_CONNECTIONS', 50, 1, true),
    warmupS: number('BENCH_WARMUP_S', Math.min(2, durationS / 4), 0),
    only: only && only.length > 0 ? only : null,
    out: resolve(process.env.BENCH_OUT ?? join(REPO_ROOT, 'bench', 'results', `${date}.json`)),
    keep: process.env.BENCH_KEEP === '1',
  };
}

/** The scenarios asked for, with those they need, in the table's order. */
function select(only: string[] | null): Scenario[] {
  if (only === null) return SCENARIOS;
  const known = new Map(SCENARIOS.map((s) => [s.name, s]));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new Error(
      `BENCH_ONLY: no scenario ${unknown.join(', ')}; there are ${[...known.keys()].join(', ')}`,
    );
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const need of known.get(name)?.needs ?? []) add(need);
  };
  only.forEach(add);
  return SCENARIOS.filter((s) => wanted.has(s.name));
}

/** `git <args>` in the repository, read-only, or null when git cannot answer. */
function git(args: string[]): string | null {
  // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh (write) the index meanwhile.
  const out = spawnSync('git', args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  return out.status === 0 ? out.stdout.trim() : null;
}

const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

/** One scenario, start to finish: its server(s), its data, its load. Never throws. */
async function measure(
  scenario: Scenario,
  options: Options,
  run: RunResources,
  runDir: string,
  rows: Row[],
): Promise<Row> {
  const row: Row = {
    scenario: scenario.name,
    backend: scenario.backend,
    what: scenario.what,
    status: 'ok',
    baseline: scenario.baseline,
    ratio: null,
  };
  const reqPerSec = (name: string) =>
    rows.find((r) => r.scenario === name && r.status === 'ok')?.result?.reqPerSec;
  let overallRate: number | undefined;
  if (scenario.rate) {
    overallRate = scenario.rate(reqPerSec);
    if (overallRate === undefined)
      return { ...row, status: 'skipped', reason: `needs ${scenario.needs?.join(', ')}` };
    row.overallRate = overallRate;
  }

  const dir = join(runDir, scenario.name);
  mkdirSync(dir);
  console.log(`${scenario.name}: starting the ${scenario.backend} server…`);
  let servers: ServerProcess[];
  try {
    servers = await startBackend(scenario.backend, dir, run);
  } catch (error) {
    console.error(`\n*** ${scenario.name} FAILED to start:\n${String(error)}\n`);
    return { ...row, status: 'failed', reason: 'server did not start' };
  }
  try {
    const setupStarted = performance.now();
    const mix = await scenario.prepare(new CartApi(servers[0]!.url, run.adminToken));
    row.setupS = seconds(setupStarted);
    console.log(
      `${scenario.name}: data ready in ${row.setupS} s; ` +
        `${options.warmupS} s warm-up, ${options.durationS} s measured` +
        (overallRate === undefined ? '' : ` at ${overallRate} req/s`),
    );
    const spec: LoadSpec = {
      scenario: scenario.name,
      targets: servers.map((s) => s.url),
      mix,
      connections: options.connections,
      durationS: options.durationS,
      warmupS: options.warmupS,
      ...(overallRate === undefined ? {} : { overallRate }),
      keyPrefix: `bench-${randomBytes(4).toString('hex')}`,
      serverPids: servers.map((s) => s.pid),
      clockTicks: clockTicks(),
      serverCpuIndex: PINNED ? SERVER_CPU : null,
    };
    const result = await runLoad(spec, dir);
    row.result = result;
    const { warmup } = result;
    if (
      result.requests === 0 ||
      result.non2xx + result.errors + warmup.non2xx + warmup.errors > 0
    ) {
      row.status = 'failed';
      row.reason =
        result.requests === 0
          ? 'no answers'
          : `${result.non2xx} non-2xx, ${result.errors} connection errors` +
            ` (warm-up: ${warmup.non2xx} non-2xx, ${warmup.errors} connection errors)`;
      console.error(
        `\n*** ${scenario.name} FAILED: ${row.reason}\n` +
          `statuses: ${JSON.stringify(result.statuses)}\n` +
          result.failures.map((f) => `  ${f.status} ${f.body}`).join('\n') +
          `\nserver log(s): ${servers.map((s) => s.logFile).join(', ')}\n`,
      );
    }
    return row;
  } catch (error) {
    console.error(`\n*** ${scenario.name} FAILED:\n${String(error)}\n`);
    return { ...row, status: 'failed', reason: error instanceof Error ? error.message : 'error' };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * The backends that cannot run here, and why (PostgreSQL or Redis unreachable); makes
 * the run's PostgreSQL database when it is needed and reachable.
 */
async function unavailableBackends(
  scenarios: Scenario[],
  run: RunResources,
): Promise<Map<string, string>> {
  const skip = new Map<string, string>();
  const backends = new Set(scenarios.map((s) => s.backend));
  if (backends.has('postgres') || backends.has('postgres+redis')) {
    const why = await postgresUnavailable();
    if (why === null) run.postgres = await createPostgresDatabase();
    else skip.set('postgres', why).set('postgres+redis', why);
  }
  if (backends.has('postgres+redis') && !skip.has('postgres+redis')) {
    const why = await redisUnavailable();
    if (why !== null) skip.set('postgres+redis', why);
  }
  return skip;
}

async function main(): Promise<void> {
  const options = readOptions();
  const scenarios = select(options.only);
  const runDir = mkdtempSync(join(tmpdir(), 'cart-bench-'));
  const run: RunResources = {
    adminToken: `bench-admin-${randomBytes(16).toString('hex')}`,
    auditKeys: `bench:${randomBytes(32).toString('base64')}`,
    redisPrefix: `cart-bench-${randomBytes(4).toString('hex')}:`,
    postgres: null,
  };

  let cleaned = false;
  const cleanup = async (keepDir: boolean) => {
    if (cleaned) return;
    cleaned = true;
    killAll();
    await run.postgres
      ?.drop()
      .catch((e: unknown) => console.error(`dropping the database: ${String(e)}`));
    if (scenarios.some((s) => s.backend === 'postgres+redis'))
      await deleteRedisKeys(run.redisPrefix).catch(() => undefined);
    if (!keepDir) rmSync(runDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanup(false).finally(() => process.exit(130)));
  process.once('exit', killAll);

  const serverEntry = await cartServerEntry();
  console.log(
    `cart benchmark: ${scenarios.length} scenarios, ${options.durationS} s each ` +
      `(+${options.warmupS} s warm-up), ${options.connections} connections; ` +
      (PINNED ? 'servers on CPU 0, load on CPU 1' : 'NOT pinned (no taskset or one CPU)') +
      `\ncart server: ${serverEntry.file} (${serverEntry.why})`,
  );

  // Pinning keeps our processes apart, not others off our CPUs: say when numbers are noisy.
  const loadAtStart = loadavg()[0]!;
  if (loadAtStart > 0.5)
    console.log(
      `note: this machine is busy (load average ${loadAtStart.toFixed(2)}): numbers will be noisy`,
    );

  const rows: Row[] = [];
  try {
    const skip = await unavailableBackends(scenarios, run);
    for (const scenario of scenarios) {
      const why = skip.get(scenario.backend);
      if (why !== undefined) {
        console.log(`${scenario.name}: skipped: ${why}`);
        rows.push({
          scenario: scenario.name,
          backend: scenario.backend,
          what: scenario.what,
          status: 'skipped',
          reason: why,
          baseline: scenario.baseline,
          ratio: null,
        });
        continue;
      }
      rows.push(await measure(scenario, options, run, runDir, rows));
    }
  } catch (error) {
    await cleanup(true);
    throw error;
  }

  addRatios(rows);
  const goalList = goals(rows);
  console.log(
    `\n${formatTable(rows)}\n${formatWarnings(rows)}` +
      `\nGoals (reported, not enforced):\n${formatGoals(goalList)}`,
  );

  const failed = rows.filter((r) => r.status === 'failed');
  const barePerSecond = (name: string) =>
    rows.find((r) => r.scenario === name && r.status === 'ok')?.result?.reqPerSec ?? null;
  const results = {
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']),
    /** Whether tracked files differed from that commit (the numbers are of the files as they were). */
    uncommittedChanges: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    node: process.version,
    os: { platform: platform(), release: release(), arch: arch() },
    cpu: { model: cpus()[0]?.model ?? 'unknown', count: cpus().length },
    memoryBytes: totalmem(),
    /** 1-minute load averages before and after: above ~0.5, others shared the CPUs. */
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    pinned: PINNED,
    serverEntry,
    settings: {
      durationS: options.durationS,
      warmupS: options.warmupS,
      connections: options.connections,
      only: options.only,
    },
    baselines: { bareGet: barePerSecond('bare-get'), barePost: barePerSecond('bare-post') },
    ratios: Object.fromEntries(
      rows.filter((r) => r.ratio !== null).map((r) => [r.scenario, r.ratio]),
    ),
    goals: goalList,
    scenarios: rows,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${options.out}`);

  await cleanup(failed.length > 0 || options.keep);
  if (options.keep) console.log(`run directory kept: ${runDir}`);
  if (failed.length > 0) {
    console.error(
      `\n${failed.length} scenario(s) FAILED: ${failed.map((r) => r.scenario).join(', ')}; ` +
        `logs kept in ${runDir}`,
    );
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  // A bad option or an unreachable dependency: one message, no stack trace.
  killAll();
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
