/**
 * Import boundaries between the workspace packages, checked by dependency-cruiser on the
 * real resolved paths (`npm run lint:deps`, part of `npm run lint`). Every file under
 * packages/ and apps/ is checked, tests included.
 *
 * - A package imports another only through its package name (`@cart/core`), which
 *   resolves to that package's public entry, never by a relative path out of its folder.
 * - The arrows point one way: web → react → client → core, web → client, web → core,
 *   server → core. Nothing imports server or web; core imports none of the others.
 * - Test helpers shared across packages live in packages/test-support (`@cart/test-support`,
 *   not shipped), which may import server, client and core. Only the tests of client, react
 *   and server import it, each helper by its file (`@cart/test-support/test-app.ts`).
 */

/**
 * Each workspace package: its folder, the packages it may import (by name), and the
 * packages its tests may import as well (files under `test/` and `*.test.ts(x)` files).
 */
const PACKAGES = {
  core: { dir: 'packages/core', mayImport: [] },
  client: { dir: 'packages/client', mayImport: ['core'], testsMayImport: ['test-support'] },
  react: { dir: 'packages/react', mayImport: ['client'], testsMayImport: ['test-support'] },
  server: { dir: 'packages/server', mayImport: ['core'], testsMayImport: ['test-support'] },
  web: { dir: 'apps/web', mayImport: ['react', 'client', 'core'] },
  'test-support': { dir: 'packages/test-support', mayImport: ['server', 'client', 'core'] },
};

/**
 * NAMED EXCEPTION: cross-package test imports that exist today, allowed pair by pair
 * (importer → imported file). The React hook test names a core type; the server's
 * live-streams test follows a cart with the SDK. No other file may cross, and these files
 * may cross only to the files listed.
 */
export const KNOWN_CROSS_PACKAGE_TEST_IMPORTS = [
  ['packages/react/test/hooks.test.tsx', 'packages/core/src/index.ts'], // import type from '@cart/core'
  ['packages/server/test/hardening/live-streams.test.ts', 'packages/client/src/index.ts'], // from '@cart/client'
];

const exactly = (path) => `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/**
 * A rule as written, except for the known pairs above: their importers are left out of
 * it, and each is checked by a copy of it that also lets that importer reach its listed
 * files. The copies keep the rule's name, so a report names the rule that was broken.
 */
function exceptKnownTestImports(rule) {
  const from = new RegExp(rule.from.path);
  const notFrom = (rule.from.pathNot ?? []).map((path) => new RegExp(path));
  const importers = [...new Set(KNOWN_CROSS_PACKAGE_TEST_IMPORTS.map(([file]) => file))].filter(
    (file) => from.test(file) && !notFrom.some((not) => not.test(file)),
  );
  if (importers.length === 0) return [rule];
  return [
    {
      ...rule,
      from: { ...rule.from, pathNot: [...(rule.from.pathNot ?? []), ...importers.map(exactly)] },
    },
    ...importers.map((importer) => ({
      ...rule,
      from: { path: exactly(importer) },
      to: {
        ...rule.to,
        pathNot: [
          ...rule.to.pathNot,
          ...KNOWN_CROSS_PACKAGE_TEST_IMPORTS.filter(([file]) => file === importer).map(
            ([, imported]) => exactly(imported),
          ),
        ],
      },
    })),
  ];
}

/** The name of the rule for what `name` may import, and its comment's list. */
const importsRule = (name, dir, allowed) => ({
  name:
    allowed.length > 0
      ? `${name}-imports-only-${allowed.join('-')}`
      : `${name}-imports-no-other-package`,
  comment: `${dir} may import ${allowed.length > 0 ? allowed.map((p) => `@cart/${p}`).join(', ') : 'no other package of the repository'}`,
});

const rules = Object.entries(PACKAGES).flatMap(
  ([name, { dir, mayImport, testsMayImport = [] }]) => {
    // A package's tests: files under its test/ folder and *.test.ts(x) files anywhere in it.
    const tests = `^${dir}/(test/|.*\\.test\\.tsx?$)`;
    const mayNotImport = (allowed) => ({
      path: '^(packages|apps)/',
      pathNot: [`^${dir}/`, ...allowed.map((p) => `^${PACKAGES[p].dir}/`)],
    });
    return [
      {
        name: 'no-relative-import-out-of-package',
        comment: `${dir} reaches other packages by their package name (@cart/…), never by a relative path out of its folder`,
        severity: 'error',
        from: { path: `^${dir}/` },
        to: { dependencyTypes: ['local'], pathNot: [`^${dir}/`] },
      },
      ...(testsMayImport.length === 0
        ? [
            {
              ...importsRule(name, dir, mayImport),
              severity: 'error',
              from: { path: `^${dir}/` },
              to: mayNotImport(mayImport),
            },
          ]
        : [
            {
              ...importsRule(name, dir, mayImport),
              severity: 'error',
              from: { path: `^${dir}/`, pathNot: [tests] },
              to: mayNotImport(mayImport),
            },
            {
              // Same name as the rule for the package's code: a report names the package's arrows.
              ...importsRule(name, dir, mayImport),
              comment: `${dir} may import ${mayImport.map((p) => `@cart/${p}`).join(', ')}; its tests also ${testsMayImport.map((p) => `@cart/${p}`).join(', ')}`,
              severity: 'error',
              from: { path: tests },
              to: mayNotImport([...mayImport, ...testsMayImport]),
            },
          ]),
    ];
  },
);

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...rules.flatMap(exceptKnownTestImports),
    {
      name: 'no-unresolvable-cart-import',
      comment:
        'a @cart/… import that does not resolve: each package exports only its entry (src/index.ts), so deep imports fail (@cart/test-support exports its files, by their names)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^@cart/' },
    },
    {
      name: 'no-import-of-a-build',
      comment:
        "an import resolved to a package's build (dist/) instead of its sources: inside the workspace every @cart/… import resolves by the `@cart/source` export condition, and a build may be stale",
      severity: 'error',
      from: {},
      to: { path: '^(packages|apps)/[^/]+/dist/' },
    },
    {
      name: 'unknown-workspace-package',
      comment:
        'a folder under packages/ or apps/ that is not in PACKAGES imports another package: add it to PACKAGES in .dependency-cruiser.mjs',
      severity: 'error',
      from: {
        path: '^(packages|apps)/([^/]+)/',
        pathNot: Object.values(PACKAGES).map(({ dir }) => `^${dir}/`),
      },
      to: { path: '^(packages|apps)/', pathNot: ['^$1/$2/'] },
    },
  ],
  options: {
    // Builds are not sources: never cruised (nor their folders read: a test may be
    // rebuilding one), but an import that resolves into one is still in the graph, for
    // no-import-of-a-build to report.
    doNotFollow: { path: '(^|/)(node_modules|dist)(/|$)' },
    // Coverage reports are not sources.
    exclude: { path: '(^|/)(node_modules|coverage)(/|$)' },
    // Type-only imports count too.
    tsPreCompilationDeps: true,
    // Resolve `@cart/…` through the workspace links in node_modules to the real files,
    // by the `exports` of each package.json, as Node and TypeScript do here: to the
    // sources, by the workspace's `@cart/source` condition (never to a build in dist/).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@cart/source', 'import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
