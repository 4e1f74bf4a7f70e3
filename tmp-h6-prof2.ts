import { chromium } from 'playwright-core';
const target = process.argv[2] ?? 'commitMutationEffectsOnFiber';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
await cdp.send('Profiler.start');
await page.goto('http://127.0.0.1:3999/' + (process.argv[3] ?? ''));
await page.waitForTimeout(4000);
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = profile.timeDeltas ?? [];
const agg = new Map<string, number>();
let total = 0;
profile.samples?.forEach((id, i) => {
  // is inside target?
  let cur: number | undefined = id; let inside = false;
  while (cur !== undefined) { if (byId.get(cur)!.callFrame.functionName === target) { inside = true; break; } cur = parent.get(cur); }
  if (!inside) return;
  const f = byId.get(id)!.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  const t = (dt[i] ?? 0) / 1000; total += t;
  agg.set(key, (agg.get(key) ?? 0) + t);
});
console.log('total', total.toFixed(1));
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(v.toFixed(1), k);
await browser.close();
