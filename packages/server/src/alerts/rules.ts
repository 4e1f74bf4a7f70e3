import * as z from 'zod';
import type { WindowTotals } from '../observability/request-series.ts';

/**
 * The alert rules and their settings (`ALERT_RULES`, docs/operations.md#alerts). Every
 * setting has a default; `ALERT_RULES` is JSON merged over them, checked at start, so a
 * typo stops the start naming it rather than silently disabling an alert.
 */

const MAX_WINDOW_SECONDS = 7 * 24 * 3600;

export const Severity = z.enum(['page', 'ticket']);
export type Severity = z.infer<typeof Severity>;

const Seconds = z
  .int('must be a whole number of seconds')
  .min(1, 'must be at least 1 second')
  .max(MAX_WINDOW_SECONDS, `must be at most ${MAX_WINDOW_SECONDS} seconds (7 days)`);

/** One pair of windows: fires when the burn rate over both exceeds `burnRate`. */
export const BurnWindow = z
  .strictObject({
    long: Seconds,
    short: Seconds,
    burnRate: z.number().positive('must be above 0'),
    severity: Severity.default('page'),
  })
  .refine((w) => w.short < w.long, { message: 'must be shorter than long', path: ['short'] });
export type BurnWindow = z.infer<typeof BurnWindow>;

/** The Google SRE workbook's pairs (chapter 5, "Alerting on SLOs"): 2% and 5% of a 30-day budget page, 10% opens a ticket. */
export const DEFAULT_BURN_WINDOWS: BurnWindow[] = [
  { long: 3600, short: 300, burnRate: 14.4, severity: 'page' },
  { long: 6 * 3600, short: 1800, burnRate: 6, severity: 'page' },
  { long: 3 * 24 * 3600, short: 6 * 3600, burnRate: 1, severity: 'ticket' },
];

const budgetBurn = (objective: number) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Share of requests that must be good, e.g. 0.999. */
      objective: z
        .number()
        .gt(0, 'must be between 0 and 1')
        .lt(1, 'must be between 0 and 1')
        .default(objective),
      /** Fewer requests than this in the long window never fire (one error at 3 a.m.). */
      minRequests: z.int().min(1, 'must be at least 1').default(100),
      windows: z
        .array(BurnWindow)
        .min(1, 'must list at least one window pair')
        .max(10)
        .default(() => DEFAULT_BURN_WINDOWS.map((w) => ({ ...w }))),
    })
    .prefault({});

export const AlertRulesConfig = z
  .strictObject({
    /** Availability: 5xx answers ÷ requests against `objective`. */
    errorBudgetBurn: budgetBurn(0.999),
    /** Latency: requests slower than 300 ms ÷ requests against `objective`. */
    latencyBudgetBurn: budgetBurn(0.99),
    /** More than `threshold` 429 answers within `window` seconds. */
    rateLimitSpike: z
      .strictObject({
        enabled: z.boolean().default(true),
        window: Seconds.default(60),
        threshold: z.int().min(1, 'must be at least 1').default(100),
        severity: Severity.default('ticket'),
      })
      .prefault({}),
    /** The audit log's hash chain does not verify. */
    auditChain: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Seconds between full walks of the chain (each evaluation checks new records). */
        fullCheckInterval: Seconds.default(3600),
        severity: Severity.default('page'),
      })
      .prefault({}),
  })
  .prefault({});
export type AlertRulesConfig = z.output<typeof AlertRulesConfig>;

/** Alert names: Prometheus `alertname`s, and the same in ops/prometheus/cart-alerts.yml. */
export const RULE_NAMES = {
  errorBudgetBurn: 'ErrorBudgetBurn',
  latencyBudgetBurn: 'LatencyBudgetBurn',
  rateLimitSpike: 'RateLimitSpike',
  auditChain: 'AuditChainBroken',
} as const;

export interface RuleVerdict {
  firing: boolean;
  value: number | null;
  summary: string;
}

/** What a rule looks at: window sums of the live series, and the audit chain's state. */
export interface RuleInputs {
  totals: (windowSeconds: number) => WindowTotals;
  auditChain: { intact: boolean; records: number; brokenAtSeq: number | null } | null;
}

export interface AlertRule {
  /** `alertname`: unique, e.g. `ErrorBudgetBurnPage`. */
  name: string;
  severity: Severity;
  evaluate(inputs: RuleInputs): RuleVerdict;
}

/** Error ratio ÷ error budget: 1 spends the budget exactly over the objective's period. */
export function burnRate(bad: number, total: number, objective: number): number {
  if (total <= 0) return 0;
  return bad / total / (1 - objective);
}

export interface PairVerdict {
  window: BurnWindow;
  long: number;
  short: number;
  requests: number;
  firing: boolean;
}

/**
 * The multi-window rule: a pair fires when the burn rate over the long window and over
 * the short one both exceed its threshold, and the long window saw at least
 * `minRequests`. The long window makes it significant, the short one makes it stop
 * soon after the problem does.
 */
