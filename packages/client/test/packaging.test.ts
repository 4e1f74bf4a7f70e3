// Over 400 lines on purpose: one packed SDK, one app installed from it, and every way a
// shop's front end uses it (types, build, browser, Node) against that one install.
/**
 * The SDK as a shop's existing front end gets it: `npm run build:sdk`, then `npm pack` of
 * @cart/core, @cart/client and @cart/react, installed from those tarballs into a new
 * Vite + React + TypeScript app in a temporary folder outside the repository (the
 * versions of vite, react and typescript this repository's lockfile has, so that npm's
 * cache serves them). That app must type-check (`tsc --noEmit`, strict, with the
 * declarations checked too), build (`vite build`), and add to a cart against a real
 * server: in headless Chromium, through `CartProvider` and the hooks, from the same
 * origin as the API; and from Node, with the installed @cart/client.
 *
 * Nothing here reads the packages' sources: the app sees only what the tarballs hold,
 * resolved as any app resolves them (no `@cart/source` condition). Slow (a build, an
 * install, a bundle): a minute or more.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '@cart/core';
import { launchChromium } from '@cart/test-support/browser.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');
/** The published packages, in the order each depends on the one before. */
const SDK = ['core', 'client', 'react'] as const;
const MINUTE = 60_000;

/**
 * Why this cannot run here, or null. On CI (`CI=true`) a missing tool is an error, so the
 * file fails and never skips.
 */
function unavailable(): string | null {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const reason = existsSync(chromium)
    ? null
    : `Chromium is not at ${chromium} (set CHROMIUM_PATH): the packaged app is not tested`;
  if (reason !== null && process.env.CI === 'true') throw new Error(reason);
  return reason;
}
const skip = unavailable();

/** The version of `name` this repository's lockfile installs. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * What the commands run outside the repository see of this environment: the path, the
 * home (npm's cache and its settings), proxies. Not NODE_OPTIONS (the repository's own
 * `--conditions`), NODE_ENV (Vitest's `test`), nor the npm_* variables of `npm test`.
 */
function outsideEnv(): NodeJS.ProcessEnv {
  const kept = /^(PATH|HOME|TMPDIR|LANG|CI|(https?|no)_proxy|npm_config_(cache|registry))$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => kept.test(key)));
}

/** Runs a command; rejects with its output when it fails. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeout,
    });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` in ${options.cwd} failed (${code ?? signal}):\n${output.slice(-6000)}`,
          ),
        );
    });
  });
}

/** The app's files: a strict TypeScript setup as `npm create vite` makes, and its code. */
function appFiles(tarballs: Record<(typeof SDK)[number], string>): Record<string, string> {
  const manifest = {
    name: 'shop-front-end',
    private: true,
    type: 'module',
    dependencies: {
      '@cart/core': `file:${tarballs.core}`,
      '@cart/client': `file:${tarballs.client}`,
      '@cart/react': `file:${tarballs.react}`,
      react: lockedVersion('react'),
      'react-dom': lockedVersion('react-dom'),
    },
    devDependencies: {
      '@types/react': lockedVersion('@types/react'),
      '@types/react-dom': lockedVersion('@types/react-dom'),
      '@vitejs/plugin-react': lockedVersion('@vitejs/plugin-react'),
      typescript: lockedVersion('typescript'),
      vite: lockedVersion('vite'),
    },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      jsx: 'react-jsx',
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      // The packages' declarations are checked too, as strictly as the app.
      skipLibCheck: false,
      noEmit: true,
      types: [],
    },
    include: ['src'],
  };
  return {
    'package.json': JSON.stringify(manifest, null, 2),
    'tsconfig.json': JSON.stringify(tsconfig, null, 2),
    // Served under /shop/ by the test: relative asset paths.
    'vite.config.js': [
      "import react from '@vitejs/plugin-react';",
      "import { defineConfig } from 'vite';",
      "export default defineConfig({ base: './', plugins: [react()] });",
    ].join('\n'),
    'index.html': [
      '<!doctype html>',
      '<html lang="en">',
      '  <head><meta charset="UTF-8" /><title>Shop</title></head>',
      '  <body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body>',
      '</html>',
    ].join('\n'),
    'src/main.tsx': `
import { createCartStore } from '@cart/client';
import { CartProvider } from '@cart/react';
import { createRoot } from 'react-dom/client';
import { Shop } from './shop.tsx';

// Cookie mode, as in any page the shop serves: the API is on this page's origin.
const store = createCartStore();
const root = document.getElementById('root');
if (!root) throw new Error('no #root');
createRoot(root).render(
  <CartProvider store={store}>
    <Shop store={store} />
  </CartProvider>,
);
`,
    'src/shop.tsx': `
import { useEffect, useState } from 'react';
import type { CartStore } from '@cart/client';
import { currencyExponent, type Money, type Product } from '@cart/core';
import { useCart, useCartActions, useCartSnapshot, useCartStatus } from '@cart/react';

const format = ({ amount, currency }: Money): string => {
  const exponent = currencyExponent(currency);
  return \`\${(amount / 10 ** exponent).toFixed(exponent)} \${currency}\`;
};

export function Shop({ store }: { store: CartStore }) {
  const [products, setProducts] = useState<Product[]>([]);
  const cart = useCart();
  const { addLine } = useCartActions();
  const { status, lastError } = useCartStatus();
  const { cartId } = useCartSnapshot();
  useEffect(() => {
    void store.loadProducts({ limit: 10 }).then(({ items }) => setProducts(items));
  }, [store]);
  return (
    <main>
      <p role="status" data-status={status}>{lastError ? lastError.message : status}</p>
      {products.map((product) => (
        <button key={product.id} onClick={() => void addLine(product, 2)}>
          Add {product.name}
        </button>
      ))}
      <ul>
        {cart?.lines.map((line) => (
          <li key={line.key} data-pending={String(line.pending)}>
            {line.quantity} × {line.name}
          </li>
        ))}
      </ul>
      {cart && <p data-cart-id={cartId ?? ''}>Total {format(cart.total)}</p>}
    </main>
  );
}
`,
    // The SDK from Node, in bearer mode, as a script of the same app would use it.
    'add-from-node.mjs': `
import { createCartStore, MemoryStorage } from '@cart/client';

const store = createCartStore({
  baseUrl: process.argv[2],
  auth: 'bearer',
  storage: new MemoryStorage(),
  live: false,
});
try {
  await store.start();
  const created = await store.createCart();
  const { items } = await store.loadProducts({ limit: 10 });
  const result = await store.addLine(items[0], 3);
  const read = await store.api.getCart(created.id);
  console.log(JSON.stringify({
    resolved: import.meta.resolve('@cart/client'),
    added: result.ok,
    lines: read.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
  }));
} finally {
  store.dispose();
}
`,
  };
}

