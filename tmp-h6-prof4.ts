import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
const regions = readFileSync('/tmp/h6/regions.txt', 'utf8').trim().split('\n').map((l) => { const i = l.indexOf(':'); return { line: Number(l.slice(0, i)), name: l.slice(i + 4).replace('../../node_modules/', '') }; });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
await page.goto('http://127.0.0.1:3999/' + (process.argv[2] ?? ''));
await page.waitForTimeout(3000);
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = profile.timeDeltas ?? [];
let t = profile.startTime;
type Task = { start: number; end: number; agg: Map<string, number>; fns: Map<string, number>; self: Map<string, number> };
const tasks: Task[] = [];
let cur: Task | null = null;
profile.samples?.forEach((id, i) => {
  t += dt[i] ?? 0;
  const f = byId.get(id)!.callFrame;
  const idle = f.functionName === '(idle)';
  if (idle) { cur = null; return; }
  if (!cur) { cur = { start: t, end: t, agg: new Map(), fns: new Map(), self: new Map() }; tasks.push(cur); }
  const d = (dt[i + 1] ?? 100) / 1000;
  cur.end = t;
  let key = f.url ? f.url.split('/').pop()! : f.functionName;
  if (f.url.includes('/src-')) { let r = regions[0]!; for (const x of regions) if (x.line <= f.lineNumber + 1) r = x; key = r.name; }
  cur.agg.set(key, (cur.agg.get(key) ?? 0) + d);
  const fk = `${f.functionName || '(anon)'}@${key}`; cur.self.set(fk, (cur.self.get(fk) ?? 0) + d);
  // top-level app function on the stack from storefront chunk
  let n: number | undefined = id; let app = '';
  while (n !== undefined) { const cf = byId.get(n)!.callFrame; if (cf.url.includes('/storefront-') && cf.functionName) app = cf.functionName; n = parent.get(n); }
  if (app) cur.fns.set(app, (cur.fns.get(app) ?? 0) + d);
});
for (const task of tasks) {
  const ms = (task.end - task.start) / 1000;
  if (ms < 10) continue;
  console.log(`task @${((task.start - profile.startTime) / 1000).toFixed(0)}ms ${ms.toFixed(1)}ms`);
  console.log('   ', [...task.agg].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}=${v.toFixed(1)}`).join('  '));
  console.log('    self:', [...task.self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k}=${v.toFixed(1)}`).join('  '));
  console.log('    app:', [...task.fns].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}=${v.toFixed(1)}`).join('  '));
}
await browser.close();
