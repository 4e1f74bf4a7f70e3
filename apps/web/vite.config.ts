import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * One build, several pages (Vite multi-page): each page is an HTML entry, and the
 * server serves `dist/<page>/index.html` at its path and `dist/assets/` for all of them.
 * - `dashboard/index.html` → `/dashboard` (the operators' monitoring dashboard)
 * - `index.html` → `/` (the storefront), built as soon as that file exists.
 */
const pages: Record<string, string> = { dashboard: here('./dashboard/index.html') };
if (existsSync(here('./index.html'))) pages.storefront = here('./index.html');

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    rolldownOptions: { input: pages },
  },
  // `npm run dev -w @cart/web`: pages from Vite, the API from a server on port 3000.
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
