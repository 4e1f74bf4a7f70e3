import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import LoadFailureAsFailedTest from './vitest.mutation.reporter.ts';

// The tests StrykerJS runs against each mutant of the server's idempotency, audit chain,
// token and rate-limit store modules (stryker.server.config.mjs): the unit tests next to
// them. They load the modules by relative path, so the sandbox's copies are the ones
// tested. The HTTP side has its own (vitest.mutation.server-http.config.ts): every HTTP
// test also writes audit records and hashes tokens, and running them for each of these
// mutants would cost some 20 s a mutant.
export default defineConfig({
  test: {
    // The usual output, and a failed test for each test file that could not be loaded
    // (vitest.mutation.reporter.ts says why).
    reporters: ['default', new LoadFailureAsFailedTest()],
    // Hands Stryker the coverage and hit counts its runner's setup file cannot on Vitest 4.1
    // (vitest.mutation.setup.ts says why).
    setupFiles: [fileURLToPath(new URL('vitest.mutation.setup.ts', import.meta.url))],
    root: 'packages/server',
    include: ['src/audit/*.test.ts', 'src/security/*.test.ts'],
  },
});
