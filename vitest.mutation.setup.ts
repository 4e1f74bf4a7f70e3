import { afterAll, inject } from 'vitest';

/**
 * For mutation runs only (vitest.mutation.*.config.ts): hands StrykerJS the per-test
 * coverage and the hit count that its vitest runner's own setup file no longer can.
 *
 * StrykerJS 9.5.1's vitest runner adds a setup file (stryker-setup.js) whose `afterAll`
 * takes the suite as its first argument, `afterAll(({ meta }) => …)`, to put the run's
 * mutant coverage (first run) or hit count (each mutant's run) on the test file. Vitest
 * 4.1 passes the suite as the second argument and refuses a hook that destructures the
 * first ("The afterAll hook uses fixtures"), so that hook fails in every file and Stryker
 * receives neither: each mutant then runs every test, none counts as static, and an
 * endless loop is only caught by the timeout. This hook does the same two assignments
 * with the suite where Vitest 4.1 passes it. It runs before Stryker's (afterAll hooks run
 * last registered first), whose failure it leaves as it is: Stryker reads only tests.
 */

declare module 'vitest' {
  /** What Stryker's vitest runner provides to its setup file (and so to this one). */
  interface ProvidedContext {
    globalNamespace: string;
    mode: 'dry-run' | 'mutant';
  }
}

/** The part of Stryker's global namespace its instrumented code fills in. */
interface StrykerNamespace {
  mutantCoverage?: unknown;
  hitCount?: number;
}

const globals = globalThis as unknown as Record<string, StrykerNamespace | undefined>;
const name = inject('globalNamespace');
const mode = inject('mode');

// Vitest reads the first parameter's pattern for the fixtures a hook uses: an empty
// pattern asks for none (any other form of it is refused).
// eslint-disable-next-line no-empty-pattern
afterAll(({}, suite) => {
  const ns = globals[name] ?? {};
  if (mode === 'dry-run') Object.assign(suite.meta, { mutantCoverage: ns.mutantCoverage });
  else Object.assign(suite.meta, { hitCount: ns.hitCount });
});
