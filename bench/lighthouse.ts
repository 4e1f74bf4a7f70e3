/**
 * Lighthouse (12.2.3, Debian Chromium) on the storefront, recorded under the benchmarks:
 * `npm run bench:lighthouse`. The server runs with its real stack and the demo catalog on
 * 127.0.0.1; Lighthouse audits the product grid (`/`) and the cart page (`/cart`) with its
 * default mobile emulation and throttling. Scores are recorded, not asserted: they move
 * with the machine's load. The full JSON reports are written next to the summary.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { buildApp } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';

const CHROME_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PAGES = [
  { name: 'storefront', path: '/' },
  { name: 'cart', path: '/cart' },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-lighthouse-'));
  const app = await buildApp(
    loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
      RATE_LIMITS: 'off',
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    chromeFlags: CHROME_FLAGS,
  });
  const outDir = join('bench', 'results', 'lighthouse');
  mkdirSync(outDir, { recursive: true });
  const summary: Record<string, Record<string, number | null>> = {};
  try {
    for (const page of PAGES) {
      const result = await lighthouse(`${origin}${page.path}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
      });
      if (!result) throw new Error(`Lighthouse gave no result for ${page.path}`);
      const { categories, audits } = result.lhr;
      summary[page.name] = {
        performance: score(categories.performance?.score),
        accessibility: score(categories.accessibility?.score),
        bestPractices: score(categories['best-practices']?.score),
        seo: score(categories.seo?.score),
        firstContentfulPaintMs: round(audits['first-contentful-paint']?.numericValue),
        largestContentfulPaintMs: round(audits['largest-contentful-paint']?.numericValue),
        totalBlockingTimeMs: round(audits['total-blocking-time']?.numericValue),
        cumulativeLayoutShift: audits['cumulative-layout-shift']?.numericValue ?? null,
      };
      writeFileSync(join(outDir, `${page.name}.json`), result.report as string);
    }
  } finally {
    chrome.kill();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const record = {
    measuredAt: new Date().toISOString(),
    tool: 'lighthouse 12.2.3, Debian Chromium, default mobile emulation and throttling',
    targets: { performance: 95, accessibility: 100 },
    pages: summary,
  };
  writeFileSync(
    join('bench', 'results', 'lighthouse.json'),
    `${JSON.stringify(record, null, 2)}\n`,
  );
  console.log(JSON.stringify(record, null, 2));
}

const score = (s: number | null | undefined) =>
  s === null || s === undefined ? null : Math.round(s * 100);
const round = (n: number | undefined) => (n === undefined ? null : Math.round(n));

await main();
