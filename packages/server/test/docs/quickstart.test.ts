/**
 * Keeps docs/quickstart.md true. Its ```sh blocks run, in order, in one bash (so the
 * variables one block sets are there for the next), against a fresh server with the demo
 * catalog and rate limits on, as `npm start` runs; `localhost:3000` becomes that server's
 * address. A block right after a `<!-- not run -->` comment is skipped (starting the
 * server, the SDK's run command).
 *
 * A ```http block right after a ```sh block is what that block printed (`curl -si`):
 * - its status line must be the answer's;
 * - each header it shows must be in the answer, with that value (only present, for the
 *   headers that differ from run to run: x-request-id, set-cookie, ratelimit, date);
 * - its JSON must be part of the answer's body: every field shown, with that value, and
 *   arrays of the same length (ids, tokens, cursors and times may differ: a UUID or an
 *   ISO time inside a string matches any other, and `token`, `nextCursor`, `requestId`
 *   match any string).
 *
 * The ```ts block (the same flow with `@cart/client`) runs too, against the same server,
 * and must resolve to the first ```json block after it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../../..');
const QUICKSTART = join(REPO, 'docs', 'quickstart.md');
const CLIENT_ENTRY = join(REPO, 'packages', 'client', 'src', 'index.ts');
const NOT_RUN = '<!-- not run -->';
const MARK = '@@quickstart-step@@';

interface Block {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Preceded by the `not run` comment. */
  skipped: boolean;
  /** Only blank lines between this block and the one before it. */
  adjacent: boolean;
}

