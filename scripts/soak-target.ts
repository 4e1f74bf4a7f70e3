/**
 * One target of the soak, from an empty database to its verdict:
 *
 * - sqlite: one server process on `sqlite:<tmp>/soak.db`. It is killed (-9) and
 *   restarted during the first half of the load only; the second half is one unkilled
 *   lifetime, long enough to judge its memory.
 * - postgres: two server processes (A, B) on a fresh database and the shared Redis, each
 *   request going to either (a retry to the other, as behind a load balancer). A is
 *   killed and restarted throughout, every backend of the database is terminated
 *   throughout, and B is never killed: its lifetime is the one whose memory is judged.
 *
 * Then the load stops, every change in hand finishes, the servers stop cleanly, one is
 * started again on the same database, every cart is read and checked against the ledger,
 * it stops, and `npm run audit:verify` walks the audit chain.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cart } from '@cart/core';
import { auditVerify, type AuditResult } from './soak-audit.ts';
import { onCleanup } from './soak-cleanup.ts';
import { Instance } from './soak-cluster.ts';
import { backendKillLoop, crashLoop, type Fault } from './soak-faults.ts';
import { send, Stats, type Route } from './soak-http.ts';
import { Ledger, type FinalRead, type LedgerReport } from './soak-ledger.ts';
import { RssSampler, type MemoryVerdict } from './soak-memory.ts';
import type { SoakOptions, TargetName } from './soak-options.ts';
import { createDatabase, type SoakDatabase } from './soak-postgres.ts';
import { ADMIN_TOKEN, freePort } from './soak-server.ts';
import { shopper, type Shop } from './soak-shopper.ts';

/** How long changes in hand may take to finish once the load window closes. */
const DRAIN_MS = 20_000;
/** The shortest load window, whatever the time left. */
const MIN_LOAD_MS = 20_000;

export interface TargetResult {
  target: TargetName;
  instances: string[];
  loadSeconds: number;
  requests: {
    total: number;
    perSecond: number;
    byKind: Record<string, Record<string, number>>;
    refusalsByCode: Record<string, number>;
    changes: Stats['changes'];
    latencyMs: ReturnType<Stats['latency']>;
  };
  faults: Fault[];
  serverErrorLogLines: number;
  ledger: LedgerReport | null;
  auditVerify: AuditResult | null;
  memory: MemoryVerdict | null;
  /** Empty when the target passed. */
  failures: string[];
}

interface Setup {
  instances: Instance[];
  /** Environment for `npm run audit:verify` on this database. */
  auditEnv: Record<string, string>;
  /** PostgreSQL only: the database, whose backends are terminated as a fault. */
  database?: SoakDatabase;
  teardown(): Promise<void>;
}

async function setUpSqlite(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-soak-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const unregister = onCleanup(`remove ${dir}`, remove, { kind: 'directory', path: dir });
  // The audit key file is made next to the database on first start, and found there.
  const env = { DATABASE_URL: `sqlite:${join(dir, 'soak.db')}` };
  return {
    instances: [new Instance('sqlite', await freePort(), env)],
    auditEnv: env,
    teardown: () => {
      unregister();
      remove();
      return Promise.resolve();
    },
  };
}

async function setUpPostgres(options: SoakOptions): Promise<Setup> {
  const database = await createDatabase(options.pgAdminUrl);
  const auditEnv = {
    DATABASE_URL: database.url,
    // PostgreSQL needs the chain's key from outside; every instance signs with the same.
    AUDIT_KEYS: `soak:${randomBytes(32).toString('base64')}`,
  };
  const env = {
    ...auditEnv,
    REDIS_URL: options.redisUrl,
    // The shared Redis: keys and channels of this run only.
    REDIS_PREFIX: `soak-${database.name}:`,
    SECRET: randomBytes(32).toString('hex'),
  };
  return {
    database,
    instances: [
      new Instance('pg-A', await freePort(), env),
      new Instance('pg-B', await freePort(), env),
    ],
    auditEnv,
    teardown: () => database.drop(),
  };
}

/** What the shoppers buy and which codes they try, from the seeded demo shop. */
async function readShop(url: string): Promise<Pick<Shop, 'unlimited' | 'stocked' | 'codes'>> {
  const products = await send(url, 'GET', '/api/products?limit=100');
  const discounts = await send(url, 'GET', '/api/admin/discounts?limit=100', {
    token: ADMIN_TOKEN,
  });
  if (products.status !== 200 || discounts.status !== 200)
    throw new Error(`reading the demo shop: ${products.status}, ${discounts.status}`);
  const items = (products.body as { items: { id: string; stock: number | null }[] }).items;
  const codes = (discounts.body as { items: { code: string }[] }).items.map((d) => d.code);
  const unlimited = items.filter((p) => p.stock === null).map((p) => p.id);
  if (unlimited.length === 0 || codes.length === 0)
    throw new Error('the demo seed has no unlimited product or no promo code');
  return { unlimited, stocked: items.filter((p) => p.stock !== null).map((p) => p.id), codes };
}

/** Reads a cart at the end, retrying what has no answer (nothing is failing any more). */
async function readFinal(url: string, id: string, token: string): Promise<FinalRead> {
  let last = '';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const answer = await send(url, 'GET', `/api/carts/${id}`, { token });
    if (answer.status === 200) return answer.body as Cart;
    if (answer.status === 404) return null;
    last = answer.error ?? `${answer.status} ${answer.code ?? ''}`;
    await sleep(500);
  }
  return { error: last };
}

