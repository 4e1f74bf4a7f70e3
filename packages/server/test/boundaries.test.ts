/**
 * The import boundaries of .dependency-cruiser.mjs (`npm run lint:deps`, part of
 * `npm run lint`) hold on the real tree and catch what they are for. A scratch tree in a
 * temporary folder copies the repository's layout (packages/*, apps/web, the
 * node_modules/@cart links) with one file per kind of forbidden import; dependency-cruiser,
 * run on it with the repository's config, must report exactly those, each under the rule
 * that forbids it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..', '..');
const CONFIG = join(REPO, '.dependency-cruiser.mjs');
const DEPCRUISE = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { error: number; violations: { from: string; to: string; rule: { name: string } }[] };
}

/**
 * Runs dependency-cruiser on packages/ and apps/ of `cwd` with the repository's config, as
 * `npm run lint:deps` does (or with another reporter).
 */
function depcruise(cwd: string, ...args: string[]) {
  const run = spawnSync(
    process.execPath,
    [DEPCRUISE, 'packages', 'apps', '--config', CONFIG, ...args],
    {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    },
  );
  if (run.error) throw run.error;
  return run;
}

describe('import boundaries (.dependency-cruiser.mjs)', () => {
  it('the repository passes, and each listed test exception is still a real import', async () => {
    const run = depcruise(REPO, '--output-type', 'json');
    const result = JSON.parse(run.stdout) as CruiseResult;
    expect(result.summary.violations.map((v) => `${v.from} → ${v.to}: ${v.rule.name}`)).toEqual([]);
    expect(result.summary.error).toBe(0);

    // A pair left in the list after its import is gone would let that import come back.
    const imports = new Set(
      result.modules.flatMap((m) => m.dependencies.map((d) => `${m.source} → ${d.resolved}`)),
    );
    const { KNOWN_CROSS_PACKAGE_TEST_IMPORTS: known } = (await import(
      pathToFileURL(CONFIG).href
    )) as { KNOWN_CROSS_PACKAGE_TEST_IMPORTS: [string, string][] };
    expect(known.length).toBeGreaterThan(0);
    const stale = known.map(([from, to]) => `${from} → ${to}`).filter((pair) => !imports.has(pair));
    expect(stale).toEqual([]);
  });

  describe('a tree with forbidden imports', () => {
    let root: string;
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'cart-boundaries-'));
      // The packages, each with its package.json and public entry, linked by name as npm
      // workspaces link them. The SDK's packages export their sources by the `@cart/source`
      // condition and are built (`npm run build:sdk`), as they can be in the repository.
      for (const [name, dir] of [
        ['core', 'packages/core'],
        ['client', 'packages/client'],
        ['react', 'packages/react'],
        ['server', 'packages/server'],
        ['test-support', 'packages/test-support'],
      ] as const) {
        const sdk = name === 'core' || name === 'client' || name === 'react';
        write(
          `${dir}/package.json`,
          JSON.stringify({
            name: `@cart/${name}`,
            type: 'module',
            // The test helpers are imported file by file.
            exports:
              name === 'test-support'
                ? { './*': './src/*' }
                : sdk
                  ? {
                      '.': {
                        '@cart/source': './src/index.ts',
                        types: './dist/index.d.ts',
                        default: './dist/index.js',
                      },
                    }
                  : { '.': './src/index.ts' },
          }),
        );
        write(`${dir}/src/index.ts`, `export const ${name} = '${name}';\n`);
        if (sdk) {
          write(`${dir}/dist/index.js`, `export const ${name} = '${name}';\n`);
          write(`${dir}/dist/index.d.ts`, `export declare const ${name}: string;\n`);
        }
        mkdirSync(join(root, 'node_modules', '@cart'), { recursive: true });
        symlinkSync(join('..', '..', dir), join(root, 'node_modules', '@cart', name));
      }
      write('packages/core/src/money.ts', 'export const money = 1;\n');
      write('packages/server/src/app.ts', 'export const app = 1;\n');
      write('packages/server/test/support/postgres.ts', 'export const postgres = 1;\n');
      write('packages/test-support/src/test-app.ts', 'export const testApp = 1;\n');
      write('apps/web/package.json', JSON.stringify({ name: '@cart/web', type: 'module' }));

      // Allowed: by package name, along the arrows.
      write('packages/client/src/uses-core.ts', "export { core } from '@cart/core';\n");
      write('apps/web/src/uses-client.ts', "export { client } from '@cart/client';\n");
      // Allowed: the test helpers reach the server by name; tests reach the helpers by name.
      write('packages/test-support/src/server.ts', "export { server } from '@cart/server';\n");
      write(
        'packages/client/test/uses-helper.test.ts',
        "export { testApp } from '@cart/test-support/test-app.ts';\n",
      );
      write(
        'packages/server/src/uses-helper.test.ts',
        "export { testApp } from '@cart/test-support/test-app.ts';\n",
      );
      // Forbidden.
      write('packages/core/src/bad.ts', "export { client } from '../../client/src/index.ts';\n");
      write('packages/core/src/bad-by-name.ts', "export { client } from '@cart/client';\n");
      write('apps/web/src/bad.ts', "export { app } from '../../../packages/server/src/app.ts';\n");
      write('packages/client/src/bad.ts', "export { money } from '../../core/src/money.ts';\n");
      write(
        'packages/client/src/bad-deep.ts',
        "export { money } from '@cart/core/src/money.ts';\n",
      );
      // Shipped code does not import the test helpers, even by name.
      write(
        'packages/server/src/bad-helper.ts',
        "export { testApp } from '@cart/test-support/test-app.ts';\n",
      );
      // A new workspace package must be entered in the config before it may import others.
      write('packages/fixtures/src/index.ts', "export { app } from '../../server/src/app.ts';\n");
      // A file of the named exception may reach its listed package, and nothing more.
      write(
        'packages/server/test/hardening/live-streams.test.ts',
        "export { client } from '@cart/client';\n" + "export { react } from '@cart/react';\n",
      );
      write(
        'packages/react/test/bad.test.tsx',
        "export { postgres } from '../../server/test/support/postgres.ts';\n",
      );
    });

    afterAll(() => {
      rmSync(root, { recursive: true, force: true });
    });

    it('fails, naming each forbidden import and its rule, and nothing else', () => {
      const run = depcruise(root);
      // The error reporter's lines: "  error <rule>: <from> → <to>".
      const reported = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)].map(
        ([, rule, from, to]) => `${from} → ${to}: ${rule}`,
      );
      expect(run.status).toBe(reported.length);
      expect(reported.sort()).toEqual(
        [
          // core → client by a relative path: out of core's folder, and against the arrows.
          'packages/core/src/bad.ts → packages/client/src/index.ts: no-relative-import-out-of-package',
          'packages/core/src/bad.ts → packages/client/src/index.ts: core-imports-no-other-package',
          // core → client by name: resolved to the real file, against the arrows.
          'packages/core/src/bad-by-name.ts → packages/client/src/index.ts: core-imports-no-other-package',
          // web → server: nothing imports the server.
          'apps/web/src/bad.ts → packages/server/src/app.ts: no-relative-import-out-of-package',
          'apps/web/src/bad.ts → packages/server/src/app.ts: web-imports-only-react-client-core',
          // client → core is an allowed arrow, but only through '@cart/core'.
          'packages/client/src/bad.ts → packages/core/src/money.ts: no-relative-import-out-of-package',
          'packages/client/src/bad-deep.ts → @cart/core/src/money.ts: no-unresolvable-cart-import',
          // Shipped code never imports the test helpers.
          'packages/server/src/bad-helper.ts → packages/test-support/src/test-app.ts: server-imports-only-core',
          // A package the config does not know.
          'packages/fixtures/src/index.ts → packages/server/src/app.ts: unknown-workspace-package',
          // Tests are checked too: a test gets no exception, a listed one only its pair.
          'packages/server/test/hardening/live-streams.test.ts → packages/react/src/index.ts: server-imports-only-core',
          'packages/react/test/bad.test.tsx → packages/server/test/support/postgres.ts: no-relative-import-out-of-package',
          'packages/react/test/bad.test.tsx → packages/server/test/support/postgres.ts: react-imports-only-client',
        ].sort(),
      );
    });

    it('reports every import that reaches a build, were the `@cart/source` condition missed', () => {
      // The repository's config without the condition: what a tool that misses it resolves.
      const config = join(root, 'no-source-condition.mjs');
      writeFileSync(
        config,
        [
          `import config from ${JSON.stringify(pathToFileURL(CONFIG).href)};`,
          'const resolve = config.options.enhancedResolveOptions;',
          'export default { ...config, options: { ...config.options, enhancedResolveOptions: {',
          "  ...resolve, conditionNames: resolve.conditionNames.filter((c) => c !== '@cart/source'),",
          '} } };',
        ].join('\n'),
      );
      const run = depcruise(root, '--config', config);
      const reported = [...run.stdout.matchAll(/^\s*error no-import-of-a-build: (\S+) → (\S+)$/gm)];
      expect(reported.map(([, from, to]) => `${from} → ${to}`).sort()).toEqual(
        [
          'apps/web/src/uses-client.ts → packages/client/dist/index.d.ts',
          'packages/client/src/uses-core.ts → packages/core/dist/index.d.ts',
          'packages/core/src/bad-by-name.ts → packages/client/dist/index.d.ts',
          'packages/server/test/hardening/live-streams.test.ts → packages/client/dist/index.d.ts',
          'packages/server/test/hardening/live-streams.test.ts → packages/react/dist/index.d.ts',
        ].sort(),
      );
    });
  });
});
