import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import type { WindowTotals } from '../observability/request-series.ts';
import {
  AlertRulesConfig,
  DEFAULT_BURN_WINDOWS,
  buildRules,
  burnRate,
  evaluatePair,
  formatWindow,
  longestWindow,
  type RuleInputs,
} from './rules.ts';

const zero: WindowTotals = {
  requests: 0,
  errors: 0,
  timed: 0,
  slow: 0,
  rateLimited: 0,
  cartsCreated: 0,
  checkouts: 0,
};

/** Inputs where each window length has its own totals. */
function inputs(
  byWindow: Record<number, Partial<WindowTotals>>,
  auditChain: RuleInputs['auditChain'] = null,
): RuleInputs {
  return { totals: (seconds) => ({ ...zero, ...byWindow[seconds] }), auditChain };
}

const rule = (config: AlertRulesConfig, name: string) => {
  const found = buildRules(config).find((r) => r.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};

const defaults = AlertRulesConfig.parse({});

describe('burn rate', () => {
  it('is the error ratio over the error budget', () => {
    expect(burnRate(0, 0, 0.999)).toBe(0);
    expect(burnRate(1, 1000, 0.999)).toBeCloseTo(1, 12);
    expect(burnRate(144, 10_000, 0.999)).toBeCloseTo(14.4, 12);
    expect(burnRate(5, 100, 0.99)).toBeCloseTo(5, 12);
  });

  it('a pair fires only when both windows exceed the threshold and traffic is significant (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(10_000),
        fc.nat(1000),
        fc.nat(1000),
        fc.integer({ min: 1, max: 500 }),
        (longTotal, longBadRaw, shortTotal, shortBadRaw, minRequests) => {
          const long = { total: longTotal, bad: Math.min(longBadRaw, longTotal) };
          const short = { total: shortTotal, bad: Math.min(shortBadRaw, shortTotal) };
          const w = { long: 3600, short: 300, burnRate: 14.4, severity: 'page' as const };
          const v = evaluatePair(w, long, short, 0.999, minRequests);
          const over = (x: { bad: number; total: number }) =>
            x.total > 0 && x.bad / x.total > 14.4 * 0.001 + 1e-12;
          if (v.firing) {
            expect(long.total).toBeGreaterThanOrEqual(minRequests);
            expect(v.long).toBeGreaterThan(14.4);
            expect(v.short).toBeGreaterThan(14.4);
          }
          if (long.total >= minRequests && over(long) && over(short)) expect(v.firing).toBe(true);
        },
      ),
    );
  });
});

describe('default rules', () => {
  it('follow the SRE workbook: 14.4× over 1h/5m and 6× over 6h/30m page, 1× over 3d/6h tickets', () => {
    expect(defaults.errorBudgetBurn.objective).toBe(0.999);
    expect(defaults.latencyBudgetBurn.objective).toBe(0.99);
    expect(defaults.errorBudgetBurn.windows).toEqual(DEFAULT_BURN_WINDOWS);
    expect(buildRules(defaults).map((r) => [r.name, r.severity])).toEqual([
      ['ErrorBudgetBurnPage', 'page'],
      ['ErrorBudgetBurnTicket', 'ticket'],
      ['LatencyBudgetBurnPage', 'page'],
      ['LatencyBudgetBurnTicket', 'ticket'],
      ['RateLimitSpike', 'ticket'],
      ['AuditChainBroken', 'page'],
    ]);
    expect(longestWindow(defaults)).toBe(3 * 24 * 3600);
  });

  it('page on a fast burn seen in both the hour and the last five minutes', () => {
    const page = rule(defaults, 'ErrorBudgetBurnPage');
    const burning = page.evaluate(
      inputs({ 3600: { requests: 10_000, errors: 200 }, 300: { requests: 1000, errors: 50 } }),
    );
    expect(burning.firing).toBe(true);
    expect(burning.value).toBeCloseTo(20, 6); // min(20×, 50×)
    expect(burning.summary).toContain('20.0× over 1h and 50.0× over 5m, above 14.4×');

    // The burst is over: the last five minutes are clean, so the page resolves.
    const over = page.evaluate(
      inputs({ 3600: { requests: 10_000, errors: 200 }, 300: { requests: 1000, errors: 0 } }),
    );
    expect(over.firing).toBe(false);
  });

  it('page on a slower burn over 6 hours and 30 minutes', () => {
    const page = rule(defaults, 'ErrorBudgetBurnPage');
    const v = page.evaluate(
      inputs({
        3600: { requests: 10_000, errors: 100 }, // 10×: under 14.4
        300: { requests: 1000, errors: 10 },
        21_600: { requests: 60_000, errors: 420 }, // 7×
        1800: { requests: 5000, errors: 40 }, // 8×
      }),
    );
    expect(v.firing).toBe(true);
    expect(v.value).toBeCloseTo(7, 6);
    expect(v.summary).toContain('over 6h and');
  });

  it('never page for one error among a handful of requests at 3 a.m.', () => {
    const v = rule(defaults, 'ErrorBudgetBurnPage').evaluate(
      inputs({
        3600: { requests: 12, errors: 1 },
        300: { requests: 2, errors: 1 },
        21_600: { requests: 40, errors: 1 },
        1800: { requests: 5, errors: 1 },
      }),
    );
    expect(v.firing).toBe(false);
    expect(v.summary).toMatch(/fewer than the 100 needed/);
  });

  it('burn the latency budget with requests slower than 300 ms', () => {
    const v = rule(defaults, 'LatencyBudgetBurnPage').evaluate(
      inputs({ 3600: { timed: 1000, slow: 200 }, 300: { timed: 100, slow: 30 } }),
    );
    expect(v.firing).toBe(true);
    expect(v.value).toBeCloseTo(20, 6);
    expect(v.summary).toContain('Latency budget (99% of requests within 300 ms)');
  });

  it('open a ticket on a rate-limit spike', () => {
    const spike = rule(defaults, 'RateLimitSpike');
    expect(spike.evaluate(inputs({ 60: { rateLimited: 100 } })).firing).toBe(false);
    const v = spike.evaluate(inputs({ 60: { rateLimited: 101 } }));
    expect(v).toMatchObject({ firing: true, value: 101 });
    expect(v.summary).toContain('101 requests refused by rate limits (429) over 1m');
  });

  it('page on a broken audit chain', () => {
    const chain = rule(defaults, 'AuditChainBroken');
    expect(chain.evaluate(inputs({})).firing).toBe(false);
    expect(
      chain.evaluate(inputs({}, { intact: true, records: 7, brokenAtSeq: null })),
    ).toMatchObject({ firing: false, value: 1 });
    const broken = chain.evaluate(inputs({}, { intact: false, records: 3, brokenAtSeq: 4 }));
    expect(broken).toMatchObject({ firing: true, value: 0 });
    expect(broken.summary).toContain('broken at record 4');
  });
});

