import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * One build, several pages (Vite multi-page): each page is an HTML entry, and the
 * server serves `dist/<page>/index.html` at its path and `dist/assets/` for all of them.
 * - `dashboard/index.html` → `/dashboard` (the operators' monitoring dashboard)
 * - `index.html` → `/` (the storefront), built as soon as that file exists.
 */
const pages: Record<string, string> = { dashboard: here('./dashboard/index.html') };
if (existsSync(here('./index.html'))) pages.storefront = here('./index.html');

/**
 * Writes `<file>.br` and `<file>.gz` next to every built text asset, once at build time:
 * the server (routes/web.ts, `preCompressed`) sends them to browsers that accept them,
 * so a phone on a slow network downloads a quarter of the bytes at no cost per request.
 */
function precompress(): Plugin {
  return {
    name: 'cart-precompress',
    apply: 'build',
    closeBundle() {
      const assets = here('./dist/assets');
      if (!existsSync(assets)) return;
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg|json)$/.test(name)) continue;
        const file = join(assets, name);
        const data = readFileSync(file);
        if (data.length < 1024) continue;
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react(), precompress()],
  // `@cart/core`, `@cart/client` and `@cart/react` from their TypeScript sources (their
  // `@cart/source` export condition), never from a build in their dist/. A list given
  // here replaces Vite's own, so its defaults follow.
  resolve: { conditions: ['@cart/source', ...defaultClientConditions] },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    rolldownOptions: { input: pages },
  },
  // `npm run dev -w @cart/web`: pages from Vite, the API from a server on port 3000.
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
