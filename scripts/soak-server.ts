/**
 * Server processes for the soak: started by `startServer` only, which runs the compiled
 * build (`node packages/server/dist/server.js`) when there is one and the sources through
 * tsx otherwise, so the soak exercises what would be deployed whenever it exists.
 *
 * Every process is a direct child (`node`, no npm or shell in between): its pid is the
 * server's own, which is what kill -9 and the RSS samples must reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { isClosing, onCleanup } from './soak-cleanup.ts';
import { REPO_ROOT } from './soak-options.ts';

export const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  startedAt: number;
  exited: Promise<Exit>;
  alive(): boolean;
  /** Lines at level error or fatal written so far (5xx answers log one each). */
  errorLines(): number;
  /** SIGKILL, as a crash: nothing is flushed or closed. Resolves once it is gone. */
  kill9(): Promise<Exit>;
  /** SIGTERM (a clean stop: in-flight requests finish), SIGKILL if not gone in 15 s. */
  stop(): Promise<Exit>;
}

/**
 * How the server is run: the compiled build if the build made one, else the sources.
 * SOAK_SERVER=src forces the sources (e.g. while the build is older than them).
 */
export function serverCommand(): { args: string[]; label: string } {
  const dist = join(REPO_ROOT, 'packages/server/dist/server.js');
  if (process.env.SOAK_SERVER !== 'src' && existsSync(dist))
    return { args: [dist], label: 'node packages/server/dist/server.js' };
  return {
    args: ['--conditions=@cart/source', '--import', 'tsx', 'packages/server/src/server.ts'],
    label: 'node --conditions=@cart/source --import tsx packages/server/src/server.ts',
  };
}

/** A TCP port nobody listens on now: fixed per instance, so a restart keeps its address. */
export function freePort(): Promise<number> {
  return new Promise((found, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => found(port));
    });
  });
}

/** Lines kept for the message when a start fails. */
const RECENT_LINES = 12;

/**
 * Starts one server on 127.0.0.1:`port` with `env` over the soak's defaults and waits for
 * its "cart server listening" line (90 s at most: a restart under load on two busy cores
 * can take a while). Logs stay at `info`, the production default, so that the soak pays
 * for logging as production does; stdout is always read, since a full pipe stalls a server.
 */
export async function startServer(
  name: string,
  port: number,
  env: Record<string, string>,
): Promise<ServerProcess> {
  if (isClosing()) throw new Error(`${name} not started: the soak is stopping`);
  const { args } = serverCommand();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TMPDIR: process.env.TMPDIR ?? tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'true',
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      // A load test: the limiter must not turn accepted work into 429s.
      RATE_LIMITS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<Exit>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    // Not started at all (no 'exit' follows): as good as exited.
    child.once('error', () => done({ code: null, signal: null }));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const unregister = onCleanup(
    `kill server ${name} (pid ${child.pid})`,
    async () => {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
    child.pid === undefined ? undefined : { kind: 'process', pid: child.pid },
  );
  void exited.then(unregister);

  const recent: string[] = [];
  let errors = 0;
  const keep = (line: string) => {
    recent.push(line);
    if (recent.length > RECENT_LINES) recent.shift();
    // pino levels 50 (error) and 60 (fatal); cheaper than parsing every line.
    if (/"level":[56]0\b/.test(line)) errors += 1;
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', keep);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', keep);

  const url = await new Promise<string>((found, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${name} did not start in 90 s:\n${recent.join('\n')}`));
    }, 90_000);
    const onLine = (line: string) => {
      if (!line.includes('cart server listening')) return;
      try {
        const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
        if (entry.msg === 'cart server listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          lines.off('line', onLine);
          found(entry.url);
        }
      } catch {
        // Not a JSON line: keep reading.
      }
    };
    lines.on('line', onLine);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code ?? signal}) before listening:\n${recent.join('\n')}`));
    });
  });

  return {
    name,
    pid: child.pid ?? -1,
    url,
    startedAt: Date.now(),
    exited,
    alive,
    errorLines: () => errors,
    kill9: async () => {
      if (alive()) child.kill('SIGKILL');
      return exited;
    },
    stop: async () => {
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const outcome = await Promise.race([exited, sleep(15_000).then(() => null)]);
      if (outcome !== null) return outcome;
      child.kill('SIGKILL');
      return exited;
    },
  };
}