describe('ALERT_RULES', () => {
  it('merges over the defaults: windows, objectives, thresholds, enable and disable', () => {
    const config = loadConfig({
      ALERT_RULES: JSON.stringify({
        errorBudgetBurn: { minRequests: 5, windows: [{ long: 10, short: 2, burnRate: 14.4 }] },
        latencyBudgetBurn: { enabled: false },
        rateLimitSpike: { threshold: 3, window: 10, severity: 'page' },
        auditChain: { fullCheckInterval: 1 },
      }),
    }).ALERT_RULES;
    expect(config.errorBudgetBurn.objective).toBe(0.999);
    expect(buildRules(config).map((r) => [r.name, r.severity])).toEqual([
      ['ErrorBudgetBurnPage', 'page'],
      ['RateLimitSpike', 'page'],
      ['AuditChainBroken', 'page'],
    ]);
    expect(longestWindow(config)).toBe(10);
    expect(
      rule(config, 'ErrorBudgetBurnPage').evaluate(
        inputs({ 10: { requests: 5, errors: 5 }, 2: { requests: 1, errors: 1 } }),
      ).firing,
    ).toBe(true);
  });

  it('stops the start with a message naming what is wrong', () => {
    const bad = (rules: string) => () => loadConfig({ ALERT_RULES: rules });
    expect(bad('{')).toThrow('ALERT_RULES must be JSON');
    expect(bad('{"errorBudget":{}}')).toThrow(/ALERT_RULES.*Unrecognized key.*errorBudget/);
    expect(bad('{"errorBudgetBurn":{"objective":1}}')).toThrow(
      'ALERT_RULES.errorBudgetBurn.objective must be between 0 and 1',
    );
    expect(bad('{"latencyBudgetBurn":{"windows":[{"long":60,"short":60,"burnRate":2}]}}')).toThrow(
      'ALERT_RULES.latencyBudgetBurn.windows.0.short must be shorter than long',
    );
    expect(bad('{"rateLimitSpike":{"window":0}}')).toThrow(
      'ALERT_RULES.rateLimitSpike.window must be at least 1 second',
    );
    expect(bad('{"auditChain":{"severity":"sms"}}')).toThrow(/ALERT_RULES.auditChain.severity/);
  });
});

describe('formatWindow', () => {
  it('names a window in its largest whole unit', () => {
    expect([259_200, 21_600, 3600, 300, 90, 1].map(formatWindow)).toEqual([
      '3d',
      '6h',
      '1h',
      '5m',
      '90s',
      '1s',
    ]);
  });
});
