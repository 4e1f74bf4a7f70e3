import type { RunnerTestCase, RunnerTestFile } from 'vitest';
import type { Reporter, Vitest } from 'vitest/node';

/**
 * For mutation runs only (vitest.mutation.*.config.ts): a test file that cannot even be
 * loaded counts as a failed test, so that the mutant which broke it counts as killed.
 *
 * A mutant of a value computed when a module loads (a schema, a constant) can make that
 * module throw on import. Vitest then marks the test file failed but collects no test
 * in it, and StrykerJS's vitest runner (9.5.1), which reads only the tests it collected,
 * sees no failure and reports the mutant as survived with 0 tests run
 * (stryker-mutator/stryker-js#6150). This reporter gives each such file one failed
 * test carrying the file's load error. A file that loaded is left as it is.
 */
export default class LoadFailureAsFailedTest implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(): void {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state === 'fail' && file.tasks.length === 0) {
        file.tasks.push(loadFailure(file));
      }
    }
  }
}

function loadFailure(file: RunnerTestFile): RunnerTestCase {
  const name = 'loads';
  return {
    type: 'test',
    id: `${file.id}_load`,
    name,
    fullName: `${file.name} ${name}`,
    fullTestName: name,
    mode: 'run',
    meta: {},
    file,
    suite: file,
    timeout: 0,
    annotations: [],
    artifacts: [],
    result: { state: 'fail', errors: file.result?.errors ?? [] },
    // The context vitest hands a running test; this test never runs, and nothing reads a
    // test's context once the run has ended.
    context: undefined as unknown as RunnerTestCase['context'],
  };
}
