/**
 * The run's outcome: one row per scenario, ratios to the bare baselines, the goals and
 * whether each is met, as a printed table and as the results file's content. Goals are
 * reported, never asserted: an unmet goal is a finding, not a failed run.
 */
import type { LoadResult } from './load-spec.ts';
import type { Backend, Scenario } from './scenarios.ts';

export interface Row {
  scenario: string;
  backend: Backend;
  what: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it was skipped or failed. */
  reason?: string;
  baseline: Scenario['baseline'];
  /** req/s divided by the baseline's req/s, when both were measured. */
  ratio: number | null;
  /** Fixed-rate mode: the rate asked for (req/s). */
  overallRate?: number;
  /** Seconds spent making the scenario's data before the load. */
  setupS?: number;
  result?: LoadResult;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Fills in each row's ratio to its baseline row (both must have succeeded). */
export function addRatios(rows: Row[]): void {
  const perSecond = (name: string) => rows.find((r) => r.scenario === name && r.status === 'ok');
  for (const row of rows) {
    const base = row.baseline === null ? undefined : perSecond(row.baseline);
    row.ratio =
      row.result && base?.result && row.overallRate === undefined
        ? round(row.result.reqPerSec / base.result.reqPerSec)
        : null;
  }
}

export interface Goal {
  goal: string;
  /** The measured value, in words; null when not measured in this run. */
  value: string | null;
  met: boolean | null;
}

/** The performance goals, each with its value in this run and whether it is met. */
export function goals(rows: Row[]): Goal[] {
  const ok = (name: string) => rows.find((r) => r.scenario === name && r.status === 'ok');
  const ratioGoal = (goal: string, name: string, min: number, baseline: string): Goal => {
    const ratio = ok(name)?.ratio ?? null;
    return ratio === null
      ? { goal, value: null, met: null }
      : { goal, value: `${pct(ratio)} of ${baseline}`, met: ratio >= min };
  };
  const result: Goal[] = [
    ratioGoal('mutation: many-carts ≥ 40% of bare POST', 'many-carts', 0.4, 'bare POST'),
    ratioGoal('mutation: add-line ≥ 40% of bare POST', 'add-line', 0.4, 'bare POST'),
    ratioGoal('get-cart ≥ 60% of bare GET', 'get-cart', 0.6, 'bare GET'),
  ];

  const half = ok('p99-at-half-rate');
  result.push(
    half?.result
      ? {
          goal: 'p99 ≤ 10 ms at half the peak rate (many-carts)',
          value: `p99 ${half.result.p99Ms} ms at ${half.overallRate} req/s asked, ${half.result.reqPerSec} done`,
          met: half.result.p99Ms <= 10,
        }
      : { goal: 'p99 ≤ 10 ms at half the peak rate (many-carts)', value: null, met: null },
  );

  const big = ok('set-quantity-250-lines')?.result;
  const small = ok('set-quantity-1-line')?.result;
  const lines = big && small ? round(big.reqPerSec / small.reqPerSec) : null;
  result.push({
    goal: '250-line mutation ≤ 2× the time of a 1-line one (req/s ratio ≥ 0.5)',
    value: lines === null ? null : `req/s ratio ${lines}`,
    met: lines === null ? null : lines >= 0.5,
  });

  const shipped = ok('many-carts-shipped')?.result;
  const plain = ok('many-carts')?.result;
  const shipping = shipped && plain ? round(shipped.reqPerSec / plain.reqPerSec) : null;
  result.push({
    goal: 'a mutation of a cart with an address and a shipping option within 10% of many-carts',
    value: shipping === null ? null : `req/s ratio ${shipping}`,
    met: shipping === null ? null : shipping >= 0.9,
  });

  result.push(
    ratioGoal('PostgreSQL many-carts ≥ 25% of bare POST', 'pg-many-carts', 0.25, 'bare POST'),
  );
  return result;
}

const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
const num = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? '—' : x.toFixed(digits);

/** The table: one line per scenario. */
export function formatTable(rows: Row[]): string {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'vs bare',
    'srv CPU',
    'load CPU',
    'CPU0 others',
  ];
  const lines: string[][] = rows.map((row) => {
    const r = row.result;
    const versus =
      row.overallRate !== undefined
        ? `rate ${row.overallRate}/s`
        : row.ratio === null
          ? '—'
          : `${row.ratio.toFixed(2)} ${row.baseline === 'bare-get' ? 'GET' : 'POST'}`;
    const cells = r
      ? [
          row.scenario,
          String(r.reqPerSec),
          num(r.p50Ms),
          num(r.p99Ms),
          r.errors > 0 ? `${r.non2xx} +${r.errors} conn err` : String(r.non2xx),
          versus,
          num(r.serverCpu),
          num(r.loadCpu),
          num(r.othersOnServerCpu),
        ]
      : [row.scenario, ...header.slice(1).map(() => '—')];
    if (row.status !== 'ok') cells.push(`${row.status.toUpperCase()}: ${row.reason ?? ''}`);
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i >= widths.length ? cell : i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
      )
      .join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}

/** Above this, other processes' use of the servers' CPU is called out under the table. */
const STARVED = 0.2;

/** Warnings about the rows whose numbers others' CPU use depressed; empty when none. */
export function formatWarnings(rows: Row[]): string {
  const starved = rows.filter((r) => (r.result?.othersOnServerCpu ?? 0) > STARVED);
  if (starved.length === 0) return '';
  return (
    `\nOther processes used more than ${STARVED} of the servers' CPU during ` +
    `${starved.map((r) => r.scenario).join(', ')} ("CPU0 others"): those servers were ` +
    'starved, so their req/s are low, their latencies high, and a ratio against a starved ' +
    'baseline is too high. Run again on a quieter machine to compare.\n'
  );
}

export function formatGoals(list: Goal[]): string {
  return list
    .map((g) => {
      const verdict = g.met === null ? 'not measured' : g.met ? 'met' : 'NOT met';
      return `  ${verdict.padEnd(12)}  ${g.goal}${g.value === null ? '' : `: ${g.value}`}`;
    })
    .join('\n');
}
