/**
 * What a browser downloads to show each page of apps/web, in bytes: `npm run bench:web-size`
 * builds the web app (`npm run build:web`), then reads each page's HTML for the scripts
 * and styles it names (its first load; the storefront's lazy views come later, when the
 * page is idle) and adds up the Brotli copies the server sends (routes/web.ts,
 * `preCompressed`). The lazy chunks are listed apart. Writes
 * bench/results/web-size-<YYYY-MM-DD>.json and prints a table.
 *
 * The storefront's target: first-load JavaScript at most 108 KB (110,592 bytes) Brotli,
 * aiming for 90 KB (92,160 bytes).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO_ROOT = join(import.meta.dirname, '..');
const DIST = join(REPO_ROOT, 'apps', 'web', 'dist');
const TARGET = { atMost: 108 * 1024, aim: 90 * 1024 };

/** The Brotli copy's size, or the file's own when it is too small to have one. */
const sent = (file: string) => statSync(existsSync(`${file}.br`) ? `${file}.br` : file).size;

function page(html: string) {
  const text = readFileSync(join(DIST, html), 'utf8');
  const names = [...new Set([...text.matchAll(/"\/assets\/([^"]+)"/g)].map((m) => m[1] as string))];
  const files = names.map((name) => ({ name, bytes: sent(join(DIST, 'assets', name)) }));
  const sum = (ext: string) =>
    files.filter((f) => f.name.endsWith(ext)).reduce((n, f) => n + f.bytes, 0);
  return { files, javascript: sum('.js'), css: sum('.css') };
}

function main(): void {
  execFileSync('npm', ['run', 'build:web'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const storefront = page('index.html');
  const dashboard = page(join('dashboard', 'index.html'));
  const firstLoad = new Set([...storefront.files, ...dashboard.files].map((f) => f.name));
  const later = readdirSync(join(DIST, 'assets'))
    .filter((name) => name.endsWith('.js') && !firstLoad.has(name))
    .map((name) => ({ name, bytes: sent(join(DIST, 'assets', name)) }));
  const results = {
    measuredAt: new Date().toISOString(),
    method:
      "the files each page's HTML names, as the server sends them (the build's Brotli copies, quality 11); bytes",
    target: { storefrontJavascript: TARGET },
    storefront: { ...storefront, lazyViews: later },
    dashboard,
  };
  const date = results.measuredAt.slice(0, 10);
  const out = join(REPO_ROOT, 'bench', 'results', `web-size-${date}.json`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `storefront first load: ${kb(storefront.javascript)} JS + ${kb(storefront.css)} CSS ` +
      `(target ≤ ${kb(TARGET.atMost)}, aim ${kb(TARGET.aim)}); lazy views ${later
        .map((f) => `${f.name} ${kb(f.bytes)}`)
        .join(', ')}`,
  );
  console.log(`dashboard first load: ${kb(dashboard.javascript)} JS + ${kb(dashboard.css)} CSS`);
  console.log(`results: ${out}`);
}

main();
