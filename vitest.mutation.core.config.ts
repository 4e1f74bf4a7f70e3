import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import LoadFailureAsFailedTest from './vitest.mutation.reporter.ts';

// The tests StrykerJS runs against each mutant of packages/core (stryker.core.config.mjs):
// core's own tests, as in vitest.config.ts, without coverage (Stryker measures which test
// covers which mutant itself). Kept apart from the server's so that a mutant of core
// never runs a server test.
export default defineConfig({
  test: {
    // The usual output, and a failed test for each test file that could not be loaded
    // (vitest.mutation.reporter.ts says why).
    reporters: ['default', new LoadFailureAsFailedTest()],
    // Hands Stryker the coverage and hit counts its runner's setup file cannot on Vitest 4.1
    // (vitest.mutation.setup.ts says why).
    setupFiles: [fileURLToPath(new URL('vitest.mutation.setup.ts', import.meta.url))],
    root: 'packages/core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
