/**
 * What the orchestrator (bench/run.ts) asks the load child (bench/load.ts) to do, and what
 * the child answers. Plain JSON both ways: the child is a separate process, pinned to its
 * own CPU, so a scenario is described as data rather than as callbacks.
 */

/** Where the n-th request goes (`slots[n % slots.length]`): a path and its cart token. */
export interface Slot {
  path: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** This slot's own bodies, in place of the mix's (a batch names its cart's lines). */
  bodies?: string[];
}

/**
 * The requests of one scenario. The load child numbers its requests n = 0, 1, 2… (over all
 * connections and targets) and builds the n-th from these, so that round-robin over carts
 * and alternating quantities need no per-scenario code in the child.
 */
export interface RequestMix {
  method: 'GET' | 'POST' | 'PATCH';
  slots: Slot[];
  /**
   * JSON bodies: request n sends `bodies[floor(n / slots.length) % bodies.length]`, so each
   * slot goes through the bodies in turn (every round sets a new quantity on every line).
   * `{{n}}` in a body is replaced by n (unique action ids).
   */
  bodies?: string[];
  /** Send a fresh `Idempotency-Key` with every request (every mutation carries one). */
  idempotencyKey?: boolean;
}

export interface LoadSpec {
  scenario: string;
  /** Base URLs (`http://127.0.0.1:port`): the connections are split evenly over them. */
  targets: string[];
  mix: RequestMix;
  connections: number;
  durationS: number;
  /** Seconds of the same load before the measured run (JIT, caches, pools), not counted. */
  warmupS: number;
  /** Fixed-rate mode: requests per second over all connections (autocannon `overallRate`). */
  overallRate?: number;
  /** Prefix of the Idempotency-Keys, unique to the run and scenario. */
  keyPrefix: string;
  /** Server processes whose CPU time is read around the measured run (/proc/<pid>/stat). */
  serverPids: number[];
  /** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`). */
  clockTicks: number;
  /** The CPU the servers are pinned to, or null when they are not pinned. */
  serverCpuIndex: number | null;
}

export interface LoadResult {
  /** Answers received in the measured run, any status. */
  requests: number;
  /** Seconds from the first request sent to the last connection stopped (all lanes). */
  elapsedS: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts (no answer at all). */
  errors: number;
  timeouts: number;
  /** The warm-up: not measured, but its failures fail the scenario too. */
  warmup: { requests: number; non2xx: number; errors: number };
  /** The first few non-2xx answers (warm-up included), to say why a scenario failed. */
  failures: { status: number; body: string }[];
  /** CPU the server processes used during the measured run, in cores (1 = one core busy). */
  serverCpu: number | null;
  /** CPU the load child used during the measured run, in cores. */
  loadCpu: number;
  /**
   * CPU time other processes (and the hypervisor's steal) took on the servers' CPU during
   * the measured run, in cores: well above 0, the servers were starved and their numbers
   * are low. Null when the servers are not pinned.
   */
  othersOnServerCpu: number | null;
}
