/**
 * Global setup of the server tests: brings the server bundle up to date before any test
 * file runs. The process-level tests (durability.test.ts, scale-out/) start
 * packages/server/dist/server.js as production does, so a missing bundle, or one built
 * from older sources, would test something other than the code in the tree. `npm test`
 * builds first (`pretest`); this covers `npx vitest` run directly. With `--if-stale` it
 * costs a fingerprint of the sources (milliseconds) when nothing changed.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export default function setup(): void {
  // Synchronous: no test file may start before the bundle is written and stamped.
  // scripts/build.js writes its progress and the builder's output on stderr.
  const result = spawnSync(process.execPath, ['scripts/build.js', 'server', '--if-stale'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `\`node scripts/build.js server --if-stale\` failed (${result.status ?? result.signal}): the server bundle is not up to date`,
    );
  }
}
