import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Two pages, each an HTML entry; the server serves `dist/<page>/index.html` at its path
 * and `dist/assets/` for both:
 * - `index.html` → `/` (the storefront);
 * - `dashboard/index.html` → `/dashboard` (the operators' monitoring dashboard).
 *
 * Built one at a time (`vite build --mode storefront`, then `--mode dashboard`: see
 * package.json), so that neither page loads a byte of the other: built together, the
 * modules both use (React, zod, @cart/core) become one chunk with what either page needs
 * of them, and a shopper on a phone downloads the dashboard's share. The dev server
 * (`vite`) serves both.
 */
const PAGES = {
  storefront: here('./index.html'),
  dashboard: here('./dashboard/index.html'),
} as const;

/**
 * The storefront's views a first visit does not need, and what only they use: loaded
 * when first needed (src/storefront/lazy-views.tsx). Everything else the storefront
 * loads is one chunk, rather than a chunk for each set of views that shares a module.
 */
const LAZY_ONLY =
  /apps\/web\/src\/storefront\/(?:views\/(?:cart|checkout|order)\.(?:tsx|css)|components\/(?:shipping-address|shipping-method|promo-code|cart-fields|error-summary)\.(?:tsx|css)|orders\.ts)/;

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

/**
 * A page's script is fetched at low priority: the page's frame (in its index.html) paints
 * once the HTML and the stylesheet are in, and a module script never holds the paint
 * back, so the stylesheet (and the API answers the server preloads for the storefront:
 * routes/web.ts) go first on a slow network and the script takes the rest.
 */
function scriptAfterStylesheet(): Plugin {
  return {
    name: 'cart-script-after-stylesheet',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (html) =>
        html.replace(/<script type="module"(?![^>]*fetchpriority)/g, '$& fetchpriority="low"'),
    },
  };
}

export default defineConfig(({ command, mode }) => {
  const page = mode === 'dashboard' ? 'dashboard' : 'storefront';
  return {
    root: here('.'),
    base: '/',
    plugins: [react(), precompress(), scriptAfterStylesheet()],
    // `@cart/core`, `@cart/client` and `@cart/react` from their TypeScript sources (their
    // `@cart/source` export condition), never from a build in their dist/. A list given
    // here replaces Vite's own, so its defaults follow.
    resolve: { conditions: ['@cart/source', ...defaultClientConditions] },
    build: {
      outDir: here('./dist'),
      // The storefront is built first and starts from an empty dist/.
      emptyOutDir: page === 'storefront',
      assetsDir: 'assets',
      // Every browser the shop supports preloads modules itself.
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: command === 'serve' ? PAGES : { [page]: PAGES[page] },
        output:
          page === 'storefront'
            ? {
                codeSplitting: {
                  groups: [{ name: 'shop', test: (id: string) => !LAZY_ONLY.test(id) }],
                },
              }
            : {},
      },
    },
    // `npm run dev -w @cart/web`: pages from Vite, the API from a server on port 3000.
    server: { proxy: { '/api': 'http://localhost:3000' } },
  };
});
