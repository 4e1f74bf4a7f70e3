/**
 * The one place the benchmark starts the cart server, so that what is measured can be
 * switched in one place: the compiled build (`packages/server/dist/server.js`) when it
 * exists and is up to date, else the TypeScript source through tsx.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, childEnv, startLoggedServer, type ServerProcess } from './processes.ts';

const BUILT = 'packages/server/dist/server.js';
const SOURCE = 'packages/server/src/server.ts';
/** Knows whether the build was made from the sources as they are now. */
const BUILD_SCRIPT = 'scripts/build.js';

export interface ServerEntry {
  file: string;
  /** Why this one: printed at the start and kept with the results. */
  why: string;
}

/** The part of scripts/build.js asked here (plain JavaScript, so typed by hand). */
interface BuildScript {
  TARGETS: { server: unknown };
  isUpToDate(target: unknown): boolean;
}

/** Whether the server build matches the sources; null when that cannot be told. */
async function buildIsCurrent(): Promise<boolean | null> {
  if (!existsSync(join(REPO_ROOT, BUILD_SCRIPT))) return null;
  try {
    const build = (await import(pathToFileURL(join(REPO_ROOT, BUILD_SCRIPT)).href)) as BuildScript;
    return build.isUpToDate(build.TARGETS.server);
  } catch {
    return null;
  }
}

async function chooseEntry(): Promise<ServerEntry> {
  if (!existsSync(join(REPO_ROOT, BUILT))) return { file: SOURCE, why: 'no build' };
  // A build older than the sources would measure code that is no longer there.
  const current = await buildIsCurrent();
  if (current === false)
    return {
      file: SOURCE,
      why: `${BUILT} is out of date (node ${BUILD_SCRIPT} server): the source is measured`,
    };
  return { file: BUILT, why: current === true ? 'the build, up to date' : 'the build' };
}

let entry: Promise<ServerEntry> | undefined;

/** Which server entry this run measures: chosen once, so every row measures the same. */
export function cartServerEntry(): Promise<ServerEntry> {
  entry ??= chooseEntry();
  return entry;
}

/**
 * Starts one cart server process, pinned to the server CPU, on 127.0.0.1 and a port of
 * its choosing, with `env` as its whole configuration (plus PATH and HOME); its log
 * lines go to `logFile`. Resolves once it logs "cart server listening".
 */
export async function startCartServer(
  env: Record<string, string>,
  logFile: string,
): Promise<ServerProcess> {
  const { file } = await cartServerEntry();
  const argv =
    file === BUILT
      ? [process.execPath, file]
      : [process.execPath, '--conditions=@cart/source', '--import', 'tsx', file];
  return startLoggedServer(
    argv,
    childEnv({ HOST: '127.0.0.1', PORT: '0', ...env }),
    logFile,
    'cart server listening',
  );
}
