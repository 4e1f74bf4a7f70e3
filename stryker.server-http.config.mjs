// Mutation testing of the HTTP side of the server's idempotency, token and rate-limit
// features (docs/mutation-testing.md): the Idempotency-Key and rate-limit plugins, the
// request's credentials, CSRF tokens and the dashboard's admin sessions, held to the
// HTTP tests that build the app and to the unit tests next to them. Run it with
// `npx stryker run stryker.server-http.config.mjs`, or every target and the results
// file with `tsx scripts/mutation.ts`.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Every run reads the tests by the coverage Stryker measured, not by vitest's guess at
  // related files (an import it cannot follow would drop a test silently).
  vitest: { configFile: 'vitest.mutation.server-http.config.ts', related: false },
  mutate: [
    'packages/server/src/plugins/app/idempotency.ts',
    'packages/server/src/http/credentials.ts',
    'packages/server/src/http/csrf.ts',
    'packages/server/src/http/admin-session.ts',
    'packages/server/src/plugins/app/rate-limit.ts',
    'packages/server/src/plugins/app/rate-limit-config.ts',
  ],
  // The sandbox holds the packages the tests load (the app is built from core, server and
  // test-support) and the configs; root node_modules is linked, not copied.
  ignorePatterns: [
    '/*',
    '!/package.json',
    '!/tsconfig.base.json',
    '!/vitest.mutation.server-http.config.ts',
    '!/vitest.mutation.reporter.ts',
    '!/vitest.mutation.setup.ts',
    '!/packages',
    '/packages/*',
    '!/packages/core',
    '!/packages/server',
    '!/packages/test-support',
    '/packages/server/dist',
    // Markdown too: the repository's link check would find the copies' links broken.
    '*.md',
  ],
  // Each mutant runs only the tests that reached it in the first (dry) run.
  coverageAnalysis: 'perTest',
  // Code that runs while a test file loads or in its beforeAll (registering the plugins,
  // building the app) is "static" to Stryker: each such mutant would rerun every test
  // with a fresh environment, some 25 s a mutant here. Static mutants that a test also
  // reaches still run, against the tests that reach them; those that only run at load
  // are reported as Ignored, outside the score (docs/mutation-testing.md counts them).
  ignoreStatic: true,
  // Two cores shared with others: one mutant at a time leaves room for them.
  concurrency: 1,
  // The HTTP tests build an app per file, on a busy machine: room before a run that is
  // merely slow is taken for an endless loop.
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/server-http.json' },
  htmlReporter: { fileName: 'reports/mutation/server-http.html' },
  thresholds: { high: 90, low: 80, break: null },
};
