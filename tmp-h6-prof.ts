import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
await cdp.send('Profiler.start');
await page.goto('http://127.0.0.1:3999/');
await page.waitForTimeout(4000);
const { profile } = await cdp.send('Profiler.stop');
const self = new Map<string, number>();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas ?? [];
profile.samples?.forEach((id, i) => {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
});
// inclusive time per function
const children = new Map<number, number[]>();
for (const n of profile.nodes) children.set(n.id, n.children ?? []);
const selfById = new Map<number, number>();
profile.samples?.forEach((id, i) => selfById.set(id, (selfById.get(id) ?? 0) + (dt[i] ?? 0) / 1000));
const incl = (id: number): number => (selfById.get(id) ?? 0) + (children.get(id) ?? []).reduce((s, c) => s + incl(c), 0);
const inclByKey = new Map<string, number>();
for (const n of profile.nodes) {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
  inclByKey.set(key, (inclByKey.get(key) ?? 0) + incl(n.id));
}
console.log('SELF');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(1), k);
console.log('INCLUSIVE');
for (const [k, v] of [...inclByKey].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(v.toFixed(1), k);
await browser.close();
