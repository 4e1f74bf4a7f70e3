/**
 * Real server processes for the scale-out tests: the compiled bundle started as
 * production starts it, `node --enable-source-maps packages/server/dist/server.js` (one
 * child process per instance, its JSON log captured; test/global-setup.ts brings the
 * bundle up to date first), a private `redis-server` a test may stop and start again,
 * and requests that never hang.
 *
 * Every child started here is tracked; `killAll()` (in an afterAll) ends those still
 * running, whatever happened in the tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep } from '@cart/test-support/http.ts';
import { auditKeysFor } from '../support/postgres.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
export const ADMIN_TOKEN = 'scale-out-admin-token-0123456789abcdef';
/** The bundle `npm run build` makes, run with source maps as production runs it. */
const SERVER_ARGS = ['--enable-source-maps', 'packages/server/dist/server.js'];

type Exit = { code: number | null; signal: NodeJS.Signals | null };

const children = new Set<ChildProcess>();

/** Kills (SIGKILL) every child these helpers started that is still running. */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((done) => child.once('exit', done)));
      child.kill('SIGKILL');
    }
  }
  children.clear();
  await Promise.race([Promise.all(waits), sleep(5000)]);
}

function track(child: ChildProcess): Promise<Exit> {
  children.add(child);
  return new Promise<Exit>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

/** One JSON log line of a server process. */
export interface LogEntry {
  level?: number;
  msg?: string;
  [field: string]: unknown;
}

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  exited: Promise<Exit>;
  /** Every stdout line, parsed (a line that is not JSON is kept as `{ msg: line }`). */
  log: LogEntry[];
  stderr: string[];
  /** True while the process has not exited. */
  alive(): boolean;
}

/**
 * Starts one instance with `env` on top of the defaults (PORT=0 on 127.0.0.1, no demo
 * catalog, an admin token, info logs) and waits for its "cart server listening" line.
 */
export async function startServer(
  name: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TMPDIR: process.env.TMPDIR ?? tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      ...auditKeysFor(env.DATABASE_URL),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = track(child);
  const log: LogEntry[] = [];
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  // Read stdout to the end, always: a full pipe would stall the server.
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    try {
      log.push(JSON.parse(line) as LogEntry);
    } catch {
      log.push({ msg: line });
    }
  });
  const describeOutput = () =>
    [...log.map((e) => JSON.stringify(e)), ...stderr].join('\n').slice(-4000);
  const url = await new Promise<string>((found, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`${name} did not start in 60 s:\n${describeOutput()}`)),
      60_000,
    );
    lines.on('line', () => {
      const entry = log.at(-1);
      if (entry?.msg === 'cart server listening' && typeof entry.url === 'string') {
        clearTimeout(timer);
        found(entry.url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code ?? signal}) before listening:\n${describeOutput()}`));
    });
  });
  return {
    name,
    child,
    pid: child.pid ?? -1,
    url,
    exited,
    log,
    stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** The server's error lines (level ≥ 50) since `since`, with their causes: for failure messages. */
export function errorLines(server: ServerProcess, since = 0): string {
  return server.log
    .filter((e) => (e.level ?? 0) >= 50 && Number(e.time) >= since)
    .slice(0, 10)
    .map((e) => {
      const err = e.err as { code?: unknown; message?: unknown } | undefined;
      const code = typeof err?.code === 'string' ? err.code : '';
      const message = typeof err?.message === 'string' ? err.message : '';
      return `${server.name}: ${e.msg ?? ''} (${code} ${message})`;
    })
    .join('\n');
}

/** A TCP port nobody listens on right now (127.0.0.1). */
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

/**
 * Why a private `redis-server` cannot be started here, or null when it can. On CI a
 * missing binary throws: the tests that need it must fail, never skip.
 */
export function redisServerUnavailable(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status === 0) return null;
  const message = `redis-server cannot be run here: ${probe.error?.message ?? probe.stderr}`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

/** A redis-server of the test's own, on its own port: stopped and started at will. */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;
  readonly output: string[] = [];

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.child) throw new Error('this redis-server is running already');
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.exited = track(child);
    const exited = this.exited;
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start in 10 s:\n${this.output.join('')}`)),
        10_000,
      );
      const onData = (chunk: Buffer) => {
        this.output.push(chunk.toString('utf8'));
        if (this.output.join('').includes('Ready to accept connections')) {
          clearTimeout(timer);
          ready();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        fail(new Error(`redis-server exited (${code ?? signal}):\n${this.output.join('')}`));
      });
    });
    // Drop later output: only the start needs reading.
    this.output.length = 0;
  }

  /** Kills it (SIGKILL: gone at once, as in a crash) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = null;
    this.exited = null;
  }
}

/** An answer, or why there was none (a network error, or no answer within the timeout). */
export interface Outcome {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  /** Set when there was no HTTP answer; `status` is then 0. */
  error?: string;
  /** When the request was sent and answered (ms since epoch). */
  sentAt: number;
  doneAt: number;
}

export interface SendOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * One request that cannot hang: it answers, or fails with `error` after `timeoutMs`
 * (10 s by default). Network failures are reported, not thrown.
 */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Outcome> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const sentAt = Date.now();
  try {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const body: unknown = /[/+]json\b/.test(type) && text !== '' ? JSON.parse(text) : undefined;
    return {
      status: response.status,
      headers: response.headers,
      text,
      body,
      sentAt,
      doneAt: Date.now(),
    };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      status: 0,
      headers: new Headers(),
      text: '',
      body: undefined,
      error: reason,
      sentAt,
      doneAt: Date.now(),
    };
  }
}

/** The catalog `code` of a problem+json answer, or null when it is not one. */
export function problemCode(outcome: Outcome): string | null {
  const type = outcome.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) return null;
  const code = (outcome.body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : null;
}

/** A product with the given stock (null: unlimited), made through the admin API. */
export async function createProduct(
  baseUrl: string,
  sku: string,
  stock: number | null,
): Promise<{ id: string; stock: number | null }> {
  const reply = await send(baseUrl, 'POST', '/api/admin/products', {
    token: ADMIN_TOKEN,
    body: {
      sku,
      name: `Product ${sku}`,
      description: '',
      price: { amount: 250, currency: 'USD' },
      stock,
      maxPerOrder: null,
      imageUrl: null,
      requiresShipping: false,
    },
  });
  if (reply.status !== 201) throw new Error(`creating ${sku}: ${reply.status} ${reply.text}`);
  return reply.body as { id: string; stock: number | null };
}

export interface TestCart {
  id: string;
  token: string;
  version: number;
}

export async function createCart(baseUrl: string): Promise<TestCart> {
  const reply = await send(baseUrl, 'POST', '/api/carts');
  if (reply.status !== 201) throw new Error(`creating a cart: ${reply.status} ${reply.text}`);
  return reply.body as TestCart;
}

/** Runs `npm run audit:verify` (the CLI itself) on `databaseUrl`: its exit code and output. */
export function verifyAuditChain(
  databaseUrl: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@cart/source', '--import', 'tsx', 'packages/server/src/cli/audit-verify.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: databaseUrl,
        ...auditKeysFor(databaseUrl),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = track(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return exited.then(({ code }) => {
    clearTimeout(timer);
    return { code, output };
  });
}
