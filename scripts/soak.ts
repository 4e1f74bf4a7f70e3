/**
 * `npm run soak`: the cart service under mixed shopper traffic with faults injected, for
 * a bounded time (10 minutes by default: SOAK_MINUTES or --minutes), on SQLite (one
 * process) and on PostgreSQL + Redis (two processes), in parallel or one after the other.
 *
 * It passes when no acknowledged write was lost (soak-ledger.ts), every audit chain
 * verifies (`npm run audit:verify`), and every judged server lifetime's memory levels off
 * (soak-memory.ts). It prints a summary, writes bench/results/soak-<date>.json (SOAK_OUT),
 * and exits 0 on a pass, 1 on a failure (a target that cannot be set up is one), 2 on a
 * bad argument or an unexpected error. Everything it starts or creates is undone at the
 * end, also on Ctrl-C (soak-cleanup.ts). docs/soak.md explains the design and how to
 * read the report.
 */
import { cleanupAll, cleanUpOnSignals, startWatchdog } from './soak-cleanup.ts';
import { readOptions, UsageError } from './soak-options.ts';
import { buildReport, summary, writeReport } from './soak-report.ts';
import { serverCommand } from './soak-server.ts';
import { runTarget, type TargetResult } from './soak-target.ts';

/**
 * Time kept at the end of each target's share for the drain, the clean restart, reading
 * every cart and the audit verification, so that the whole run ends within its budget
 * (they take about 25 s after a 10-minute load on two cores).
 */
const VERIFY_RESERVE_MS = 30_000;

const progress = (line: string) =>
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  cleanUpOnSignals();
  let options;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  startWatchdog();
  const started = Date.now();
  const budget = options.minutes * 60_000;
  const server = serverCommand().label;
  progress(
    `soak: ${options.minutes} min, ${options.mode}, targets ${options.targets.join(', ')}, ${options.shoppers} shoppers each; server: ${server}`,
  );

  const results: TargetResult[] = [];
  if (options.mode === 'parallel') {
    const loadUntil = started + budget - VERIFY_RESERVE_MS;
    results.push(
      ...(await Promise.all(
        options.targets.map((t) => runTarget(t, options, loadUntil, progress)),
      )),
    );
  } else {
    // Each target gets an equal share of the budget, its setup and verification included.
    const share = budget / options.targets.length;
    for (const [i, t] of options.targets.entries()) {
      const loadUntil = started + (i + 1) * share - VERIFY_RESERVE_MS;
      results.push(await runTarget(t, options, loadUntil, progress));
    }
  }

  const leftovers = await cleanupAll();
  const report = buildReport(
    options,
    server,
    started,
    results,
    leftovers.map((l) => `cleanup: ${l}`),
  );
  writeReport(options.out, report);
  process.stdout.write(summary(report, options.out));
  return report.verdict.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(
      `soak could not run: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    for (const failure of await cleanupAll()) process.stderr.write(`soak: cleanup: ${failure}\n`);
    process.exit(2);
  },
);