/** What fails the target, from the final checks. */
function judge(ledger: LedgerReport, audit: AuditResult, memory: MemoryVerdict): string[] {
  const failures: string[] = [];
  if (ledger.acknowledgedWrites === 0) failures.push('no change was acknowledged at all');
  if (ledger.lost > 0) failures.push(`${ledger.lost} acknowledged writes lost`);
  if (ledger.unexplainedChanges > 0)
    failures.push(`${ledger.unexplainedChanges} carts changed more than their shoppers did`);
  if (ledger.staleReads > 0)
    failures.push(`${ledger.staleReads} reads older than an acknowledged write`);
  if (ledger.unreadable > 0)
    failures.push(`${ledger.unreadable} carts could not be read at the end`);
  if (!audit.ok) failures.push(`audit:verify failed (exit ${audit.exitCode})`);
  if (!memory.ok) failures.push(`memory: ${memory.summary}`);
  return failures;
}

/** Runs the target with load until `loadUntil` (epoch ms); never throws: failures are in the result. */
export async function runTarget(
  target: TargetName,
  options: SoakOptions,
  loadUntil: number,
  progress: (line: string) => void,
): Promise<TargetResult> {
  let setup: Setup | undefined;
  let instances: Instance[] = [];
  const stats = new Stats();
  const faults: Fault[] = [];
  const failures: string[] = [];
  let loadSeconds = 0;
  const result = (extra: Partial<TargetResult>): TargetResult => ({
    target,
    instances: instances.map((i) => i.name),
    loadSeconds,
    requests: {
      total: stats.total(),
      perSecond: loadSeconds > 0 ? Math.round(stats.total() / loadSeconds) : 0,
      byKind: stats.requests,
      refusalsByCode: stats.refusals,
      changes: stats.changes,
      latencyMs: stats.latency(),
    },
    faults,
    serverErrorLogLines: instances.reduce((n, i) => n + i.errorLines(), 0),
    ledger: null,
    auditVerify: null,
    memory: null,
    failures,
    ...extra,
  });
  try {
    const made = target === 'sqlite' ? await setUpSqlite() : await setUpPostgres(options);
    setup = made;
    instances = made.instances;
    // One after the other: the first seeds the demo shop into the empty database.
    for (const instance of instances) await instance.start();
    const shopInfo = await readShop(instances[0]?.url ?? '');
    const ledger = new Ledger();
    const loadStart = Date.now();
    let loadEnd = Math.max(loadUntil, loadStart + MIN_LOAD_MS);
    progress(
      `${target}: load for ${Math.round((loadEnd - loadStart) / 1000)} s on ${instances.length} process(es)`,
    );

    const route: Route = {
      urls: instances.map((i) => i.url),
      stats,
      hardDeadline: () => loadEnd + DRAIN_MS,
    };
    const stopFaults = new AbortController();
    const window = { origin: loadStart, signal: stopFaults.signal, faults };
    const sampler = new RssSampler(instances);
    sampler.start();
    const faultLoops =
      made.database !== undefined
        ? [
            crashLoop(instances[0] as Instance, { ...window, until: loadEnd }),
            backendKillLoop(made.database, target, { ...window, until: loadEnd }),
          ]
        : [crashLoop(instances[0] as Instance, { ...window, until: (loadStart + loadEnd) / 2 })];
    // A fault that cannot be recovered from (a restart that fails) ends the load now.
    const faultsDone = Promise.all(faultLoops).catch((error: unknown) => {
      failures.push(
        `fault injection failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      loadEnd = Date.now();
    });
    const shop: Shop = { ...shopInfo, route, ledger, stopping: () => Date.now() >= loadEnd };
    const shoppers = Promise.all(Array.from({ length: options.shoppers }, () => shopper(shop)));

    while (Date.now() < loadEnd) await sleep(Math.min(1000, loadEnd - Date.now()));
    stopFaults.abort();
    await faultsDone;
    await shoppers;
    sampler.stop();
    loadSeconds = Math.round((Date.now() - loadStart) / 1000);
    // In the order they happened (a kill is logged once its restart is done).
    faults.sort((a, b) => a.at - b.at);
    progress(`${target}: load done (${stats.total()} requests); stopping cleanly, verifying`);

    await Promise.all(instances.map((i) => i.stop()));
    for (const instance of instances) failures.push(...instance.unexpectedExits);
    const memory = sampler.verdict(loadStart, loadEnd);

    // The final clean restart: a fresh process reads what the database kept.
    const reader = instances[0] as Instance;
    await reader.start();
    const ledgerReport = await ledger.verify((id, token) => readFinal(reader.url, id, token));
    await reader.stop();
    const audit = await auditVerify(made.auditEnv);

    failures.push(...judge(ledgerReport, audit, memory));
    return result({ ledger: ledgerReport, auditVerify: audit, memory });
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
    return result({});
  } finally {
    await Promise.all(
      instances.map(async (i) => {
        await i.current?.kill9();
      }),
    );
    await setup?.teardown().catch((error: unknown) => {
      failures.push(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
