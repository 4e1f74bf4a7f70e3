/**
 * The ops/ files (Prometheus rules and scrape example, Grafana dashboard) against the
 * real server: they parse, name the same alerts the server evaluates itself, and every
 * metric and label they reference is one the server's /metrics really exposes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AlertRulesConfig, buildRules } from '../../src/alerts/rules.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const ops = join(import.meta.dirname, '..', '..', '..', '..', 'ops');
const read = (path: string) => readFileSync(join(ops, path), 'utf8');

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
  datasource?: { uid: string };
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** Series selectors (`name{…}`) and bare metric names in a PromQL expression. */
function references(expr: string): {
  metrics: Set<string>;
  recorded: Set<string>;
  selectors: { metric: string; labels: string[] }[];
} {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const selectors = [...noStrings.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1] ?? '',
    labels: [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] ?? ''),
  }));
  const bare = noStrings
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const metrics = new Set<string>();
  const recorded = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1] ?? '';
    if (KEYWORDS.has(name.toLowerCase())) continue;
    (name.includes(':') ? recorded : metrics).add(name);
  }
  return { metrics, recorded, selectors };
}

/** Metric families of a /metrics text: every sample name → its label names. */
function exposition(text: string) {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1] ?? '', m[2] ?? '');
  const names = new Set<string>();
  for (const [name, type] of types) {
    names.add(name);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  const labels = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? \S+$/gm)) {
    const set = labels.get(m[1] ?? '') ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) set.add(l[1] ?? '');
    labels.set(m[1] ?? '', set);
  }
  return { names, labels };
}

const flatten = (panels: Panel[]): Panel[] =>
  panels.flatMap((p) => [p, ...flatten(p.panels ?? [])]);

describe('ops/ files', () => {
  let server: TestServer;
  let metrics: ReturnType<typeof exposition>;
  const rules = parse(read('prometheus/cart-alerts.yml')) as RuleFile;
  const dashboard = JSON.parse(read('grafana/cart-dashboard.json')) as {
    uid: string;
    panels: Panel[];
  };
  const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
  const panelExprs = flatten(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  beforeAll(async () => {
    // Rate limits on, with a checkout budget of one, so that a 429 is counted too.
    server = await startTestServer({ env: { RATE_LIMITS: 'on', RATE_LIMIT_CHECKOUT: '1' } });
    const admin = {
      authorization: `Bearer ${server.adminToken}`,
      'content-type': 'application/json',
    };
    const product = (await fetch(`${server.url}/api/admin/products`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        sku: 'OPS-1',
        name: 'Scraped mug',
        description: '',
        price: { amount: 1200, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
        requiresShipping: false,
      }),
    }).then((r) => r.json())) as { id: string };
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const cart = (await fetch(`${server.url}/api/carts`, { method: 'POST' }).then((r) =>
        r.json(),
      )) as { id: string; token: string };
      const auth = { authorization: `Bearer ${cart.token}`, 'content-type': 'application/json' };
      const line = await fetch(`${server.url}/api/carts/${cart.id}/lines`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ productId: product.id, quantity: 2 }),
      });
      expect(line.status).toBe(200);
      const checkout = await fetch(`${server.url}/api/carts/${cart.id}/checkout`, {
        method: 'POST',
        headers: auth,
      });
      statuses.push(checkout.status);
    }
    expect(statuses).toEqual([200, 429]);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    metrics = exposition(await res.text());
  });

  afterAll(() => server.close());

  it('the Prometheus rules parse and alert under the names and severities the server uses', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    const inProcess = buildRules(AlertRulesConfig.parse({}));
    expect(alerts.map((a) => [a.alert, a.labels?.severity]).sort()).toEqual(
      inProcess.map((r) => [r.name, r.severity]).sort(),
    );
    for (const a of alerts) {
      expect(a.expr.trim(), a.alert).not.toBe('');
      expect(a.annotations?.summary, a.alert).toBeTruthy();
    }
  });

  it('every recording rule an alert uses is defined', () => {
    const defined = new Set(rules.groups.flatMap((g) => g.rules).map((r) => r.record));
    const used = new Set(ruleExprs.flatMap((e) => [...references(e).recorded]));
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(defined, name).toContain(name);
  });

  it('the scrape example loads the rules file and scrapes /metrics', () => {
    const config = parse(read('prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path: string }[];
    };
    expect(config.rule_files).toContain('cart-alerts.yml');
    expect(config.scrape_configs[0]?.metrics_path).toBe('/metrics');
  });

  it('the Grafana dashboard parses, with the views the issue asks for', () => {
    expect(dashboard.uid).toBe('cart-service');
    const titles = flatten(dashboard.panels).map((p) => p.title.toLowerCase());
    for (const view of [
      'requests per second',
      'error rate',
      'p50 / p95 / p99',
      'carts created',
      'conversion',
      'rate-limit',
      'database query duration',
      'event loop lag',
    ])
      expect(
        titles.some((t) => t.includes(view)),
        view,
      ).toBe(true);
    for (const p of flatten(dashboard.panels).filter((p) => p.type !== 'row'))
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
    expect(panelExprs.some((e) => e.includes('histogram_quantile(0.99'))).toBe(true);
  });

  it('every metric the rules and the dashboard reference is in the real /metrics', () => {
    const referenced = new Set(
      [...ruleExprs, ...panelExprs].flatMap((e) => [...references(e).metrics]),
    );
    // The parser finds names at all (else this test would pass on nothing).
    for (const expected of [
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
      'cart_rate_limit_rejections_total',
      'cart_audit_chain_intact',
      'cart_carts_created_total',
      'cart_checkouts_total',
      'cart_db_query_duration_seconds_bucket',
      'cart_nodejs_eventloop_lag_p99_seconds',
    ])
      expect(referenced).toContain(expected);
    const missing = [...referenced].filter((name) => !metrics.names.has(name));
    expect(missing).toEqual([]);
  });

  it('every label a selector matches on is one the metric carries', () => {
    const selectors = [...ruleExprs, ...panelExprs].flatMap((e) => references(e).selectors);
    expect(selectors.length).toBeGreaterThan(0);
    for (const { metric, labels } of selectors) {
      const carried = metrics.labels.get(metric);
      expect(carried, `${metric} has samples`).toBeDefined();
      for (const label of labels) expect(carried, `${metric}{${label}}`).toContain(label);
    }
  });
});
