// Mutation testing of packages/core (docs/mutation-testing.md): every shipped source file
// is mutated, and core's tests (vitest.mutation.core.config.ts) must kill each mutant.
// Run it with `npx stryker run stryker.core.config.mjs`, or both targets and the results
// file with `tsx scripts/mutation.ts`.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Every run reads the listed tests by the coverage Stryker measured, not by vitest's
  // guess at related files (an import it cannot follow would drop a test silently).
  vitest: { configFile: 'vitest.mutation.core.config.ts', related: false },
  mutate: ['packages/core/src/**/*.ts', '!packages/core/src/**/*.test.ts'],
  // The sandbox holds only what core's tests read: core itself and the configs (root
  // node_modules is linked, not copied). Copying the whole repository would be slower
  // and would pick up other packages' half-finished edits.
  ignorePatterns: [
    '/*',
    '!/package.json',
    '!/tsconfig.base.json',
    '!/vitest.mutation.core.config.ts',
    '!/vitest.mutation.reporter.ts',
    '!/vitest.mutation.setup.ts',
    '!/packages',
    '/packages/*',
    '!/packages/core',
    // Markdown too: the repository's link check would find the copies' links broken.
    '*.md',
  ],
  // Each mutant runs only the tests that reached it in the first (dry) run.
  coverageAnalysis: 'perTest',
  // Two cores shared with others: one mutant at a time leaves room for them.
  concurrency: 1,
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/core.json' },
  htmlReporter: { fileName: 'reports/mutation/core.html' },
  thresholds: { high: 90, low: 85, break: null },
};