/** The fenced code blocks of a Markdown text, in order. */
function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let skipped = false;
  let adjacent = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = /^```(\S*)\s*$/.exec(line);
    if (open) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++)
        body.push(lines[i] ?? '');
      blocks.push({
        lang: open[1] ?? '',
        text: body.join('\n'),
        line: start + 1,
        skipped,
        adjacent,
      });
      skipped = false;
      adjacent = true;
      continue;
    }
    if (line.trim() === '') continue;
    skipped = line.trim() === NOT_RUN;
    adjacent = false;
  }
  return blocks;
}

interface Answer {
  statusLine: string;
  headers: Map<string, string>;
  body: string;
}

/** A status line, header lines, a blank line and a body (as `curl -i` prints, or as shown). */
function parseAnswer(text: string): Answer {
  const lines = text.replaceAll('\r\n', '\n').replace(/^\n+/, '').split('\n');
  const statusLine = (lines.shift() ?? '').trim();
  const headers = new Map<string, string>();
  while (lines.length > 0 && (lines[0] ?? '').trim() !== '') {
    const header = lines.shift() ?? '';
    const colon = header.indexOf(':');
    headers.set(header.slice(0, colon).trim().toLowerCase(), header.slice(colon + 1).trim());
  }
  return { statusLine, headers, body: lines.join('\n').trim() };
}

/** Headers whose values differ from run to run: only their presence is checked. */
const PRESENCE_ONLY = new Set(['x-request-id', 'set-cookie', 'ratelimit', 'date']);
/** Fields whose string values differ from run to run. */
const ANY_STRING = new Set(['token', 'nextCursor', 'requestId']);
/** A UUID or an ISO instant: ids and times, different in every run. */
const VARYING =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The expected JSON, with the values that differ from run to run made to match any such value. */
function loosen(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && ANY_STRING.has(key)) return expect.any(String);
    const parts = value.split(new RegExp(`(${VARYING.source})`));
    if (parts.length === 1) return value;
    const pattern = parts
      .map((part, i) => (i % 2 === 1 ? `(?:${VARYING.source})` : escapeRegExp(part)))
      .join('');
    return expect.stringMatching(new RegExp(`^${pattern}$`));
  }
  if (Array.isArray(value)) return value.map((v) => loosen(v));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, loosen(v, k)]));
  return value;
}

interface Step {
  block: Block;
  expected: Block | null;
}

const markdown = readFileSync(QUICKSTART, 'utf8');
const blocks = codeBlocks(markdown);
const steps: Step[] = blocks.flatMap((block, i) => {
  if (block.lang !== 'sh' || block.skipped) return [];
  const next = blocks[i + 1];
  return [{ block, expected: next?.lang === 'http' && next.adjacent ? next : null }];
});
const checked = steps.filter((s): s is Step & { expected: Block } => s.expected !== null);
const tsIndex = blocks.findIndex((b) => b.lang === 'ts');
const sdkBlock = blocks[tsIndex];
const sdkExpected = blocks.slice(tsIndex + 1).find((b) => b.lang === 'json');

describe('docs/quickstart.md', () => {
  let server: TestServer;
  let dir: string;
  let outputs: string[] = [];
  let failure: string | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-quickstart-'));
    server = await startTestServer({ env: { SEED_DEMO: 'true', RATE_LIMITS: 'on' } });
    const host = new URL(server.url).host;
    try {
      await run('bash', ['-c', 'command -v curl && command -v jq'], { cwd: dir });
    } catch {
      throw new Error('docs/quickstart.md is run with bash, curl and jq: install them');
    }
    const script = [
      'set -euo pipefail',
      ...steps.map(
        (s) => `printf '\\n${MARK}\\n'\n${s.block.text.replaceAll('localhost:3000', host)}`,
      ),
    ].join('\n');
    // Asynchronously: the server answers from this same process.
    try {
      const { stdout } = await run('bash', ['-c', script], {
        cwd: dir,
        env: { ...process.env, TMPDIR: dir },
        timeout: 20_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      outputs = stdout.split(`\n${MARK}\n`).slice(1);
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      outputs = (e.stdout ?? '').split(`\n${MARK}\n`).slice(1);
      failure = `${e.message}\n${e.stderr ?? ''}`;
    }
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is written to the convention: each answer follows its command', () => {
    expect(checked.length).toBeGreaterThanOrEqual(15);
    const orphans = blocks.filter(
      (b, i) => b.lang === 'http' && !(blocks[i - 1]?.lang === 'sh' && b.adjacent),
    );
    expect(orphans.map((b) => b.line)).toEqual([]);
    expect(sdkBlock?.text).toContain("from '@cart/client'");
    expect(sdkExpected).toBeDefined();
  });

  it('runs every command to the end', () => {
    expect(failure).toBeNull();
    expect(outputs).toHaveLength(steps.length);
  });

  it.each(checked.map((s) => [s.block.line, s] as const))(
    'the command at line %i prints the answer shown',
    (_line, step) => {
      const index = steps.indexOf(step);
      const output = outputs[index];
      expect(output, `no output: ${failure ?? ''}`).toBeDefined();
      const actual = parseAnswer(output ?? '');
      const expected = parseAnswer(step.expected.text);
      expect(actual.statusLine, output).toBe(expected.statusLine);
      for (const [name, value] of expected.headers) {
        expect(actual.headers.has(name), `header ${name}`).toBe(true);
        if (!PRESENCE_ONLY.has(name)) expect(actual.headers.get(name), name).toBe(value);
      }
      if (expected.body !== '') {
        const body: unknown = JSON.parse(actual.body);
        expect(body).toMatchObject(loosen(JSON.parse(expected.body)) as object);
      }
    },
  );

  it('runs the @cart/client flow to the result shown', async () => {
    const source = (sdkBlock?.text ?? '').replaceAll("'@cart/client'", `'${CLIENT_ENTRY}'`);
    const file = join(dir, 'quickstart-sdk.ts');
    writeFileSync(file, source);
    const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
      quickstart(baseUrl: string): Promise<unknown>;
    };
    const result = await mod.quickstart(server.url);
    expect(result).toEqual(JSON.parse(sdkExpected?.text ?? 'null'));
  });
});
