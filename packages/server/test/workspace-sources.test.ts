/**
 * Inside the repository every tool runs the SDK's packages (`@cart/core`, `@cart/client`,
 * `@cart/react`) from their TypeScript sources, by the `@cart/source` export condition of
 * their package.json; their `types` and `default` targets, the builds in dist/, are for
 * everyone else (`npm run build:sdk`). A tool that missed the condition would fail to
 * resolve them while dist/ is absent, but silently run a stale build once it exists (after
 * `npm run build:sdk`, or while the packaging test runs): so each tool is checked here, as
 * configured, whether the builds exist or not. dependency-cruiser is checked by its own
 * rule, no-import-of-a-build (boundaries.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { createServer } from 'vite';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..', '..');
/** The bundle `npm run build` makes (scripts/build.js). */
const SERVER_BUNDLE = join(REPO, 'packages', 'server', 'dist', 'server.js');
const CONDITION = '@cart/source';
/** Each SDK package and the file its sources start from. */
const ENTRIES = {
  '@cart/core': 'packages/core/src/index.ts',
  '@cart/client': 'packages/client/src/index.ts',
  '@cart/react': 'packages/react/src/index.ts',
};
const NAMES = Object.keys(ENTRIES) as (keyof typeof ENTRIES)[];

const fromRepo = (path: string) => relative(REPO, path).split('\\').join('/');

/** The projects `npm run typecheck` checks, from the root package.json's script. */
function typecheckedProjects(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return [...(scripts.typecheck ?? '').matchAll(/\btsc -p (\S+)/g)].map(([, project]) => project!);
}

