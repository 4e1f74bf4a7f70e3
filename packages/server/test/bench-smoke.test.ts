/**
 * The benchmark (`npm run bench`, bench/run.ts) still runs end to end: its own child
 * processes (servers, load generator), the bare baselines and a few SQLite scenarios for
 * a second each, every answer 2xx, the results file written. Its numbers are not checked:
 * a second on a shared CI machine measures nothing, and the goals are reported, not
 * enforced.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const SCENARIOS = ['bare-get', 'bare-post', 'set-quantity-hot', 'get-cart', 'batch-10'];

interface ResultsFile {
  settings: { durationS: number; connections: number };
  scenarios: {
    scenario: string;
    status: string;
    result?: { reqPerSec: number; non2xx: number; errors: number };
  }[];
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs bench/run.ts with `env` (and no other variables of ours); its exit code and output. */
function runBench(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@cart/source', '--import', 'tsx', 'bench/run.ts'],
    {
      cwd: REPO_ROOT,
      // Nothing inherited: the coverage collector's variables would follow it into the servers.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGINT'), 100_000);
  return new Promise((done) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    }),
  );
}

it('runs the baselines and three SQLite scenarios: every answer 2xx, results written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  dirs.push(dir);
  const out = join(dir, 'results.json');

  const { code, output } = await runBench({
    BENCH_DURATION_S: '1',
    BENCH_CONNECTIONS: '4',
    BENCH_ONLY: SCENARIOS.join(','),
    BENCH_OUT: out,
    // Its temporary files (kept when a scenario fails) go where afterEach removes them.
    TMPDIR: dir,
  });

  expect(code, output).toBe(0);
  expect(existsSync(out), output).toBe(true);
  const results = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
  expect(results.settings).toMatchObject({ durationS: 1, connections: 4 });
  expect(results.scenarios.map((s) => s.scenario)).toEqual(SCENARIOS);
  for (const row of results.scenarios) {
    expect(row.status, `${row.scenario}\n${output}`).toBe('ok');
    expect(row.result?.reqPerSec, row.scenario).toBeGreaterThan(0);
    expect(row.result?.non2xx, row.scenario).toBe(0);
    expect(row.result?.errors, row.scenario).toBe(0);
  }
  // The table was printed, one line per scenario.
  for (const name of SCENARIOS) expect(output).toMatch(new RegExp(`^${name} `, 'm'));
}, 120_000);
