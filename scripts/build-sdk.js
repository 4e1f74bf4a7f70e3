/**
 * Builds the SDK as a shop's front end installs it (`npm run build:sdk`): @cart/core,
 * @cart/client and @cart/react, each with `tsc -p <package>/tsconfig.build.json` into its
 * dist/ (ES modules, `.d.ts` declarations, source maps of both; no tests). What their
 * package.json `exports` give everyone but this repository, whose tools read the sources
 * (the `@cart/source` condition) and need no build.
 *
 * In dependency order: each package is type-checked against the declarations the ones
 * before it just emitted, as an app that installs them would be. Each dist/ is emptied
 * first, so that a module whose source is gone does not ship.
 *
 * Plain JavaScript with Node's built-ins only, like build.js.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import process from 'node:process';

const ROOT = resolve(import.meta.dirname, '..');

/** The published packages, each after those it imports. */
const SDK_PACKAGES = ['packages/core', 'packages/client', 'packages/react'];

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

for (const dir of SDK_PACKAGES) {
  const dist = join(ROOT, dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  process.stderr.write(`building ${dir} (${dir}/dist)\n`);
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, dir, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (run.status !== 0) {
    process.stderr.write(
      `build:sdk failed: tsc exited with ${run.status ?? run.signal} in ${dir}\n`,
    );
    process.exit(1);
  }
  for (const file of ['index.js', 'index.d.ts'])
    if (!existsSync(join(dist, file))) {
      process.stderr.write(`build:sdk failed: ${dir}/dist/${file} was not emitted\n`);
      process.exit(1);
    }
}
