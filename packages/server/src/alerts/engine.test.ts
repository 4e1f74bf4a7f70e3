import pino from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditChainMonitor } from '../audit/chain-monitor.ts';
import type { WindowTotals } from '../observability/request-series.ts';
import type { AlertEventInput } from '../storage/port.ts';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { AlertEngine } from './engine.ts';
import { AlertRulesConfig } from './rules.ts';

const quiet: WindowTotals = {
  requests: 0,
  errors: 0,
  timed: 0,
  slow: 0,
  rateLimited: 0,
  cartsCreated: 0,
  checkouts: 0,
};

const opened: SqliteStorage[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

/** An engine over a real (in-memory) SQLite storage, with totals and clock the test sets. */
async function setup(rules: unknown = {}, options: { failRecording?: boolean } = {}) {
  const storage = new SqliteStorage(':memory:');
  await storage.migrate();
  opened.push(storage);
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
  );
  const registry = new Registry();
  const gauge = new Gauge({
    name: 'cart_alerts_firing',
    help: 'h',
    labelNames: ['rule'] as const,
    registers: [registry],
  });
  const state = { totals: { ...quiet }, readFails: false };
  const auditChain = new AuditChainMonitor(
    (after, limit) =>
      state.readFails
        ? Promise.reject(new Error('database unavailable'))
        : storage.readAuditChain(after, limit),
    storage.auditKeys,
  );
  const recorder = {
    recordAlertEvent: (e: AlertEventInput) =>
      options.failRecording
        ? Promise.reject(new Error('database unavailable'))
        : storage.recordAlertEvent(e),
    listAlertEvents: (limit: number) => storage.listAlertEvents(limit),
  };
  const engine = new AlertEngine({
    rules: AlertRulesConfig.parse(rules),
    totals: () => state.totals,
    auditChain,
    storage: recorder,
    log,
    intervalMs: 60_000,
    gauge,
    webhook: null,
  });
  const gaugeOf = async (rule: string) =>
    (await gauge.get()).values.find((v) => v.labels.rule === rule)?.value;
  return { engine, state, lines, gaugeOf, auditChain };
}

const spikeOnly = {
  errorBudgetBurn: { enabled: false },
  latencyBudgetBurn: { enabled: false },
  auditChain: { enabled: false },
  rateLimitSpike: { threshold: 5 },
};

describe('AlertEngine', () => {
  it('records, logs and exposes each transition, and nothing when nothing changes', async () => {
    const { engine, state, lines, gaugeOf } = await setup(spikeOnly);
    expect(engine.statuses()).toEqual([
      {
        rule: 'RateLimitSpike',
        severity: 'ticket',
        state: 'ok',
        since: null,
        value: null,
        summary: 'Not evaluated yet',
      },
    ]);
    expect(await gaugeOf('RateLimitSpike')).toBe(0);

    state.totals = { ...quiet, rateLimited: 9 };
    await engine.evaluate();
    await engine.evaluate();
    expect(engine.statuses()[0]).toMatchObject({ state: 'firing', value: 9 });
    expect(await gaugeOf('RateLimitSpike')).toBe(1);
    expect(lines.filter((l) => l.alert === 'RateLimitSpike')).toEqual([
      expect.objectContaining({ level: 40, severity: 'ticket', value: 9 }),
    ]);

    state.totals = { ...quiet };
    await engine.evaluate();
    expect(engine.statuses()[0]).toMatchObject({ state: 'ok', value: 0 });
    expect(await gaugeOf('RateLimitSpike')).toBe(0);
    expect(lines.at(-1)).toMatchObject({ level: 30, alert: 'RateLimitSpike' });
    expect(String(lines.at(-1)?.msg)).toMatch(/^alert resolved: /);

    const view = await engine.view();
    expect(view.history.map((e) => [e.rule, e.state, e.value])).toEqual([
      ['RateLimitSpike', 'resolved', 0],
      ['RateLimitSpike', 'firing', 9],
    ]);
    expect(view.rules[0]?.since).toBe(view.history[0]?.at);
  });

  it('still changes state (and says so) when the event cannot be recorded', async () => {
    const { engine, state, lines } = await setup(spikeOnly, { failRecording: true });
    state.totals = { ...quiet, rateLimited: 6 };
    await engine.evaluate();
    expect(engine.statuses()[0]?.state).toBe('firing');
    expect(lines.at(-1)).toMatchObject({ level: 50, msg: 'could not record an alert event' });
  });

  it('keeps the last audit-chain verdict when the database does not answer', async () => {
    const { engine, state, lines, auditChain } = await setup({
      ...spikeOnly,
      auditChain: { fullCheckInterval: 3600 },
    });
    await engine.evaluate();
    expect(engine.statuses().find((s) => s.rule === 'AuditChainBroken')).toMatchObject({
      state: 'ok',
      value: 1,
    });
    expect(auditChain.lastFullCheckAt).toBeGreaterThan(0);
    state.readFails = true;
    await engine.evaluate();
    expect(lines.at(-1)).toMatchObject({ level: 40, msg: 'audit chain check failed' });
    expect(engine.statuses().find((s) => s.rule === 'AuditChainBroken')?.state).toBe('ok');
  });

  it('evaluates on start, one evaluation at a time, until stopped', async () => {
    const { engine, state } = await setup(spikeOnly);
    state.totals = { ...quiet, rateLimited: 6 };
    engine.start();
    engine.start(); // a second start is a no-op
    await until(() => engine.statuses()[0]?.state === 'firing');
    await engine.stop();
    state.totals = { ...quiet };
    engine.start(); // stopped for good
    await engine.evaluate();
    expect(engine.statuses()[0]?.state).toBe('firing');
  });

  it('logs an evaluation that fails, and carries on', async () => {
    const { engine, state, lines } = await setup(spikeOnly);
    state.totals = null as unknown as WindowTotals; // a rule that throws
    engine.start();
    await until(() => lines.some((l) => l.msg === 'alert evaluation failed'));
    await engine.stop();
    expect(lines.at(-1)).toMatchObject({ level: 50, msg: 'alert evaluation failed' });
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
