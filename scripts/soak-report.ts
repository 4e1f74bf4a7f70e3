/**
 * The soak's outputs: the JSON report (everything measured, for comparing runs) and the
 * readable summary printed at the end (what a person needs to see first).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SoakOptions } from './soak-options.ts';
import type { TargetResult } from './soak-target.ts';

export interface SoakReport {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  node: string;
  server: string;
  options: Pick<SoakOptions, 'minutes' | 'mode' | 'shoppers' | 'targets'>;
  verdict: { ok: boolean; failures: string[] };
  targets: TargetResult[];
}

export function buildReport(
  options: SoakOptions,
  server: string,
  started: number,
  targets: TargetResult[],
  extraFailures: string[],
): SoakReport {
  const failures = [
    ...targets.flatMap((t) => t.failures.map((f) => `${t.target}: ${f}`)),
    ...extraFailures,
  ];
  return {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    node: process.version,
    server,
    options: {
      minutes: options.minutes,
      mode: options.mode,
      shoppers: options.shoppers,
      targets: options.targets,
    },
    verdict: { ok: failures.length === 0, failures },
    targets,
  };
}

export function writeReport(file: string, report: SoakReport): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

/** At most `n` evenly spaced items, the last one always included. */
function evenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from(
    { length: n },
    (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))] as T,
  );
}

function targetSummary(t: TargetResult): string[] {
  const r = t.requests;
  const lines = [
    `── ${t.target}: ${t.instances.join(' + ')}, load ${t.loadSeconds} s`,
    `requests  ${r.total} (${r.perSecond}/s); answered in p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
    ...Object.entries(r.byKind).map(
      ([kind, byStatus]) => `  ${kind.padEnd(13)} ${counts(byStatus)}`,
    ),
    `changes   ${r.changes.acknowledged} acknowledged, ${r.changes.refused} refused, ${r.changes.unknown} outcome unknown; ${r.changes.retried} needed a retry, ${r.changes.replayed} answered by replay`,
    `refusals  ${counts(r.refusalsByCode) || 'none'}`,
  ];
  const kinds = new Map<string, number>();
  for (const f of t.faults) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  lines.push(
    `faults    ${[...kinds].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'}`,
    ...t.faults.map((f) => `  ${String(f.at).padStart(4)} s  ${f.kind} ${f.target}: ${f.detail}`),
    `server    ${t.serverErrorLogLines} error-level log lines (503s during faults log one each)`,
  );
  const l = t.ledger;
  if (l)
    lines.push(
      `ledger    ${l.carts} carts, ${l.acknowledgedWrites} acknowledged writes: LOST ${l.lost}, unexplained changes ${l.unexplainedChanges}, stale reads ${l.staleReads}, unreadable ${l.unreadable}; ${l.cartsWithUnknownOutcome} carts with a change of unknown outcome`,
      ...l.problems.slice(0, 5).map((p) => `  ${p}`),
    );
  const a = t.auditVerify;
  if (a)
    lines.push(
      `audit     ${a.ok ? 'ok' : `FAILED (exit ${a.exitCode})`}: ${a.output.split('\n')[0] ?? ''}`,
    );
  const m = t.memory;
  if (m) {
    lines.push(`memory    ${m.ok ? 'ok' : 'FAILED'}: ${m.summary}`);
    for (const life of m.lifetimes) {
      const series = evenly(life.series, 12)
        .map(([, mb]) => Math.round(mb))
        .join(' ');
      const judged = life.judged
        ? `middle third ${life.middleThirdMB} MB → last third ${life.lastThirdMB} MB`
        : `not judged: ${life.reason}`;
      lines.push(
        `  ${life.instance} pid ${life.pid} (${life.end}, ${life.seconds} s) RSS MB: ${series}; ${judged}`,
      );
    }
  }
  return lines;
}

export function summary(report: SoakReport, file: string): string {
  return [
    '',
    `Soak of the cart service: ${report.durationSeconds} s (${report.options.mode}), ${report.options.shoppers} shoppers per target`,
    `server: ${report.server}`,
    '',
    ...report.targets.flatMap((t) => [...targetSummary(t), '']),
    `report: ${file}`,
    report.verdict.ok
      ? 'VERDICT: PASS — no acknowledged write lost, audit chains intact, memory levels off'
      : `VERDICT: FAIL\n${report.verdict.failures.map((f) => `  - ${f.split('\n').slice(0, 4).join('\n    ')}`).join('\n')}`,
    '',
  ].join('\n');
}
