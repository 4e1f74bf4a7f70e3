/**
 * Builds what `npm start` runs, and knows whether a build is still up to date:
 * - `web`: the storefront and the dashboard (Vite), into apps/web/dist;
 * - `server`: packages/server/src/server.ts bundled by esbuild into
 *   packages/server/dist/server.js, plain JavaScript that Node runs without a TypeScript
 *   loader. The workspace's own packages are bundled in from their TypeScript sources
 *   (@cart/core by its `@cart/source` export condition); every npm package stays
 *   external, loaded from node_modules as usual.
 *
 * `node scripts/build.js [web] [server] [--if-stale]` (`npm run build`: both, always).
 * With `--if-stale`, a build whose inputs have not changed since it was made is kept.
 *
 * Plain JavaScript with Node's built-ins only (esbuild is imported when the server is
 * built, not before), so that `npm start` can run it before anything is compiled and
 * on an install without dev dependencies once the builds exist.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

/** The server bundle `npm start` runs. */
export const SERVER_BUNDLE = join(ROOT, 'packages', 'server', 'dist', 'server.js');

/**
 * Records, next to a build's output, the fingerprint of the inputs it was made from.
 * It is removed before building and written only once the build succeeded, so a
 * failed or interrupted build is never taken for a good one.
 */
const STAMP = '.build-stamp.json';

/**
 * Files that can change either build: the lockfile (a dependency's version), the base
 * TypeScript options esbuild reads, and this script (its options). Not the root
 * package.json: its scripts change nothing built, its dependencies are in the lockfile.
 */
const COMMON_INPUTS = ['package-lock.json', 'tsconfig.base.json', 'scripts/build.js'];

/** Folders and files in a package that never go into its build. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test', 'coverage']);
const SKIPPED_FILE = /\.test\.[cm]?[jt]sx?$|\.md$/;

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {string} pkg the workspace package built (its folder, from the root)
 * @property {string} outDir where the build goes (from the root)
 * @property {string[]} outputs files that a complete build has (from outDir)
 * @property {() => Promise<void>} build
 */

/** @type {Record<string, Target>} */
export const TARGETS = {
  web: {
    name: 'web',
    pkg: 'apps/web',
    outDir: 'apps/web/dist',
    outputs: ['index.html', join('dashboard', 'index.html')],
    // The workspace's own build script (Vite), so that there is one way to build it.
    build: () => run('npm', ['run', 'build', '-w', '@cart/web']),
  },
  server: {
    name: 'server',
    pkg: 'packages/server',
    outDir: 'packages/server/dist',
    outputs: ['server.js'],
    build: buildServer,
  },
};

async function buildServer() {
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(
      'esbuild is not installed: run `npm install` (with dev dependencies) to build the server',
    );
  }
  try {
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['packages/server/src/server.ts'],
      outfile: SERVER_BUNDLE,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Stack traces name the TypeScript files and lines (`node --enable-source-maps`,
      // or process.setSourceMapsEnabled in scripts/start.js): error groups are keyed on
      // the file of the top application frame (observability/error-fingerprint.ts), the
      // same then as when the source runs. The sources are in the repository: not copied.
      sourcemap: true,
      sourcesContent: false,
      // Bundling renames a function or class whose name another module also uses
      // (`isUniqueViolation2`); error classes and stack frames must keep the real name.
      keepNames: true,
      logLevel: 'warning',
      // The workspace's packages from their TypeScript sources (the `@cart/source` export
      // condition), never from a build in their dist/.
      conditions: ['@cart/source'],
      plugins: [externalPackages],
    });
  } finally {
    await esbuild.stop();
  }
}

/**
 * Every bare import is left to Node (npm packages load from node_modules, with their
 * native addons and their own files) except the workspace's packages (`@cart/…`),
 * which are TypeScript source that Node cannot load.
 * @type {import('esbuild').Plugin}
 */
const externalPackages = {
  name: 'external-npm-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@cart/') || isAbsolute(args.path)
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** A build ended by a signal sent to this script (Ctrl-C, a supervisor's SIGTERM). */
export class BuildStopped extends Error {
  /** @param {NodeJS.Signals} signal */
  constructor(signal) {
    super(`the build was stopped (${signal})`);
    this.signal = signal;
  }
}

/** Runs a command from the root, its output on stderr (stdout is the server's log). */
function run(command, args) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', 2, 2],
      shell: process.platform === 'win32',
    });
    // Stopping `npm start` while it builds stops the build too, not only this script,
    // which then ends by the same signal (exitAfterFailure).
    /** @type {NodeJS.Signals | null} */
    let stoppedBy = null;
    const forward = (/** @type {NodeJS.Signals} */ signal) => {
      stoppedBy = signal;
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      const stopped = stoppedBy ?? signal;
      if (stopped !== null) fail(new BuildStopped(stopped));
      else if (code === 0) done(undefined);
      else fail(new Error(`\`${command} ${args.join(' ')}\` exited with ${code}`));
    });
  });
}

