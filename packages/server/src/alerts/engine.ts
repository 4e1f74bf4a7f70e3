import type { FastifyBaseLogger } from 'fastify';
import type { Gauge } from 'prom-client';
import {
  ALERT_HISTORY,
  type AlertStatus,
  type AlertsView,
  type AuditChainStatus,
} from '@cart/core';
import type { AuditChainMonitor } from '../audit/chain-monitor.ts';
import type { WindowTotals } from '../observability/request-series.ts';
import type { Storage } from '../storage/port.ts';
import { buildRules, type AlertRule, type AlertRulesConfig } from './rules.ts';
import type { AlertWebhook } from './webhook.ts';

export interface AlertEngineOptions {
  rules: AlertRulesConfig;
  /** Window sums of the live series. */
  totals: (windowSeconds: number) => WindowTotals;
  auditChain: AuditChainMonitor;
  storage: Pick<Storage, 'recordAlertEvent' | 'listAlertEvents'>;
  log: FastifyBaseLogger;
  intervalMs: number;
  /** `cart_alerts_firing{rule}`. */
  gauge: Gauge<'rule'>;
  webhook: AlertWebhook | null;
  now?: () => Date;
}

interface RuleState {
  rule: AlertRule;
  firing: boolean;
  since: string | null;
  value: number | null;
  summary: string;
}

/**
 * Evaluates the alert rules in the server, every ALERT_EVALUATION_INTERVAL_MS, on a
 * timer that never touches a request. Each transition (ok → firing, firing → ok) is
 * recorded in the database, logged (warn when firing, info when resolved), reflected in
 * `cart_alerts_firing{rule}` and queued for the webhook. An evaluation still running
 * when the next is due makes that one skip, so a slow database never piles them up.
 */
export class AlertEngine {
  private readonly states: RuleState[];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly options: AlertEngineOptions) {
    this.now = options.now ?? (() => new Date());
    this.states = buildRules(options.rules).map((rule) => {
      options.gauge.set({ rule: rule.name }, 0);
      return { rule, firing: false, since: null, value: null, summary: 'Not evaluated yet' };
    });
  }

  /** Evaluates now, then every interval until `stop`. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for an evaluation in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.evaluate()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'alert evaluation failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** One evaluation of every rule (the timer's work; tests may call it directly). */
  async evaluate(): Promise<void> {
    const chain = await this.checkAuditChain();
    for (const state of this.states) {
      if (this.stopped) return;
      const verdict = state.rule.evaluate({ totals: this.options.totals, auditChain: chain });
      state.value = verdict.value;
      state.summary = verdict.summary;
      if (verdict.firing !== state.firing) await this.transition(state, verdict.firing);
    }
  }

  /** The audit chain's status: incremental each time, a full walk every fullCheckInterval. */
  private async checkAuditChain(): Promise<AuditChainStatus | null> {
    const settings = this.options.rules.auditChain;
    const monitor = this.options.auditChain;
    if (!settings.enabled) return monitor.status;
    const due = this.now().getTime() - monitor.lastFullCheckAt >= settings.fullCheckInterval * 1000;
    try {
      return await monitor.verify(due);
    } catch (error) {
      // The database did not answer: the error-rate rules speak for that; keep the last word.
      this.options.log.warn({ err: error }, 'audit chain check failed');
      return monitor.status;
    }
  }

  private async transition(state: RuleState, firing: boolean): Promise<void> {
    const at = this.now().toISOString();
    const startsAt = firing ? at : (state.since ?? at);
    state.firing = firing;
    state.since = at;
    const { rule } = state;
    this.options.gauge.set({ rule: rule.name }, firing ? 1 : 0);
    const fields = { alert: rule.name, severity: rule.severity, value: state.value };
    if (firing) this.options.log.warn(fields, `alert firing: ${state.summary}`);
    else this.options.log.info(fields, `alert resolved: ${state.summary}`);
    this.options.webhook?.send({
      rule: rule.name,
      severity: rule.severity,
      status: firing ? 'firing' : 'resolved',
      summary: state.summary,
      startsAt,
      endsAt: firing ? null : at,
    });
    try {
      await this.options.storage.recordAlertEvent({
        rule: rule.name,
        state: firing ? 'firing' : 'resolved',
        at,
        value: state.value,
        summary: state.summary,
      });
    } catch (error) {
      this.options.log.error({ err: error, alert: rule.name }, 'could not record an alert event');
    }
  }

  /** Every rule's current state, in rule order. */
  statuses(): AlertStatus[] {
    return this.states.map((s) => ({
      rule: s.rule.name,
      severity: s.rule.severity,
      state: s.firing ? 'firing' : 'ok',
      since: s.since,
      value: s.value,
      summary: s.summary,
    }));
  }

  /** `GET /api/admin/alerts`: the rules now, and the recorded transitions, newest first. */
  async view(): Promise<AlertsView> {
    return {
      rules: this.statuses(),
      history: await this.options.storage.listAlertEvents(ALERT_HISTORY),
    };
  }
}
