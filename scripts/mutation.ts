/**
 * `npm run test:mutation`: mutation testing (StrykerJS, vitest runner) of packages/core and
 * of the server's idempotency, audit chain, token and rate-limit modules, one target after
 * the other, then the scores in bench/results/mutation-<YYYY-MM-DD>.json.
 * docs/mutation-testing.md explains the targets, the run times and the equivalent mutants.
 *
 *   tsx scripts/mutation.ts                     every target: core, server, server-http
 *   tsx scripts/mutation.ts core server         some of them
 *   tsx scripts/mutation.ts core -- --concurrency 2
 *                                               options after `--` go to `stryker run`
 *   MUTATION_OUT=path                           results file (bench/results/mutation-<date>.json)
 *
 * Each target is `stryker run stryker.<target>.config.mjs`; its JSON report
 * (reports/mutation/<target>.json) is summed up per file. An existing results file keeps
 * the targets this run did not measure. Exits 1 when Stryker failed, 2 on a bad argument;
 * scores are reported, not enforced.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);
const TARGETS = ['core', 'server', 'server-http'] as const;
type Target = (typeof TARGETS)[number];

/** The statuses of mutation-testing-report-schema, as Stryker's JSON report writes them. */
type MutantStatus =
  | 'Killed'
  | 'Survived'
  | 'NoCoverage'
  | 'Timeout'
  | 'CompileError'
  | 'RuntimeError'
  | 'Ignored'
  | 'Pending';

/** The part of Stryker's JSON report read here. */
interface StrykerReport {
  files: Record<string, { mutants: { status: MutantStatus }[] }>;
  /** The options the run resolved, config file and command line together. */
  config: {
    concurrency?: number;
    coverageAnalysis: string;
    ignoreStatic: boolean;
    timeoutMS: number;
  };
}

interface Counts {
  mutants: number;
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  ignored: number;
  errors: number;
  /** Stryker's mutation score: detected (killed + timeout) ÷ valid (detected + undetected), %. */
  score: number | null;
  /** The same over mutants some test reaches (no-coverage ones left out), %. */
  scoreCovered: number | null;
}

function countMutants(statuses: readonly MutantStatus[]): Counts {
  const n = (status: MutantStatus) => statuses.filter((s) => s === status).length;
  const killed = n('Killed');
  const timeout = n('Timeout');
  const survived = n('Survived');
  const noCoverage = n('NoCoverage');
  const detected = killed + timeout;
  const percent = (part: number, whole: number) =>
    whole === 0 ? null : Math.round((part / whole) * 10_000) / 100;
  return {
    mutants: statuses.length,
    killed,
    survived,
    timeout,
    noCoverage,
    ignored: n('Ignored'),
    errors: n('CompileError') + n('RuntimeError'),
    score: percent(detected, detected + survived + noCoverage),
    scoreCovered: percent(detected, detected + survived),
  };
}

function git(args: string[]): string | null {
  // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh (write) the index meanwhile.
  const out = spawnSync('git', args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  return out.status === 0 ? out.stdout.trim() : null;
}

function packageVersion(name: string): string {
  const file = join(REPO_ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function readArguments(argv: string[]): { targets: Target[]; strykerArgs: string[] } {
  const dashes = argv.indexOf('--');
  const names = dashes < 0 ? argv : argv.slice(0, dashes);
  const strykerArgs = dashes < 0 ? [] : argv.slice(dashes + 1);
  const unknown = names.filter((name) => !(TARGETS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown target(s) ${unknown.join(', ')}: the targets are ${TARGETS.join(', ')}`,
    );
  }
  return { targets: names.length === 0 ? [...TARGETS] : (names as Target[]), strykerArgs };
}

/** Runs one target's Stryker; its result, or null when Stryker failed. */
function runTarget(target: Target, strykerArgs: string[]) {
  const config = `stryker.${target}.config.mjs`;
  const report = join(REPO_ROOT, 'reports', 'mutation', `${target}.json`);
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  say(`\n== ${target}: stryker run ${[config, ...strykerArgs].join(' ')}`);
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js'),
      'run',
      config,
      ...strykerArgs,
    ],
    { cwd: REPO_ROOT, stdio: 'inherit' },
  );
  const wallClockSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  if (run.status !== 0) {
    warn(`${target}: stryker exited with ${run.status ?? run.signal}`);
    return null;
  }
  const { files, config: options } = JSON.parse(readFileSync(report, 'utf8')) as StrykerReport;
  const byFile = Object.fromEntries(
    Object.entries(files)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, { mutants }]) => [file, countMutants(mutants.map((m) => m.status))]),
  );
  const totals = countMutants(
    Object.values(files).flatMap(({ mutants }) => mutants.map((m) => m.status)),
  );
  say(
    `${target}: score ${totals.score ?? '–'}% (${totals.killed} killed, ${totals.timeout} timed out, ` +
      `${totals.survived} survived, ${totals.noCoverage} without coverage, ${totals.ignored} ignored) ` +
      `in ${Math.round(wallClockSeconds / 60)} min`,
  );
  return {
    target,
    config,
    strykerArgs,
    settings: {
      concurrency: options.concurrency ?? null,
      coverageAnalysis: options.coverageAnalysis,
      ignoreStatic: options.ignoreStatic,
      timeoutMS: options.timeoutMS,
    },
    startedAt: startedAt.toISOString(),
    wallClockSeconds,
    /** 1-minute load averages before and after: above ~0.5, others shared the CPUs. */
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    totals,
    files: byFile,
  };
}

type TargetResult = NonNullable<ReturnType<typeof runTarget>>;

function main(): number {
  let options: ReturnType<typeof readArguments>;
  try {
    options = readArguments(process.argv.slice(2));
  } catch (error) {
    warn((error as Error).message);
    return 2;
  }
  const date = new Date().toISOString();
  const out = resolve(
    process.env.MUTATION_OUT ??
      join(REPO_ROOT, 'bench/results', `mutation-${date.slice(0, 10)}.json`),
  );
  const results: TargetResult[] = [];
  let failed = false;
  for (const target of options.targets) {
    const result = runTarget(target, options.strykerArgs);
    if (result) results.push(result);
    else failed = true;
  }
  if (results.length === 0) return 1;

  // The targets measured before into this file stay, each with the time it was measured
  // (a file written in another form is replaced whole).
  const previous = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as { targets?: unknown }).targets
    : undefined;
  const kept = Array.isArray(previous)
    ? (previous as TargetResult[]).filter((t) => !results.some((r) => r.target === t.target))
    : [];
  const file = {
    date,
    commit: git(['rev-parse', 'HEAD']),
    /** Whether tracked files differed from that commit (the scores are of the files as they were). */
    uncommittedChanges: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    node: process.version,
    os: { platform: platform(), release: release(), arch: arch() },
    cpu: { model: cpus()[0]?.model ?? 'unknown', count: cpus().length },
    memoryBytes: totalmem(),
    versions: {
      stryker: packageVersion('@stryker-mutator/core'),
      vitestRunner: packageVersion('@stryker-mutator/vitest-runner'),
      vitest: packageVersion('vitest'),
    },
    targets: [...kept, ...results].sort(
      (a, b) => TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target),
    ),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  say(`\nresults: ${out}`);
  return failed ? 1 : 0;
}

process.exitCode = main();
