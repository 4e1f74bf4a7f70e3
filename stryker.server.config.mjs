// Mutation testing of the server's idempotency, audit chain, token and rate-limit modules
// that unit tests cover (docs/mutation-testing.md): each is held to the unit tests next to
// it. The HTTP side of the same features (plugins, credentials, CSRF, admin sessions) is
// the target of stryker.server-http.config.mjs. Run it with
// `npx stryker run stryker.server.config.mjs`, or every target and the results file with
// `tsx scripts/mutation.ts`.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Every run reads the tests by the coverage Stryker measured, not by vitest's guess at
  // related files (an import it cannot follow would drop a test silently).
  vitest: { configFile: 'vitest.mutation.server.config.ts', related: false },
  mutate: [
    // Idempotency: keys, fingerprints, sealed answers.
    'packages/server/src/security/idempotency.ts',
    // The audit chain: hashing and verification, signed checkpoints, the keyring.
    'packages/server/src/audit/chain.ts',
    'packages/server/src/audit/checkpoint.ts',
    'packages/server/src/audit/keyring.ts',
    // Tokens: cart tokens, their hashes and constant-time comparison, HMACs.
    'packages/server/src/security/tokens.ts',
    // Rate limits: the counters, in memory and in Redis.
    'packages/server/src/security/rate-limit-store.ts',
  ],
  // The sandbox holds the server and the configs; root node_modules is linked, not copied.
  ignorePatterns: [
    '/*',
    '!/package.json',
    '!/tsconfig.base.json',
    '!/vitest.mutation.server.config.ts',
    '!/vitest.mutation.reporter.ts',
    '!/vitest.mutation.setup.ts',
    '!/packages',
    '/packages/*',
    '!/packages/server',
    '/packages/server/dist',
    // Markdown too: the repository's link check would find the copies' links broken.
    '*.md',
  ],
  // Each mutant runs only the tests that reached it in the first (dry) run.
  coverageAnalysis: 'perTest',
  // Two cores shared with others: one mutant at a time leaves room for them.
  concurrency: 1,
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/server.json' },
  htmlReporter: { fileName: 'reports/mutation/server.html' },
  thresholds: { high: 90, low: 80, break: null },
};
