/**
 * Everything the soak leaves behind (child processes, temporary directories, the
 * PostgreSQL database) is registered here as it is made, so that one place undoes it all:
 * at the normal end, after an error, and on Ctrl-C / SIGTERM.
 *
 * The soak can also die without running any of it: `tsx` kills its child with SIGKILL
 * when the child does not acknowledge a Ctrl-C within 60 ms, which a busy soak on two
 * cores can miss, and anything can be killed -9. So each registered leftover is also
 * described to a watchdog process (soak-watchdog.ts), which undoes what is still
 * registered when the soak's end of its stdin closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What is left behind, as the watchdog can undo it without the soak. */
export type Leftover =
  | { kind: 'process'; pid: number; group?: boolean }
  | { kind: 'directory'; path: string }
  | { kind: 'database'; adminUrl: string; name: string };

/** One line of the watchdog's stdin. */
export type WatchdogMessage =
  { op: 'add'; id: number; leftover: Leftover } | { op: 'remove'; id: number };

interface Task {
  id: number;
  name: string;
  run: () => Promise<void> | void;
  leftover?: Leftover;
}

const tasks = new Set<Task>();
let nextId = 1;
let closing = false;
let watchdog: ChildProcess | undefined;

/**
 * True once the cleanup has begun: nothing new may be started then (a restart still in
 * the works would otherwise outlive the run), so starters check this first.
 */
export function isClosing(): boolean {
  return closing;
}

function tell(message: WatchdogMessage): void {
  if (watchdog?.stdin?.writable) watchdog.stdin.write(`${JSON.stringify(message)}\n`);
}

/**
 * Starts the watchdog: in its own process group, so the terminal's Ctrl-C does not reach
 * it, and unreferenced, so it never keeps the soak waiting.
 */
export function startWatchdog(): void {
  watchdog = spawn(
    process.execPath,
    ['--conditions=@cart/source', '--import', 'tsx', join(import.meta.dirname, 'soak-watchdog.ts')],
    { cwd: join(import.meta.dirname, '..'), detached: true, stdio: ['pipe', 'ignore', 'inherit'] },
  );
  watchdog.stdin?.on('error', () => undefined); // it died: nothing to tell any more
  watchdog.unref();
}

/**
 * Registers an undo step (and, when given, what the watchdog should undo if the soak
 * dies first); the returned function unregisters it, when it was done early.
 */
export function onCleanup(name: string, run: Task['run'], leftover?: Leftover): () => void {
  const task: Task = { id: nextId++, name, run, ...(leftover ? { leftover } : {}) };
  tasks.add(task);
  if (leftover) tell({ op: 'add', id: task.id, leftover });
  return () => {
    tasks.delete(task);
    if (leftover) tell({ op: 'remove', id: task.id });
  };
}

/**
 * Runs every registered step, newest first (a database is dropped only after the servers
 * using it are gone), each bounded to 30 s so a stuck one cannot keep the others from
 * running, until none is left (one registered meanwhile is run too); then lets the
 * watchdog go. Answers the steps that failed.
 */
export async function cleanupAll(): Promise<string[]> {
  closing = true;
  const failures: string[] = [];
  for (let task = [...tasks].at(-1); task; task = [...tasks].at(-1)) {
    tasks.delete(task);
    try {
      const outcome = await Promise.race([
        Promise.resolve(task.run()).then(() => 'done' as const),
        sleep(30_000).then(() => 'timeout' as const),
      ]);
      if (outcome === 'timeout') failures.push(`${task.name}: did not finish in 30 s`);
      else if (task.leftover) tell({ op: 'remove', id: task.id });
    } catch (error) {
      failures.push(`${task.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // What failed stays registered with the watchdog, which tries it once more.
  watchdog?.stdin?.end();
  return failures;
}

/**
 * Ctrl-C (SIGINT) or SIGTERM: clean up and exit 130 / 143. Another signal in the next
 * 2 s is the same one relayed (a terminal signals npm, tsx and the soak at once, and they
 * pass it on) and is ignored; a later one, a second Ctrl-C, exits at once (the watchdog
 * then undoes what is left).
 */
export function cleanUpOnSignals(): void {
  let stoppedAt: number | undefined;
  const stop = (signal: NodeJS.Signals, code: number) => {
    if (stoppedAt !== undefined) {
      if (Date.now() - stoppedAt > 2000) process.exit(code);
      return;
    }
    stoppedAt = Date.now();
    process.stderr.write(`\nsoak: ${signal}: stopping and cleaning up…\n`);
    void cleanupAll().then((failures) => {
      for (const failure of failures) process.stderr.write(`soak: cleanup: ${failure}\n`);
      process.exit(code);
    });
  };
  process.on('SIGINT', () => stop('SIGINT', 130));
  process.on('SIGTERM', () => stop('SIGTERM', 143));
}