export function evaluatePair(
  window: BurnWindow,
  long: { bad: number; total: number },
  short: { bad: number; total: number },
  objective: number,
  minRequests: number,
): PairVerdict {
  const longBurn = burnRate(long.bad, long.total, objective);
  const shortBurn = burnRate(short.bad, short.total, objective);
  return {
    window,
    long: longBurn,
    short: shortBurn,
    requests: long.total,
    firing: long.total >= minRequests && longBurn > window.burnRate && shortBurn > window.burnRate,
  };
}

/** 3600 → "1h", 300 → "5m", 259200 → "3d", 90 → "90s". */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const times = (n: number) => `${n.toFixed(1)}×`;
const percent = (n: number) => `${Number((n * 100).toFixed(3))}%`;

function budgetRules(
  base: string,
  /** "Error budget (objective 99.9% non-5xx)" and the like. */
  budget: (objective: string) => string,
  settings: AlertRulesConfig['errorBudgetBurn'],
  bad: (t: WindowTotals) => { bad: number; total: number },
): AlertRule[] {
  if (!settings.enabled) return [];
  const severities = Severity.options.filter((s) => settings.windows.some((w) => w.severity === s));
  return severities.map((severity) => {
    const pairs = settings.windows.filter((w) => w.severity === severity);
    return {
      name: `${base}${severity === 'page' ? 'Page' : 'Ticket'}`,
      severity,
      evaluate(inputs) {
        const verdicts = pairs.map((w) =>
          evaluatePair(
            w,
            bad(inputs.totals(w.long)),
            bad(inputs.totals(w.short)),
            settings.objective,
            settings.minRequests,
          ),
        );
        // The pair that fires, or else the one closest to firing, speaks for the rule.
        const score = (v: PairVerdict) =>
          (v.firing ? 1e9 : 0) + Math.min(v.long, v.short) / v.window.burnRate;
        const worst = verdicts.reduce((a, b) => (score(b) > score(a) ? b : a));
        const w = worst.window;
        const name = budget(percent(settings.objective));
        const burn = `${times(worst.long)} over ${formatWindow(w.long)} and ${times(worst.short)} over ${formatWindow(w.short)}`;
        const summary = worst.firing
          ? `${name} burning ${burn}, above ${times(w.burnRate)}`
          : worst.requests < settings.minRequests
            ? `${name}: ${worst.requests} requests over ${formatWindow(w.long)}, fewer than the ${settings.minRequests} needed to alert`
            : `${name} burning ${burn}, alerting above ${times(w.burnRate)}`;
        return {
          firing: verdicts.some((v) => v.firing),
          value: Math.round(Math.min(worst.long, worst.short) * 1000) / 1000,
          summary,
        };
      },
    };
  });
}

/** The rules the settings enable, in a stable order (the dashboard lists them so). */
export function buildRules(config: AlertRulesConfig): AlertRule[] {
  const rules: AlertRule[] = [
    ...budgetRules(
      RULE_NAMES.errorBudgetBurn,
      (o) => `Error budget (${o} of requests without a 5xx)`,
      config.errorBudgetBurn,
      (t) => ({ bad: t.errors, total: t.requests }),
    ),
    ...budgetRules(
      RULE_NAMES.latencyBudgetBurn,
      (o) => `Latency budget (${o} of requests within 300 ms)`,
      config.latencyBudgetBurn,
      (t) => ({ bad: t.slow, total: t.timed }),
    ),
  ];
  const spike = config.rateLimitSpike;
  if (spike.enabled)
    rules.push({
      name: RULE_NAMES.rateLimitSpike,
      severity: spike.severity,
      evaluate({ totals }) {
        const count = totals(spike.window).rateLimited;
        const span = formatWindow(spike.window);
        return {
          firing: count > spike.threshold,
          value: count,
          summary: `${count} requests refused by rate limits (429) over ${span}; alerting above ${spike.threshold}`,
        };
      },
    });
  const chain = config.auditChain;
  if (chain.enabled)
    rules.push({
      name: RULE_NAMES.auditChain,
      severity: chain.severity,
      evaluate({ auditChain }) {
        if (auditChain === null)
          return { firing: false, value: null, summary: 'Audit chain not verified yet' };
        return auditChain.intact
          ? {
              firing: false,
              value: 1,
              summary: `Audit chain intact: ${auditChain.records} records verified`,
            }
          : {
              firing: true,
              value: 0,
              summary: `Audit chain broken at record ${auditChain.brokenAtSeq ?? '?'}: run npm run audit:verify`,
            };
      },
    });
  return rules;
}

/** The longest window any enabled rule looks at, in seconds (sizes the 1-minute ring). */
export function longestWindow(config: AlertRulesConfig): number {
  const windows = [
    ...(config.errorBudgetBurn.enabled ? config.errorBudgetBurn.windows : []),
    ...(config.latencyBudgetBurn.enabled ? config.latencyBudgetBurn.windows : []),
  ].map((w) => w.long);
  if (config.rateLimitSpike.enabled) windows.push(config.rateLimitSpike.window);
  return Math.max(0, ...windows);
}
