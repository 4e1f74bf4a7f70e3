/**
 * The benchmark's child processes: servers pinned to CPU 0, the load child pinned to
 * CPU 1 (with `taskset` where it exists), every one tracked so that an interrupted run
 * leaves none behind. Servers write their logs to a file, never to a pipe: a pipe nobody
 * drains stalls the server, and draining it would make the orchestrator do work during
 * the measurement.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from './load-spec.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** The CPU the servers run on, and the one the load child runs on. */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

const TASKSET = '/usr/bin/taskset';
/** Whether children are pinned to CPUs (taskset exists and there are two CPUs to pin to). */
export const PINNED = existsSync(TASKSET) && cpus().length >= 2;

/** `argv` run on `cpu` only, when pinning is possible. */
export function onCpu(cpu: number, argv: string[]): string[] {
  return PINNED ? [TASKSET, '-c', String(cpu), ...argv] : argv;
}

/** Clock ticks per second of the times in /proc/<pid>/stat. */
export function clockTicks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

/**
 * The environment of a child: PATH and HOME and what the caller gives, nothing else of
 * ours. Inherited variables could change what is measured (NODE_OPTIONS, the coverage
 * collector's NODE_V8_COVERAGE under vitest, a DATABASE_URL of the user's).
 */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    ...extra,
  };
}

const children = new Set<ChildProcess>();

/** Kills (SIGKILL) every child still running: on an interrupted or failed run. */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

export interface ServerProcess {
  url: string;
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Spawns `argv` (pinned to the server CPU) with stdout and stderr going to `logFile`,
 * and waits for the JSON log line whose `msg` is `listeningMessage` and which has a `url`.
 */
export async function startLoggedServer(
  argv: string[],
  env: Record<string, string>,
  logFile: string,
  listeningMessage: string,
): Promise<ServerProcess> {
  const fd = openSync(logFile, 'a');
  const [command, ...args] = onCpu(SERVER_CPU, argv);
  const child = spawn(command!, args, { cwd: REPO_ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  // Polls the file: the log is not a pipe (see the top of this file).
  while (url === undefined) {
    if (gone()) throw new Error(`${argv.join(' ')} exited before listening:\n${tail(logFile)}`);
    if (Date.now() > deadline)
      throw new Error(`${argv.join(' ')} did not start in 60 s:\n${tail(logFile)}`);
    url = findListening(logFile, listeningMessage);
    if (url === undefined) await sleep(50);
  }
  return {
    url,
    pid: child.pid ?? -1,
    logFile,
    stop: async () => {
      if (gone()) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      children.delete(child);
    },
  };
}

function findListening(logFile: string, message: string): string | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (entry.msg === message && typeof entry.url === 'string') return entry.url;
    } catch {
      // a line still being written
    }
  }
  return undefined;
}

/** The bare Fastify baseline (bench/baseline-server.ts), pinned like the cart server. */
export function startBaselineServer(logFile: string): Promise<ServerProcess> {
  return startLoggedServer(
    [process.execPath, '--conditions=@cart/source', '--import', 'tsx', 'bench/baseline-server.ts'],
    childEnv({}),
    logFile,
    'baseline server listening',
  );
}

/**
 * Runs the load child (bench/load.ts) on the load CPU with `spec`, written to a file in
 * `dir` (a spec of 1,000 carts is too long for a command-line argument), and returns
 * the result it prints.
 */
export async function runLoad(spec: LoadSpec, dir: string): Promise<LoadResult> {
  const specFile = join(dir, `load-${spec.scenario}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const [command, ...args] = onCpu(LOAD_CPU, [
    process.execPath,
    '--conditions=@cart/source',
    '--import',
    'tsx',
    'bench/load.ts',
    specFile,
  ]);
  const child = spawn(command!, args, {
    cwd: REPO_ROOT,
    env: childEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // 'close', not 'exit': the result line may still be in the pipe when the child exits.
  const code = await new Promise<number | null>((done) => child.once('close', done));
  children.delete(child);
  if (code !== 0) throw new Error(`load child for ${spec.scenario} exited ${code}:\n${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}
