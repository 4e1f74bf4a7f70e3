/**
 * Alerts end to end: a real server on 127.0.0.1 with short alert windows, a webhook
 * receiver of our own on 127.0.0.1, and failures injected for real — a storage whose
 * writes fail for a while (an error burst), and an audit log edited behind the server's
 * back from a second SQLite connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertStatus, AlertsView, AuditChainStatus, MonitoringSeries } from '@cart/core';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { MutationDecision, MutationPlan, MutationSnapshot } from '../../src/storage/port.ts';
import { SqliteStorage } from '../../src/storage/sqlite/storage.ts';
import {
  TEST_ADMIN_TOKEN,
  startTestServer,
  type TestServer,
} from '@cart/test-support/test-server.ts';

/** SQLite whose cart writes fail while `failing` is set: the database "goes bad". */
class FlakyStorage extends SqliteStorage {
  failing = false;

  override mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    if (this.failing) return Promise.reject(new Error('injected failure: disk I/O error'));
    return super.mutate(plan, decide);
  }
}

interface Notification {
  status: 'firing' | 'resolved';
  alerts: {
    status: string;
    labels: { alertname: string; severity: string };
    annotations: { summary: string };
    startsAt: string;
    endsAt: string;
  }[];
}

/** A webhook receiver on 127.0.0.1 keeping every notification it is sent. */
async function webhookReceiver() {
  const received: Notification[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Polls `check` until it answers something truthy; fails after the deadline. */
async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 25_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

function client(url: string) {
  const get = async <T>(path: string) => {
    const res = await fetch(`${url}${path}`, { headers: admin });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  return {
    get,
    alerts: () => get<AlertsView>('/api/admin/alerts'),
    rule: async (name: string) =>
      (await get<AlertsView>('/api/admin/alerts')).rules.find(
        (r) => r.rule === name,
      ) as AlertStatus,
    series: () => get<MonitoringSeries>('/api/admin/monitoring/series?minutes=1'),
    metric: async (line: string) => (await (await fetch(`${url}/metrics`)).text()).includes(line),
  };
}

const sum = (s: MonitoringSeries, key: 'requests' | 'errors' | 'cartsCreated' | 'checkouts') =>
  s.points.reduce((n, p) => n + p[key], 0);

describe('the error-rate alert', () => {
  let dir: string;
  let storage: FlakyStorage;
  let app: FastifyInstance;
  let url: string;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    hook = await webhookReceiver();
    dir = mkdtempSync(join(tmpdir(), 'cart-alerts-'));
    storage = new FlakyStorage(join(dir, 'cart.db'));
    await storage.migrate();
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
      RATE_LIMITS: 'off',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ALERT_WEBHOOK_URL: hook.url,
      ALERT_EVALUATION_INTERVAL_MS: '200',
      // Test-sized windows: 10 s long, 2 s short, and 10 requests make a sample.
      ALERT_RULES: JSON.stringify({
        errorBudgetBurn: { minRequests: 10, windows: [{ long: 10, short: 2, burnRate: 14.4 }] },
        latencyBudgetBurn: { enabled: false },
        rateLimitSpike: { enabled: false },
      }),
    });
    app = await buildApp(config, { storage });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    api = client(url);
  });

  afterAll(async () => {
    await app.close();
    await storage.close();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers only the admin, with strict query strings', async () => {
    for (const path of [
      '/api/admin/alerts',
      '/api/admin/monitoring/series',
      '/api/admin/audit/verify',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(401);
      const wrong = { authorization: 'Bearer not-the-admin-token-at-all' };
      expect((await fetch(`${url}${path}`, { headers: wrong })).status, path).toBe(401);
    }
    for (const query of [
      'monitoring/series?minutes=0',
      'monitoring/series?minutes=abc',
      'monitoring/series?minutes=99999',
      'monitoring/series?seconds=5',
      'audit/verify?full=yes',
      'alerts?limit=5',
    ]) {
      const res = await fetch(`${url}/api/admin/${query}`, { headers: admin });
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    }
  });

  it('the live series counts shop traffic and committed carts, not the monitoring requests', async () => {
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${url}/api/carts`, { method: 'POST' })).status).toBe(201);
    await fetch(`${url}/metrics`);
    await fetch(`${url}/healthz`);
    await api.alerts();
    // The series leaves out the second being filled: wait for it to close.
    const series = await until('the three carts in the series', async () => {
      const s = await api.series();
      return sum(s, 'cartsCreated') === 3 && sum(s, 'requests') === 3 ? s : null;
    });
    expect(series.resolutionSeconds).toBe(1);
    expect(series.points).toHaveLength(60);
    expect(sum(series, 'errors')).toBe(0);
    expect(series.points.some((p) => p.p50 !== null && p.p99 !== null)).toBe(true);
  });

  it('fires on an error burst, and resolves once the errors stop', async () => {
    expect((await api.rule('ErrorBudgetBurnPage')).state).toBe('ok');

    // The burst: every write fails, so every cart creation is a 500.
    storage.failing = true;
    for (let i = 0; i < 30; i++)
      expect((await fetch(`${url}/api/carts`, { method: 'POST' })).status).toBe(500);

    const fired = await until('the alert to fire', async () => {
      const rule = await api.rule('ErrorBudgetBurnPage');
      return rule.state === 'firing' ? rule : null;
    });
    expect(fired.severity).toBe('page');
    expect(fired.since).not.toBeNull();
    expect(fired.value).toBeGreaterThan(14.4);
    expect(fired.summary).toMatch(/burning .* over 10s and .* over 2s, above 14\.4×/);

    const firing = await until('the webhook to get the firing alert', () =>
      Promise.resolve(hook.received.find((n) => n.status === 'firing')),
    );
    expect(firing.alerts).toHaveLength(1);
    expect(firing.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'ErrorBudgetBurnPage', severity: 'page' },
      endsAt: '0001-01-01T00:00:00Z',
    });
    expect(firing.alerts[0]?.annotations.summary).toContain('Error budget');

    const history = (await api.alerts()).history;
    expect(history[0]).toMatchObject({ rule: 'ErrorBudgetBurnPage', state: 'firing' });
    expect(await api.metric('cart_alerts_firing{rule="ErrorBudgetBurnPage"} 1')).toBe(true);
    // The chart shows the burst once its seconds have closed.
    await until('the burst in the series', async () => sum(await api.series(), 'errors') === 30);

    // The database recovers; good traffic flows until the short window is clean.
    storage.failing = false;
    const resolved = await until('the alert to resolve', async () => {
      expect((await fetch(`${url}/api/carts`, { method: 'POST' })).status).toBe(201);
      const rule = await api.rule('ErrorBudgetBurnPage');
      return rule.state === 'ok' ? rule : null;
    });
    expect(resolved.since).not.toBe(fired.since);

    const notice = await until('the webhook to get the resolved alert', () =>
      Promise.resolve(hook.received.find((n) => n.status === 'resolved')),
    );
    expect(notice.alerts[0]).toMatchObject({
      status: 'resolved',
      labels: { alertname: 'ErrorBudgetBurnPage', severity: 'page' },
      startsAt: firing.alerts[0]?.startsAt,
    });
    expect(Date.parse(notice.alerts[0]?.endsAt ?? '')).toBeGreaterThan(
      Date.parse(notice.alerts[0]?.startsAt ?? ''),
    );
    expect(hook.received.map((n) => n.status)).toEqual(['firing', 'resolved']);

    const after = await api.alerts();
    expect(after.history.slice(0, 2).map((e) => [e.rule, e.state])).toEqual([
      ['ErrorBudgetBurnPage', 'resolved'],
      ['ErrorBudgetBurnPage', 'firing'],
    ]);
    expect(await api.metric('cart_alerts_firing{rule="ErrorBudgetBurnPage"} 0')).toBe(true);
  });
});

describe('the broken-audit-chain alert', () => {
  let server: TestServer;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    hook = await webhookReceiver();
    server = await startTestServer({
      env: {
        ALERT_WEBHOOK_URL: hook.url,
        ALERT_EVALUATION_INTERVAL_MS: '200',
        // A full walk of the chain every second (each evaluation checks new records).
        ALERT_RULES: JSON.stringify({ auditChain: { fullCheckInterval: 1 } }),
      },
    });
    api = client(server.url);
  });

  afterAll(async () => {
    await server.close();
    await hook.close();
  });

  it('fires when a record is edited behind the server, naming the record', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${server.url}/api/carts`, { method: 'POST' });
    const intact = await api.get<AuditChainStatus>('/api/admin/audit/verify');
    // The default region's seed record, then the three carts.
    expect(intact).toMatchObject({ intact: true, records: 4, brokenAtSeq: null });
    expect(await api.metric('cart_audit_chain_intact 1')).toBe(true);
    expect((await api.rule('AuditChainBroken')).state).toBe('ok');

    // An attacker with the database file: drop the append-only triggers, edit record 1.
    const db = new Database(server.databasePath);
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    db.prepare(`UPDATE audit_log SET detail = '{"tampered":true}' WHERE seq = 1`).run();
    db.close();

    const fired = await until('the audit alert to fire', async () => {
      const rule = await api.rule('AuditChainBroken');
      return rule.state === 'firing' ? rule : null;
    });
    expect(fired).toMatchObject({ severity: 'page', value: 0 });
    expect(fired.summary).toContain('broken at record 1');

    const full = await api.get<AuditChainStatus>('/api/admin/audit/verify?full=true');
    expect(full).toMatchObject({ intact: false, brokenAtSeq: 1, records: 0 });
    expect(await api.metric('cart_audit_chain_intact 0')).toBe(true);
    expect(await api.metric('cart_alerts_firing{rule="AuditChainBroken"} 1')).toBe(true);
    const notice = await until('the webhook to get it', () =>
      Promise.resolve(
        hook.received.find((n) => n.alerts[0]?.labels.alertname === 'AuditChainBroken'),
      ),
    );
    expect(notice).toMatchObject({ status: 'firing' });
    expect((await api.alerts()).history[0]).toMatchObject({
      rule: 'AuditChainBroken',
      state: 'firing',
    });
  });
});
