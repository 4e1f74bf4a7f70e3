/**
 * What the SDK adds to a shop's page, in bytes: `npm run bench:size` builds the packages
 * (`npm run build:sdk`), then bundles each entry below with esbuild as a shop's app would
 * get it (the published builds in dist/, resolved without the workspace's `@cart/source`
 * condition; for browsers, ES2022, minified), and gzips the bundle (level 9). Each entry
 * is `export * from '<package>'`, the package's whole API: an app that imports less gets
 * less. Writes bench/results/sdk-size-<YYYY-MM-DD>.json and prints a table.
 *
 * zod is measured two ways: its share of the SDK's bundle (with it, less without it), and
 * the whole of `zod` and of `zod/mini` (`export *`). What the namespace import saves over
 * `import { z } from 'zod/mini'` is measured on the real builds, rewritten to the named
 * import as they load.
 *
 * Core and the client wrote classic zod (`import * as z from 'zod'`) until 2026-12-07;
 * their schemas are zod/mini ones since. The move was estimated here from a sample of
 * core's schemas written both ways (−15.9 KB gzip), files retired once it was made; the
 * measure before and after is in CHANGELOG.md and in this file's history of results
 * (bench/results/sdk-size-2026-12-07.json: 55,009 → 43,589 B gzip for client+core+zod).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';

const REPO_ROOT = join(import.meta.dirname, '..');

interface Entry {
  name: string;
  what: string;
  /** The module bundled: a package's whole API, or a file of this folder. */
  source: { contents: string } | { file: string };
  external: string[];
  plugins?: Plugin[];
}

const everything = (pkg: string) => ({ contents: `export * from '${pkg}';` });

/**
 * How core and the client import zod, and the named import they used before: the `z`
 * object it names holds all of zod/mini (the error messages of every locale among them),
 * so a bundler keeps it whole, where the namespace import lets it keep only the members
 * used.
 */
const NAMESPACE_IMPORT = "import * as z from 'zod/mini';";
const NAMED_IMPORT = "import { z } from 'zod/mini';";

/** Loads the builds of core and the client with the named import in place of theirs. */
function namedImportBuilds(): Plugin {
  return {
    name: 'zod-named-import',
    setup(bundler) {
      let rewritten = 0;
      bundler.onLoad({ filter: /[\\/]packages[\\/](core|client)[\\/]dist[\\/].*\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (text.includes(NAMESPACE_IMPORT)) rewritten++;
        return { contents: text.replaceAll(NAMESPACE_IMPORT, NAMED_IMPORT), loader: 'js' };
      });
      bundler.onEnd(() => {
        if (rewritten === 0)
          throw new Error(`no build of core or the client has ${NAMESPACE_IMPORT}`);
      });
    },
  };
}

const ENTRIES: Entry[] = [
  {
    name: 'client',
    what: '@cart/client alone (@cart/core and zod external)',
    source: everything('@cart/client'),
    external: ['@cart/core', 'zod'],
  },
  {
    name: 'client+core',
    what: '@cart/client with @cart/core (zod external)',
    source: everything('@cart/client'),
    external: ['zod'],
  },
  {
    name: 'client+core+zod',
    what: '@cart/client with everything it loads: @cart/core and zod',
    source: everything('@cart/client'),
    external: [],
  },
  {
    name: 'client+core+zod-named-import',
    what: "the same, had core and the client `import { z } from 'zod/mini'` (their builds rewritten as they load)",
    source: everything('@cart/client'),
    external: [],
    plugins: [namedImportBuilds()],
  },
  {
    name: 'core',
    what: '@cart/core alone (zod external)',
    source: everything('@cart/core'),
    external: ['zod'],
  },
  {
    name: 'core+zod',
    what: '@cart/core with zod',
    source: everything('@cart/core'),
    external: [],
  },
  {
    name: 'react',
    what: '@cart/react alone (@cart/client and react external)',
    source: everything('@cart/react'),
    external: ['@cart/client', 'react'],
  },
  {
    name: 'zod',
    what: 'zod, the whole library (every export, every locale among them)',
    source: everything('zod'),
    external: [],
  },
  {
    name: 'zod/mini',
    what: 'zod/mini, the whole library (every export, every locale among them)',
    source: everything('zod/mini'),
    external: [],
  },
];

interface Size {
  name: string;
  what: string;
  minified: number;
  gzip: number;
}

async function measure(entry: Entry): Promise<Size> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    ...('file' in entry.source
      ? { entryPoints: [entry.source.file] }
      : {
          stdin: {
            contents: entry.source.contents,
            resolveDir: join(REPO_ROOT, 'bench'),
            loader: 'ts' as const,
          },
        }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: entry.external,
    plugins: entry.plugins ?? [],
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`${entry.name}: esbuild wrote nothing`);
  return {
    name: entry.name,
    what: entry.what,
    minified: code.byteLength,
    gzip: gzipSync(code, { level: 9 }).byteLength,
  };
}

function versionOf(pkg: string): string {
  const manifest = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

async function main(): Promise<void> {
  for (const pkg of ['core', 'client', 'react'])
    if (!existsSync(join(REPO_ROOT, 'packages', pkg, 'dist', 'index.js')))
      throw new Error(`packages/${pkg}/dist is missing: run \`npm run build:sdk\` first`);

  const sizes: Size[] = [];
  for (const entry of ENTRIES) sizes.push(await measure(entry));
  const size = (name: string) => {
    const found = sizes.find((s) => s.name === name);
    if (!found) throw new Error(`no measure named ${name}`);
    return found;
  };

  const withZod = size('client+core+zod');
  const withoutZod = size('client+core');
  const zodInSdk = {
    minified: withZod.minified - withoutZod.minified,
    gzip: withZod.gzip - withoutZod.gzip,
  };
  const namedImport = size('client+core+zod-named-import').gzip;

  const results = {
    measuredAt: new Date().toISOString(),
    method:
      "esbuild bundle of `export * from '<package>'` (the whole API) from the published builds (packages/*/dist, `npm run build:sdk`), resolved as an app resolves them; platform browser, ES2022, minified, no legal comments; gzip level 9. Bytes.",
    versions: {
      node: process.version,
      esbuild: esbuildVersion,
      zod: versionOf('zod'),
      typescript: versionOf('typescript'),
    },
    sizes,
    zod: {
      shareOfSdk: {
        ...zodInSdk,
        gzipPercent: Math.round((zodInSdk.gzip / withZod.gzip) * 1000) / 10,
        how: 'client+core+zod minus client+core',
      },
      namespaceImport: {
        change:
          "core and the client `import * as z from 'zod/mini'`; not `import { z } from 'zod/mini'`, whose `z` object holds all of zod/mini, every locale's messages included",
        sdkGzipWithNamedImport: namedImport,
        savedGzip: namedImport - withZod.gzip,
        how: 'client+core+zod-named-import minus client+core+zod, both measured',
      },
    },
  };

  const date = results.measuredAt.slice(0, 10);
  const out = join(REPO_ROOT, 'bench', 'results', `sdk-size-${date}.json`);
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.table(
    Object.fromEntries(
      sizes.map((s) => [
        s.name,
        { minified: kb(s.minified), 'min+gzip': kb(s.gzip), what: s.what },
      ]),
    ),
  );
  console.log(
    `zod is ${kb(zodInSdk.gzip)} of the SDK's ${kb(withZod.gzip)} (min+gzip, ${results.zod.shareOfSdk.gzipPercent}%); ` +
      `with \`import { z } from 'zod/mini'\`: ${kb(namedImport)}`,
  );
  console.log(`results: ${out}`);
}

await main();
