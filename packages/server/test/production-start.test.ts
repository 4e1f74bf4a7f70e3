/**
 * `npm start` as an operator runs it: scripts/start.js brings the web build and the
 * server bundle up to date, then runs the compiled server (packages/server/dist/server.js)
 * with no TypeScript loader. It serves the API and the storefront, stops cleanly on
 * SIGTERM, and a second start with no source changed rebuilds nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

interface Started {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the start script and the server wrote on stderr (build messages, warnings). */
  stderr: () => string;
  stdout: string[];
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

afterEach(() => {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `node scripts/start.js` on a new SQLite database and waits for "listening". */
async function start(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-start-'));
  tempDirs.push(dir);
  const child = spawn(process.execPath, ['scripts/start.js'], {
    cwd: REPO_ROOT,
    // Only what a service manager would give: in particular no NODE_OPTIONS, so that
    // nothing here could load TypeScript for it.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TMPDIR: process.env.TMPDIR ?? tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const errors: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
  const stdout: string[] = [];
  const url = await new Promise<string>((found, fail) => {
    // Long enough for a web build on a busy machine when the sources changed.
    const timer = setTimeout(
      () => fail(new Error(`the server did not start in 45 s:\n${errors.join('')}`)),
      45_000,
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      stdout.push(line);
      if (!line.includes('cart server listening')) return;
      const entry = JSON.parse(line) as { url?: unknown };
      if (typeof entry.url === 'string') {
        clearTimeout(timer);
        found(entry.url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`npm start exited (${code ?? signal}) before listening:\n${errors.join('')}`));
    });
  });
  return { child, url, exited, stderr: () => errors.join(''), stdout };
}

/** SIGTERM, as a supervisor stops it: the server drains, closes the database, exits 0. */
async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  expect(await started.exited).toEqual({ code: 0, signal: null });
  expect(started.stdout.some((line) => line.includes('stopped cleanly'))).toBe(true);
}

describe('npm start (scripts/start.js)', () => {
  it('runs the compiled server: API and storefront answer, SIGTERM stops it cleanly', async () => {
    const started = await start();
    const health = await fetch(`${started.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const page = await fetch(`${started.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(await page.text());
    expect(script).not.toBeNull();
    const asset = await fetch(`${started.url}${script?.[1]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    // Read to the end, as a browser does: an answer left unread holds its connection open
    // (the storefront bundle is larger than the socket buffers), and the drain waits for it.
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    await stop(started);
  }, 60_000);

  it('rebuilds nothing when no source changed since the last start', async () => {
    // The first start builds whatever is stale, so that this test stands on its own.
    await stop(await start());
    const started = await start();
    expect(started.stderr()).toContain('web build is up to date');
    expect(started.stderr()).toContain('server build is up to date');
    expect(started.stderr()).not.toMatch(/^building /m);
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    await stop(started);
  }, 60_000);
});