describe("the workspace's tools resolve the SDK packages to their sources", () => {
  it('tsc, for every project `npm run typecheck` checks (tsconfig customConditions)', () => {
    const projects = typecheckedProjects();
    expect(projects.length).toBeGreaterThan(5);
    const resolved: string[] = [];
    for (const project of projects) {
      // As `tsc -p` reads it: the file named, or the folder's tsconfig.json.
      const path = join(REPO, project, project.endsWith('.json') ? '' : 'tsconfig.json');
      const parsed = ts.getParsedCommandLineOfConfigFile(
        path,
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: (d) => {
            throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
          },
        },
      );
      if (parsed === undefined) throw new Error(`cannot read ${path}`);
      // As an import in an ES module of the project's folder resolves.
      const importer = join(dirname(path), 'importer.ts');
      for (const name of NAMES) {
        const found = ts.resolveModuleName(
          name,
          importer,
          parsed.options,
          ts.sys,
          undefined,
          undefined,
          ts.ModuleKind.ESNext,
        ).resolvedModule?.resolvedFileName;
        resolved.push(`${project}: ${name} → ${found === undefined ? 'nothing' : fromRepo(found)}`);
      }
    }
    expect(resolved).toEqual(
      projects.flatMap((project) => NAMES.map((name) => `${project}: ${name} → ${ENTRIES[name]}`)),
    );
  });

  it('vitest, in every project of vitest.config.ts (resolve.conditions, for client and ssr)', async () => {
    // This very file runs in one of them: the module a name resolves to is its source's.
    for (const name of NAMES) {
      const byName: unknown = await import(/* @vite-ignore */ name);
      const bySource: unknown = await import(
        /* @vite-ignore */ pathToFileURL(join(REPO, ENTRIES[name])).href
      );
      expect(byName, name).toBe(bySource);
    }
    // And every project is configured alike.
    const { default: config } = (await import(
      /* @vite-ignore */ pathToFileURL(join(REPO, 'vitest.config.ts')).href
    )) as {
      default: {
        test: {
          projects: {
            test: { name: string };
            resolve?: { conditions?: string[] };
            ssr?: { resolve?: { conditions?: string[] } };
          }[];
        };
      };
    };
    const projects = config.test.projects;
    expect(projects.length).toBeGreaterThan(0);
    for (const project of projects) {
      expect(project.resolve?.conditions, project.test.name).toContain(CONDITION);
      expect(project.ssr?.resolve?.conditions, project.test.name).toContain(CONDITION);
    }
  });

  it('vite, building and serving apps/web (apps/web/vite.config.ts)', async () => {
    const server = await createServer({
      configFile: join(REPO, 'apps/web/vite.config.ts'),
      logLevel: 'silent',
      server: { middlewareMode: true, hmr: false, ws: false, watch: null },
      optimizeDeps: { noDiscovery: true },
    });
    try {
      const importer = join(REPO, 'apps/web/src/importer.tsx');
      const resolved: string[] = [];
      for (const name of NAMES) {
        const found = await server.environments.client.pluginContainer.resolveId(name, importer);
        resolved.push(`${name} → ${found ? fromRepo(found.id) : 'nothing'}`);
      }
      expect(resolved).toEqual(NAMES.map((name) => `${name} → ${ENTRIES[name]}`));
    } finally {
      await server.close();
    }
  });

  it('esbuild, bundling the server (scripts/build.js): its bundle maps to sources only', () => {
    // test/global-setup.ts has brought the bundle up to date with the tree.
    const map = JSON.parse(readFileSync(`${SERVER_BUNDLE}.map`, 'utf8')) as { sources: string[] };
    const workspaceFiles = map.sources
      .map((source) => fromRepo(join(dirname(SERVER_BUNDLE), source)))
      .filter((file) => file.startsWith('packages/'));
    // @cart/core is bundled in (its index.ts only re-exports: no code of its own to map).
    expect(workspaceFiles.some((file) => file.startsWith('packages/core/'))).toBe(true);
    expect(workspaceFiles.filter((file) => !/^packages\/[^/]+\/src\//.test(file))).toEqual([]);
  });

  it('node, with the flag given (--conditions=@cart/source, as every command below passes)', () => {
    const run = spawnSync(
      process.execPath,
      [
        `--conditions=${CONDITION}`,
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `for (const name of ${JSON.stringify(NAMES)}) console.log(import.meta.resolve(name));`,
      ],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(
      NAMES.map((name) => pathToFileURL(join(REPO, ENTRIES[name])).href),
    );
  });

  it('node, in every command of the repository that runs TypeScript sources', () => {
    const problems: string[] = [];
    // npm scripts: each command that is tsx.
    const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const [name, script] of Object.entries(scripts))
      for (const command of script.split(/&&|\|\||;/).map((c) => c.trim()))
        if (
          /(^|\s)tsx\s/.test(command) &&
          !/(^|\s)tsx (watch )?--conditions=@cart\/source\s/.test(command)
        )
          problems.push(`package.json scripts.${name}: ${command}`);
    // Child processes and documented commands: `'--import', 'tsx'` in code, `--import tsx`
    // and `npx tsx` in text, each with the condition right before (after for npx).
    const checks: [RegExp, (before: string, after: string) => boolean][] = [
      [/'--import',\s*'tsx'/g, (before) => /'--conditions=@cart\/source',\s*$/.test(before)],
      [/--import tsx\b/g, (before) => before.endsWith('--conditions=@cart/source ')],
      [/\bnpx tsx /g, (_, after) => after.startsWith('--conditions=@cart/source ')],
    ];
    for (const file of textFiles(REPO)) {
      const text = readFileSync(join(REPO, file), 'utf8');
      for (const [pattern, ok] of checks)
        for (const match of text.matchAll(pattern)) {
          const at = match.index;
          if (!ok(text.slice(Math.max(0, at - 80), at), text.slice(at + match[0].length)))
            problems.push(`${file}:${text.slice(0, at).split('\n').length}: ${match[0]}`);
        }
    }
    expect(problems).toEqual([]);
  });
});

/** Folders that hold no command of ours: dependencies, builds, output, tools' scratch copies. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  '.git',
  'coverage',
  'data',
  'results',
  'test-results',
  'test-artifacts',
  '.stryker-tmp',
  'reports',
]);

/** The repository's code, scripts and docs (paths from the root), this file excepted. */
function textFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...textFiles(path));
    } else if (
      /\.(ts|tsx|js|mjs|cjs|sh|md|json|ya?ml)$|^run$/.test(entry.name) &&
      path !== fileURLToPath(import.meta.url)
    ) {
      found.push(fromRepo(path));
    }
  }
  return found;
}
