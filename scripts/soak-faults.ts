/**
 * Faults injected under load, at random intervals:
 * - kill -9 of a server process, then a restart on the same database (a crash and its
 *   supervisor): every 20–60 s;
 * - on PostgreSQL, every backend of the soak's database terminated
 *   (`pg_terminate_backend`, as a failover or an operator would): every 10–30 s.
 * Each loop runs until its window ends or the signal aborts it; a restart in progress is
 * always finished first, so the load never ends with an instance down.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from './soak-cluster.ts';
import type { SoakDatabase } from './soak-postgres.ts';

export interface Fault {
  /** Seconds since the load began. */
  at: number;
  kind: 'kill -9 + restart' | 'pg_terminate_backend';
  target: string;
  detail: string;
}

const KILL_EVERY_MS: [number, number] = [20_000, 60_000];
const BACKEND_KILL_EVERY_MS: [number, number] = [10_000, 30_000];

const randomIn = ([low, high]: [number, number]) => low + Math.random() * (high - low);

/** Waits `ms`; false when aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

interface Window {
  /** When the load began (the origin of `Fault.at`). */
  origin: number;
  /** No fault is started after this instant. */
  until: number;
  signal: AbortSignal;
  faults: Fault[];
}

/**
 * Crashes and restarts `instance` until the window closes. The first crash comes no later
 * than half-way through the window, so even a short run has one.
 */
export async function crashLoop(instance: Instance, window: Window): Promise<void> {
  for (let first = true; ; first = false) {
    const left = window.until - Date.now();
    const delay = first ? Math.min(randomIn(KILL_EVERY_MS), left / 2) : randomIn(KILL_EVERY_MS);
    if (delay > left || !(await pause(delay, window.signal))) return;
    const lived = await instance.crash();
    const down = Date.now();
    await restart(instance);
    window.faults.push({
      at: Math.round((down - window.origin) / 1000),
      kind: 'kill -9 + restart',
      target: instance.name,
      detail: `after ${Math.round(lived / 1000)} s of life; back in ${((Date.now() - down) / 1000).toFixed(1)} s`,
    });
  }
}

/** Starts the instance again; a start that fails is tried twice more before the soak fails. */
async function restart(instance: Instance): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await instance.start();
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(1000);
    }
  }
}

/** Terminates the database's backends until the window closes. */
export async function backendKillLoop(
  database: SoakDatabase,
  target: string,
  window: Window,
): Promise<void> {
  for (;;) {
    const delay = randomIn(BACKEND_KILL_EVERY_MS);
    if (delay > window.until - Date.now() || !(await pause(delay, window.signal))) return;
    const at = Math.round((Date.now() - window.origin) / 1000);
    const detail = await database.terminateBackends().then(
      (n) => `${n} backends terminated`,
      (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    window.faults.push({ at, kind: 'pg_terminate_backend', target, detail });
  }
}