describe.skipIf(skip !== null)('the SDK packed and installed in a Vite + React app', () => {
  let dir: string;
  let app: string;
  let server: TestServer;
  let product: Product;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-sdk-packaging-'));
    app = join(dir, 'shop');
    // Outside the repository: nothing may resolve through its node_modules.
    expect(relative(REPO, dir).startsWith(`..${sep}`)).toBe(true);
    server = await startTestServer();
    const created = await new HttpClient(server.url).post<Product>('/api/admin/products', {
      token: server.adminToken,
      body: {
        sku: 'PACKED-1',
        name: 'Packaged Mug',
        description: '',
        price: { amount: 1250, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
      },
    });
    expect(created.status, created.text).toBe(201);
    product = created.body;
  }, MINUTE);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tarballs = {} as Record<(typeof SDK)[number], string>;

  it(
    'builds each package and packs it with its build, declarations and maps, and no tests',
    async () => {
      await run('npm', ['run', 'build:sdk'], { cwd: REPO, timeout: 5 * MINUTE });
      const packs = join(dir, 'tarballs');
      mkdirSync(packs);
      for (const name of SDK) {
        const [packed] = JSON.parse(
          await run(
            'npm',
            ['pack', '--json', '--pack-destination', packs, '-w', `packages/${name}`],
            { cwd: REPO, timeout: MINUTE },
          ),
        ) as { filename: string; files: { path: string }[] }[];
        if (!packed) throw new Error(`npm pack gave nothing for ${name}`);
        tarballs[name] = join(packs, packed.filename);
        const files = packed.files.map((f) => f.path);
        expect(files, name).toEqual(
          expect.arrayContaining([
            'package.json',
            'LICENSE',
            'README.md',
            'dist/index.js',
            'dist/index.js.map',
            'dist/index.d.ts',
            'dist/index.d.ts.map',
            'src/index.ts',
          ]),
        );
        expect(
          files.filter((f) => /\.test\.tsx?$|(^|\/)test\//.test(f)),
          `${name}: tests`,
        ).toEqual([]);
        // Every module is built, with its declarations and both maps.
        for (const source of files.filter((f) => /^src\/.*\.tsx?$/.test(f))) {
          const base = source.replace(/^src\//, 'dist/').replace(/\.tsx?$/, '');
          for (const ext of ['.js', '.js.map', '.d.ts', '.d.ts.map'])
            expect(files, `${name}: ${base}${ext}`).toContain(`${base}${ext}`);
        }
        const manifest = JSON.parse(
          readFileSync(join(REPO, 'packages', name, 'package.json'), 'utf8'),
        ) as { exports: Record<string, Record<string, string>>; sideEffects: boolean | string[] };
        expect(manifest.exports['.']).toMatchObject({
          types: './dist/index.d.ts',
          default: './dist/index.js',
        });
        // Tree-shakable: no module has side effects but core's one that gives zod/mini its
        // English messages (packages/core/src/schemas/zod-locale.ts), in source and build.
        expect(manifest.sideEffects).toEqual(
          name === 'core' ? ['./src/schemas/zod-locale.ts', './dist/schemas/zod-locale.js'] : false,
        );
        // The repository's license, word for word.
        expect(readFileSync(join(REPO, 'packages', name, 'LICENSE'), 'utf8')).toBe(
          readFileSync(join(REPO, 'LICENSE'), 'utf8'),
        );
      }
    },
    6 * MINUTE,
  );

  it(
    'installs from the tarballs into a new app that type-checks and builds',
    async () => {
      expect(Object.keys(tarballs)).toEqual([...SDK]);
      for (const [file, text] of Object.entries(appFiles(tarballs))) {
        mkdirSync(dirname(join(app, file)), { recursive: true });
        writeFileSync(join(app, file), `${text.trim()}\n`);
      }
      const env = outsideEnv();
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: app,
        env,
        timeout: 8 * MINUTE,
      });
      for (const name of SDK) {
        const installed = JSON.parse(
          readFileSync(join(app, 'node_modules', '@cart', name, 'package.json'), 'utf8'),
        ) as { version: string };
        expect(installed.version).toBe('0.1.0');
      }
      // One copy of each: @cart/client's and @cart/react's ranges take the app's.
      expect(existsSync(join(app, 'node_modules', '@cart', 'client', 'node_modules'))).toBe(false);
      expect(existsSync(join(app, 'node_modules', '@cart', 'react', 'node_modules'))).toBe(false);

      await run(
        process.execPath,
        [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
        {
          cwd: app,
          env,
          timeout: 3 * MINUTE,
        },
      );
      await run(process.execPath, [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
        cwd: app,
        env,
        timeout: 3 * MINUTE,
      });
      expect(existsSync(join(app, 'dist', 'index.html'))).toBe(true);
    },
    15 * MINUTE,
  );

  it(
    'adds to a cart in headless Chromium, through CartProvider and the hooks',
    async () => {
      browser = await launchChromium();
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      // The built app under /shop/ of the server's own origin; everything else is the server.
      const built = join(app, 'dist');
      await page.route(`${server.url}/shop/**`, (route) => {
        const path = new URL(route.request().url()).pathname.slice('/shop/'.length);
        const file = join(built, path === '' ? 'index.html' : path);
        return existsSync(file) ? route.fulfill({ path: file }) : route.fulfill({ status: 404 });
      });
      await page.goto(`${server.url}/shop/`);

      await page.getByRole('button', { name: 'Add Packaged Mug' }).click();
      const line = page.locator('li[data-pending="false"]');
      await line.waitFor({ timeout: 30_000 });
      expect(await line.textContent()).toBe('2 × Packaged Mug');
      await page.locator('[data-status="idle"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-cart-id]').textContent()).toBe('Total 25.00 USD');

      // The cart as the server has it, read with the page's cookie.
      const cartId = await page.locator('[data-cart-id]').getAttribute('data-cart-id');
      expect(cartId).toBeTruthy();
      const stored = await page.evaluate(async (id) => {
        const res = await fetch(`/api/carts/${id}`);
        return {
          status: res.status,
          cart: (await res.json()) as { lines: { productId: string; quantity: number }[] },
        };
      }, cartId);
      expect(stored.status).toBe(200);
      expect(stored.cart.lines.map((l) => [l.productId, l.quantity])).toEqual([[product.id, 2]]);
      expect(problems).toEqual([]);
      await context.close();
    },
    2 * MINUTE,
  );

  it(
    'adds to a cart from Node with the installed @cart/client',
    async () => {
      const stdout = await run(process.execPath, ['add-from-node.mjs', server.url], {
        cwd: app,
        env: outsideEnv(),
        timeout: MINUTE,
      });
      const result = JSON.parse(stdout) as { resolved: string; added: boolean; lines: unknown };
      // The tarball's build, in the app's node_modules.
      expect(result.resolved).toMatch(/\/shop\/node_modules\/@cart\/client\/dist\/index\.js$/);
      expect(result.added).toBe(true);
      expect(result.lines).toEqual([{ productId: product.id, quantity: 3 }]);
    },
    2 * MINUTE,
  );
});