/**
 * Ends this process after a failed build: by the signal that stopped the build (as if
 * it had not been caught: 130 or 143 to a shell), else with 1 and the reason.
 */
export function exitAfterFailure(error, prefix = 'build failed') {
  if (error instanceof BuildStopped) {
    process.kill(process.pid, error.signal);
    process.exit(128 + (constants.signals[error.signal] ?? 0)); // if the signal is ignored
  }
  process.stderr.write(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** The workspace packages a package depends on, its own folder first (folders from the root). */
function workspaceClosure(pkgDir) {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  /** @type {Map<string, string>} */
  const dirOf = new Map();
  for (const dir of root.workspaces ?? [])
    dirOf.set(JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')).name, dir);
  const seen = [pkgDir];
  for (let i = 0; i < seen.length; i++) {
    const manifest = JSON.parse(readFileSync(join(ROOT, seen[i], 'package.json'), 'utf8'));
    const deps = { ...manifest.dependencies, ...manifest.devDependencies };
    for (const name of Object.keys(deps)) {
      const dir = dirOf.get(name);
      if (dir !== undefined && !seen.includes(dir)) seen.push(dir);
    }
  }
  return seen;
}

/** Every file under `dir` (from the root) that can go into a build, sorted. */
function sourceFiles(dir) {
  /** @type {string[]} */
  const files = [];
  const walk = (/** @type {string} */ at) => {
    for (const entry of readdirSync(join(ROOT, at), { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (entry.isFile() && !SKIPPED_FILE.test(entry.name)) files.push(path);
    }
  };
  walk(dir);
  return files.sort();
}

/**
 * SHA-256 over the path and content of every input of a target: its package, the
 * workspace packages it depends on and COMMON_INPUTS. Contents, not modification
 * times: a checkout or a copy that touches files without changing them rebuilds
 * nothing, and an edit is never missed for keeping the size and the second. Reading the
 * few hundred files takes milliseconds.
 */
export function inputsFingerprint(target) {
  const hash = createHash('sha256');
  const files = [...workspaceClosure(target.pkg).flatMap(sourceFiles), ...COMMON_INPUTS];
  for (const file of files) {
    hash.update(file.split(sep).join('/')).update('\0');
    hash.update(readFileSync(join(ROOT, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Whether the build of `target` exists, is complete and was made from these inputs. */
export function isUpToDate(target, fingerprint = inputsFingerprint(target)) {
  const outDir = join(ROOT, target.outDir);
  if (!target.outputs.every((file) => existsSync(join(outDir, file)))) return false;
  try {
    return JSON.parse(readFileSync(join(outDir, STAMP), 'utf8')).inputs === fingerprint;
  } catch {
    return false;
  }
}

/** Builds `target`, then stamps the build with the fingerprint of its inputs. */
export async function build(target, fingerprint = inputsFingerprint(target), why = '') {
  process.stderr.write(`building ${target.name} (${target.outDir})${why}\n`);
  const stamp = join(ROOT, target.outDir, STAMP);
  rmSync(stamp, { force: true });
  await target.build();
  writeFileSync(stamp, `${JSON.stringify({ inputs: fingerprint }, null, 2)}\n`);
}

/**
 * Builds each of `names` whose build is missing or made from other inputs, and says on
 * stderr which builds were kept.
 */
export async function buildIfStale(names) {
  for (const name of names) {
    const target = TARGETS[name];
    const fingerprint = inputsFingerprint(target);
    if (isUpToDate(target, fingerprint)) {
      process.stderr.write(`${name} build is up to date (${target.outDir})\n`);
      continue;
    }
    await build(target, fingerprint, ': its sources changed, or it was never built');
  }
}

async function main(args) {
  const ifStale = args.includes('--if-stale');
  const names = args.filter((a) => a !== '--if-stale');
  const unknown = names.filter((n) => !(n in TARGETS));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown build target ${unknown.join(', ')}\nusage: node scripts/build.js [web] [server] [--if-stale]\n`,
    );
    return 2;
  }
  const chosen = names.length > 0 ? names : Object.keys(TARGETS);
  if (ifStale) await buildIfStale(chosen);
  else for (const name of chosen) await build(TARGETS[name]);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  main(process.argv.slice(2)).then((code) => (process.exitCode = code), exitAfterFailure);
