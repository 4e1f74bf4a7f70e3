/**
 * README's "Try it with curl" walk-through, run as written against a real server (the
 * app on 127.0.0.1, a fresh SQLite database with the demo catalog), with bash and curl.
 *
 * The convention the README follows: every command that runs curl ends with a comment
 * giving the HTTP status it answers, `# → 201`. The test puts the server's address in
 * place of `localhost:3000`, leaves out `npm start` (it started the server), wraps curl so
 * that each call also writes its status to stderr, runs each block with bash, and
 * compares the statuses, in order, with the comments.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';
import { codeBlocks, readRepoFile, section } from './markdown.ts';

const STATUS_COMMENT = /#\s*→\s*(\d{3})\s*$/;
const STATUS_LINE = /^README-STATUS (\d{3})$/;

interface Command {
  /** README.md line the command starts on. */
  line: number;
  text: string;
  expected: number | null;
}

interface Walkthrough {
  line: number;
  code: string;
  commands: Command[];
}

/** The section's shell blocks, split into commands (backslash continuations joined). */
function walkthroughs(): Walkthrough[] {
  const { text, line: offset } = section(readRepoFile('README.md'), 'Try it with curl');
  return codeBlocks(text)
    .filter((b) => b.lang === 'sh' || b.lang === 'bash')
    .map((block) => {
      const commands: Command[] = [];
      let current: Command | null = null;
      block.code.split('\n').forEach((raw, i) => {
        const line = offset + block.codeLine + i - 1;
        current ??= { line, text: '', expected: null };
        current.text += `${raw.replace(/\\$/, '')}\n`;
        if (raw.endsWith('\\')) return;
        const expected = STATUS_COMMENT.exec(raw)?.[1];
        if (expected !== undefined) current.expected = Number(expected);
        if (current.text.trim() !== '' && !current.text.trim().startsWith('#'))
          commands.push(current);
        current = null;
      });
      return { line: offset + block.fenceLine - 1, code: block.code, commands };
    });
}

/** What bash runs: curl reports each status on stderr; the server's address; no `npm start`. */
function script(code: string, baseUrl: string): string {
  const host = new URL(baseUrl).host;
  const body = code
    .split('\n')
    .map((line) => (/\bnpm start\b/.test(line) ? `# (started by the test) ${line}` : line))
    .join('\n')
    .replaceAll('localhost:3000', host);
  return [
    'set -eu -o pipefail',
    // A -w of its own would replace this one: the README's commands use none.
    `curl() { command curl -w '%{stderr}README-STATUS %{http_code}\\n' "$@"; }`,
    body,
  ].join('\n');
}

/**
 * Runs `code` with bash, asynchronously: the server answers from this very process.
 * Nothing of this process's environment but PATH goes along.
 */
function bash(
  code: string,
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', code], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, LC_ALL: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function stock(server: TestServer, ids: string[]): Promise<(number | null)[]> {
  return Promise.all(
    ids.map(async (id) => {
      const res = await fetch(`${server.url}/api/products/${id}`);
      return ((await res.json()) as { stock: number | null }).stock;
    }),
  );
}

describe("README's curl walk-through", () => {
  const blocks = walkthroughs();
  const adminToken = /ADMIN_TOKEN=(\S+) npm start/.exec(blocks.map((b) => b.code).join('\n'))?.[1];
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'readme-walkthrough-'));
    server = await startTestServer({
      env: { SEED_DEMO: 'true', ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}) },
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every curl command the status it answers, as `# → 201`', () => {
    expect(blocks.length).toBeGreaterThan(0);
    const unmarked = blocks
      .flatMap((b) => b.commands)
      .filter((c) => (/\bcurl\b/.test(c.text) ? c.expected === null : c.expected !== null))
      .map((c) => `README.md:${c.line}: ${c.text.trim().split('\n')[0]}`);
    expect(unmarked, 'curl commands without a status comment, or comments without curl').toEqual(
      [],
    );
    const twice = blocks
      .flatMap((b) => b.commands)
      .filter((c) => (c.text.match(/\bcurl\b/g) ?? []).length > 1)
      .map((c) => `README.md:${c.line}`);
    expect(twice, 'one curl call per command').toEqual([]);
  });

  it('answers each command with the status the README gives, and places the order', async () => {
    const stockBefore = await stock(server, ['ceramic-mug', 'honey-jar']);
    for (const block of blocks) {
      const run = await bash(script(block.code, server.url), dir);
      const statuses = run.stderr
        .split('\n')
        .map((l) => STATUS_LINE.exec(l)?.[1])
        .filter((s): s is string => s !== undefined)
        .map(Number);
      const expected = block.commands.filter((c) => c.expected !== null);
      const report = expected.map(
        (c, i) =>
          `README.md:${c.line}: ${c.expected} ${statuses[i] === c.expected ? '=' : '≠'} ${statuses[i] ?? 'not run'}`,
      );
      expect(
        { exitCode: run.status, statuses: report },
        `README.md:${block.line}: the block's output:\n${run.stdout}\n${run.stderr}`,
      ).toEqual({
        exitCode: 0,
        statuses: expected.map((c) => `README.md:${c.line}: ${c.expected} = ${c.expected}`),
      });
    }
    // The mug line was removed before checkout; the honey jar was bought.
    expect(await stock(server, ['ceramic-mug', 'honey-jar'])).toEqual([
      stockBefore[0],
      (stockBefore[1] ?? 0) - 1,
    ]);
  });
});
