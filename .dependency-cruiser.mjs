/**
 * Import boundaries between the workspace packages, checked by dependency-cruiser on the
 * real resolved paths (`npm run lint:deps`, part of `npm run lint`). Every file under
 * packages/ and apps/ is checked, tests included.
 *
 * - A package imports another only through its package name (`@cart/core`), which
 *   resolves to that package's public entry, never by a relative path out of its folder.
 * - The arrows point one way: web → react → client → core, web → client, web → core,
 *   server → core. Nothing imports server or web; core imports none of the others.
 */

/** Each workspace package: its folder and the packages it may import (by name). */
const PACKAGES = {
  core: { dir: 'packages/core', mayImport: [] },
  client: { dir: 'packages/client', mayImport: ['core'] },
  react: { dir: 'packages/react', mayImport: ['client'] },
  server: { dir: 'packages/server', mayImport: ['core'] },
  web: { dir: 'apps/web', mayImport: ['react', 'client', 'core'] },
};

/**
 * NAMED EXCEPTION: cross-package test imports that exist today, allowed pair by pair
 * (importer → imported file). The client and React tests start a real server, or a
 * browser, through the server's test helpers; the React hook test reuses the client's
 * fake network and names a core type; the server's live-streams test follows a cart with
 * the SDK. These helpers are to move into a `packages/test-support` workspace; until then
 * no other file may cross, and these files may cross only to the files listed.
 */
export const KNOWN_CROSS_PACKAGE_TEST_IMPORTS = [
  ['packages/client/test/cart-store.test.ts', 'packages/server/test/support/test-app.ts'],
  ['packages/client/test/cookie-mode.test.ts', 'packages/server/test/support/test-app.ts'],
  [
    'packages/client/test/exactly-once.property.test.ts',
    'packages/server/test/support/test-app.ts',
  ],
  ['packages/client/test/indexeddb.test.ts', 'packages/server/test/support/browser.ts'],
  ['packages/client/test/multi-tab.test.ts', 'packages/server/test/support/test-app.ts'],
  [
    'packages/client/test/optimistic-totals.property.test.ts',
    'packages/server/test/support/test-app.ts',
  ],
  ['packages/client/test/real-server.test.ts', 'packages/server/test/support/http.ts'],
  ['packages/client/test/real-server.test.ts', 'packages/server/test/support/test-server.ts'],
  ['packages/client/test/server-limits.test.ts', 'packages/server/test/support/test-app.ts'],
  ['packages/client/test/support/shop.ts', 'packages/server/test/support/test-app.ts'],
  ['packages/client/test/sync-faults.test.ts', 'packages/server/test/support/test-app.ts'],
  ['packages/client/test/tabs-and-records.test.ts', 'packages/server/test/support/test-app.ts'],
  ['packages/react/test/hooks.test.tsx', 'packages/server/test/support/test-app.ts'],
  ['packages/react/test/hooks.test.tsx', 'packages/client/test/support/inject-network.ts'],
  ['packages/react/test/hooks.test.tsx', 'packages/core/src/index.ts'], // import type from '@cart/core'
  ['packages/react/test/hydration.test.tsx', 'packages/server/test/support/browser.ts'],
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
  const importers = [...new Set(KNOWN_CROSS_PACKAGE_TEST_IMPORTS.map(([file]) => file))].filter(
    (file) => from.test(file),
  );
  if (importers.length === 0) return [rule];
  return [
    { ...rule, from: { ...rule.from, pathNot: importers.map(exactly) } },
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

const rules = Object.entries(PACKAGES).flatMap(([name, { dir, mayImport }]) => [
  {
    name: 'no-relative-import-out-of-package',
    comment: `${dir} reaches other packages by their package name (@cart/…), never by a relative path out of its folder`,
    severity: 'error',
    from: { path: `^${dir}/` },
    to: { dependencyTypes: ['local'], pathNot: [`^${dir}/`] },
  },
  {
    name:
      mayImport.length > 0
        ? `${name}-imports-only-${mayImport.join('-')}`
        : `${name}-imports-no-other-package`,
    comment: `${dir} may import ${mayImport.length > 0 ? mayImport.map((p) => `@cart/${p}`).join(', ') : 'no other package of the repository'}`,
    severity: 'error',
    from: { path: `^${dir}/` },
    to: {
      path: '^(packages|apps)/',
      pathNot: [`^${dir}/`, ...mayImport.map((p) => `^${PACKAGES[p].dir}/`)],
    },
  },
]);

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...rules.flatMap(exceptKnownTestImports),
    {
      name: 'no-unresolvable-cart-import',
      comment:
        'a @cart/… import that does not resolve: each package exports only its entry (src/index.ts), so deep imports fail',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^@cart/' },
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
    doNotFollow: { path: 'node_modules' },
    // Built bundles and reports are not sources.
    exclude: { path: '(^|/)(node_modules|dist|coverage)/' },
    // Type-only imports count too.
    tsPreCompilationDeps: true,
    // Resolve `@cart/…` through the workspace links in node_modules to the real files,
    // by the `exports` of each package.json, as Node and TypeScript do.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
