// Summarises a Lighthouse JSON report: long tasks, bootup, LCP element.
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2] ?? 'bench/results/lighthouse/storefront.json', 'utf8'));
const a = r.audits;
for (const k of ['long-tasks', 'bootup-time', 'largest-contentful-paint-element', 'main-thread-tasks']) {
  const x = a[k]; if (!x) continue;
  console.log('==', k, x.displayValue ?? '');
  const items = x.details?.items ?? [];
  for (const i of items.slice(0, 14)) console.log(JSON.stringify(i).slice(0, 260));
}
const tasks = a['main-thread-tasks']?.details?.items ?? [];
console.log('FCP', a['first-contentful-paint'].numericValue, 'TTI', a['interactive']?.numericValue);
