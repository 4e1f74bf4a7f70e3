import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import LoadFailureAsFailedTest from './vitest.mutation.reporter.ts';

// The tests StrykerJS runs against each mutant of the server's Idempotency-Key and
// rate-limit plugins, credentials, CSRF tokens and admin sessions
// (stryker.server-http.config.mjs): the tests of those modules, most of them over the
// app (HTTP requests through inject or a socket). Not the whole server suite: the
// process, browser and PostgreSQL tests would make every mutant cost minutes.
//
// Stryker runs this in its sandbox, a copy of the packages. The workspace packages are
// aliased to the copies beside this file: by name (node_modules/@cart/…) they would
// resolve to the original tree, and a test that builds the app through
// @cart/test-support would run the server's unmutated code.
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@cart\/core$/, replacement: `${here}packages/core/src/index.ts` },
      { find: /^@cart\/server$/, replacement: `${here}packages/server/src/index.ts` },
      { find: /^@cart\/test-support\/(.*)$/, replacement: `${here}packages/test-support/src/$1` },
    ],
  },
  test: {
    // The usual output, and a failed test for each test file that could not be loaded
    // (vitest.mutation.reporter.ts says why).
    reporters: ['default', new LoadFailureAsFailedTest()],
    // Hands Stryker the coverage and hit counts its runner's setup file cannot on Vitest 4.1
    // (vitest.mutation.setup.ts says why).
    setupFiles: [fileURLToPath(new URL('vitest.mutation.setup.ts', import.meta.url))],
    root: 'packages/server',
    include: [
      'src/http/credentials.test.ts',
      'src/http/csrf.test.ts',
      'src/http/admin-session.test.ts',
      'src/plugins/app/idempotency.test.ts',
      'src/plugins/app/rate-limit.test.ts',
      'src/plugins/app/rate-limit-config.test.ts',
      'src/routes/admin-session.test.ts',
      'test/rate-limit.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
