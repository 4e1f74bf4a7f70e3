/**
 * Issue 10, finding 5: client error reports (`POST /api/client-errors`, the web app's
 * `navigator.sendBeacon`) must neither stall the event loop nor fill the disk.
 *
 * It used to take an 8 KB stack of `a.a.…@` through patterns that retried from every
 * character (email redaction, frame parsing): quadratic work on the event loop for each
 * report. And every distinct report was a new error group, kept for ever. Now:
 *
 * - the text is cut to fixed bounds before anything reads it (50 lines of 1 KiB), and
 *   read in linear time: hand-written scanners whose work is counted here on hostile
 *   texts of 1x and 8x the size (no timing), and patterns whose shape is checked (no
 *   lazy quantifier, no repeated group holding an unbounded one, one unbounded run);
 * - one client starts at most ERROR_GROUPS_NEW_PER_CLIENT_HOUR new groups an hour (its
 *   reports still count in groups that exist), each source keeps at most
 *   ERROR_GROUPS_MAX groups, and the background sweep deletes groups not seen for
 *   ERROR_GROUP_RETENTION_DAYS; dropped reports are counted in a metric.
 *
 * Everything is driven over HTTP against the real application on SQLite (the storage
 * contract runs the same limits on PostgreSQL: test/storage-contract/monitoring-contract.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientErrorReport, ErrorGroup, ErrorGroupPage } from '@cart/core';
import {
  ERROR_PATTERNS,
  parseStack,
  scrubError,
  topClientFrame,
} from '../../src/observability/error-fingerprint.ts';
import { SCRUB_PATTERNS, scanWork, scrubText } from '../../src/observability/redact.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { parsePrometheus } from '../support/prometheus.ts';
import {
  startTestServer,
  TEST_ADMIN_TOKEN,
  type TestServer,
} from '@cart/test-support/test-server.ts';

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const DAY_MS = 86_400_000;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(env: Record<string, string> = {}) {
  server = await startTestServer({ env });
  return { server, http: new HttpClient(server.url) };
}

function report(overrides: Partial<ClientErrorReport> = {}): ClientErrorReport {
  return {
    errorClass: 'TypeError',
    message: "Cannot read properties of undefined (reading 'total')",
    stack: [
      "TypeError: Cannot read properties of undefined (reading 'total')",
      '    at CartSummary (http://shop.example/assets/index-B1x2c3D4.js:40:1234)',
    ].join('\n'),
    page: '/cart',
    ...overrides,
  };
}

async function send(
  http: HttpClient,
  body: ClientErrorReport,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await http.post('/api/client-errors', {
    body,
    headers: { ...SAME_ORIGIN, ...headers },
  });
  expect(res.status, res.text).toBe(202);
}

/** Every client group, through the admin API (pages of 100). */
async function clientGroups(http: HttpClient) {
  const groups: ErrorGroupPage['items'] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const res = await http.get<ErrorGroupPage>(
      `/api/admin/errors?source=client&limit=100${query}`,
      {
        token: TEST_ADMIN_TOKEN,
      },
    );
    expect(res.status, res.text).toBe(200);
    groups.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor !== null);
  return groups;
}

async function dropped(http: HttpClient, reason: 'quota' | 'cap'): Promise<number> {
  const res = await http.get('/metrics');
  return parsePrometheus(res.text).value('cart_error_occurrences_dropped_total', { reason });
}

describe('error groups: a per-client quota on new groups', () => {
  it('lets one client start at most 20 new groups an hour; its reports still count in them', async () => {
    const { http } = await start({ TRUST_PROXY: 'true' });
    const alice = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 100; i++) await send(http, report({ errorClass: `QuotaError${i}` }), alice);

    const groups = await clientGroups(http);
    expect(groups).toHaveLength(20);
    expect(await dropped(http, 'quota')).toBe(80);

    // A report of a group that exists is counted, quota or not…
    const known = groups[0];
    if (!known) throw new Error('no group');
    await send(http, report({ errorClass: known.errorClass }), alice);
    const after = await clientGroups(http);
    expect(after.find((g) => g.fingerprint === known.fingerprint)?.count).toBe(2);
    // …and another client has a quota of its own.
    await send(http, report({ errorClass: 'OtherClientError' }), {
      'x-forwarded-for': '198.51.100.9',
    });
    expect(await clientGroups(http)).toHaveLength(21);
  });

  it('counts the quota per hour: ERROR_GROUPS_NEW_PER_CLIENT_HOUR sets it', async () => {
    const { http } = await start({ ERROR_GROUPS_NEW_PER_CLIENT_HOUR: '3' });
    for (let i = 0; i < 10; i++) await send(http, report({ errorClass: `SmallQuota${i}` }));
    expect(await clientGroups(http)).toHaveLength(3);
    expect(await dropped(http, 'quota')).toBe(7);
  });
});

describe('error groups: a cap and a retention', () => {
  it('keeps at most ERROR_GROUPS_MAX groups: beyond, new ones are dropped and counted', async () => {
    const { http } = await start({
      ERROR_GROUPS_MAX: '10',
      ERROR_GROUPS_NEW_PER_CLIENT_HOUR: '1000',
    });
    for (let i = 0; i < 15; i++) await send(http, report({ errorClass: `CapError${i}` }));
    const groups = await clientGroups(http);
    expect(groups).toHaveLength(10);
    expect(await dropped(http, 'cap')).toBe(5);
    // An existing group still counts at the cap.
    await send(http, report({ errorClass: 'CapError0' }));
    const capped = await clientGroups(http);
    expect(capped).toHaveLength(10);
    expect(capped.find((g) => g.errorClass === 'CapError0')?.count).toBe(2);
  });

  it('deletes groups not seen for ERROR_GROUP_RETENTION_DAYS in the background sweep', async () => {
    const { server: s, http } = await start();
    await send(http, report({ errorClass: 'OldError' }));
    expect(await clientGroups(http)).toHaveLength(1);

    // 29 days later the group is kept; a day after the 30 it is gone.
    await s.app.sweep(new Date(Date.now() + 29 * DAY_MS));
    expect(await clientGroups(http)).toHaveLength(1);
    await s.app.sweep(new Date(Date.now() + 31 * DAY_MS));
    expect(await clientGroups(http)).toEqual([]);
  });
});

describe('error groups: a hostile stack is cut, scrubbed, and read in linear time', () => {
  it('stores an 8 KB hostile stack cut to 50 lines of 1 KiB, with no email or token left', async () => {
    const { http } = await start();
    const stack = [
      'TypeError: failed for ann@example.com',
      '    at Checkout (http://shop.example/assets/index-B1x2c3D4.js:12:34)',
      // One line of 3 KB of `a.a.…@`: what made email redaction quadratic.
      `${'a.'.repeat(1500)}@`,
      ...Array.from(
        { length: 60 },
        (_, i) =>
          `    at f${i} (http://shop.example/x.js:1:1) token=abcdef${i}xyz bob${i}@example.org`,
      ),
    ].join('\n');
    expect(stack.length).toBeGreaterThan(7000);
    expect(stack.length).toBeLessThanOrEqual(8000);
    await send(http, report({ errorClass: 'HostileError', stack }));

    const [summary] = await clientGroups(http);
    expect(summary?.topFrame).toBe('/assets/index-B1x2c3D4.js:12');
    const res = await http.get<ErrorGroup>(`/api/admin/errors/${summary?.fingerprint}`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(res.status, res.text).toBe(200);
    const kept = res.body.stack;
    const lines = kept.split('\n');
    // 50 lines, then the mark of what was cut (the bounds are INPUT_BOUNDS.stack).
    expect(lines).toHaveLength(51);
    expect(lines.at(-1)).toBe('…');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(1024 + 1);
    expect(lines[2]).toMatch(/^(a\.)+…$/);
    expect(kept.length).toBeLessThanOrEqual(8000);
    expect(kept).not.toMatch(/@example\.(com|org)|abcdef\d+xyz/);
    expect(kept).toContain('[email]');
    expect(kept).toContain(`token=[redacted]`);
  });

  /** Texts that made the old patterns retry from every character, `size` characters long. */
  const HOSTILE: Record<string, (size: number) => string> = {
    'a.a.a.…@ (email)': (size) => `${'a.'.repeat(size / 2 - 1)}@`,
    'a%40a%40… (percent-encoded email)': (size) => 'a%40'.repeat(size / 4),
    'tokentoken…= (secret assignment)': (size) => `${'token'.repeat(size / 5 - 1)} =`,
    'at x (x (x (… (V8 frame)': (size) => `at ${'x ('.repeat(size / 3 - 1)}`,
    'f@f@f@… (Firefox frame)': (size) => 'f@'.repeat(size / 2),
    'x-x-x-….js (content hash)': (size) => `at https://x.co/${'x-'.repeat(size / 2 - 12)}.js:1:1`,
  };

  /** Characters the scanners read to scrub `text` and find its frames. */
  function work(text: string): number {
    const before = scanWork.chars;
    scrubText(text);
    scrubError(text);
    parseStack(text);
    topClientFrame(text);
    return scanWork.chars - before;
  }

  it('reads each character of a hostile text a bounded number of times, at 1x and 8x', () => {
    for (const [name, make] of Object.entries(HOSTILE)) {
      const small = make(8000);
      const large = make(64_000);
      const [w1, w8] = [work(small), work(large)];
      // Linear: a few reads a character, and 8x the text is 8x the work (give or take).
      expect(w1, name).toBeGreaterThan(0);
      expect(w1, name).toBeLessThanOrEqual(12 * small.length);
      expect(w8, name).toBeLessThanOrEqual(12 * large.length);
      expect(w8 / w1, name).toBeLessThanOrEqual(8 * 1.25);
    }
  });

  it('uses only patterns that cannot backtrack super-linearly: no lazy or nested quantifier', () => {
    for (const re of [...SCRUB_PATTERNS, ...ERROR_PATTERNS])
      expect(shapeProblems(re), re.source).toEqual([]);
    // The checker does catch what the old patterns did.
    expect(shapeProblems(/^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?\s*$/)).toContain(
      'lazy quantifier',
    );
    expect(
      shapeProblems(/(?<!\\)[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/),
    ).toContain('unbounded quantifier inside a repeated group');
    expect(shapeProblems(/\b([A-Za-z_-]*(?:token|secret)[A-Za-z_-]*\s*[:=])[^\s]+/)).toContain(
      'more than one unbounded quantifier',
    );
  });
});

/**
 * Two runs of classes that cannot share a character (`\s`, then no `\s`): where one ends
 * and the next starts is decided by the text, not by backtracking.
 */
const DISJOINT_RUNS = new Set([String.raw`\b(Bearer)\s+[^\s"\\,;]+`]);

/**
 * What is wrong with a pattern's shape, for a global search over a stranger's text: a
 * lazy quantifier (`.+?` retries at every length), an unbounded quantifier inside a group
 * that is itself repeated (`(?:\.[a-z]+)+`: exponential or polynomial ways to split), or
 * more than one unbounded quantifier (`[a-z]*token[a-z]*`: each can give characters to
 * the other, a polynomial number of splits), unless they run over disjoint classes.
 */
function shapeProblems(re: RegExp): string[] {
  const src = re.source;
  const problems = new Set<string>();
  // Per open group: whether it holds an unbounded quantifier.
  const groups: boolean[] = [];
  let unbounded = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    let holdsUnbounded = false;
    if (c === '\\') i += 2;
    else if (c === '[') {
      i++;
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      groups.push(false);
      i++;
      if (src[i] === '?') {
        i++;
        if (src[i] === '<' && (src[i + 1] === '=' || src[i + 1] === '!')) i += 2;
        else if (src[i] === '<') i = src.indexOf('>', i) + 1;
        else i++;
      }
      continue;
    } else if (c === ')') {
      holdsUnbounded = groups.pop() ?? false;
      i++;
    } else i++;
    const q = /^(?:([*+?])|\{(\d+)(,(\d*))?\})(\??)/.exec(src.slice(i, i + 24));
    if (q) {
      const isUnbounded = q[1] === '*' || q[1] === '+' || (q[3] !== undefined && q[4] === '');
      const repeats = q[1] !== '?' && !(q[2] !== undefined && q[3] === undefined && q[2] === '1');
      if (q[5] === '?') problems.add('lazy quantifier');
      if (holdsUnbounded && repeats) problems.add('unbounded quantifier inside a repeated group');
      if (isUnbounded) unbounded++;
      holdsUnbounded ||= isUnbounded;
      i += q[0].length;
    }
    if (holdsUnbounded && groups.length > 0) groups[groups.length - 1] = true;
  }
  if (unbounded > 1 && !DISJOINT_RUNS.has(src)) problems.add('more than one unbounded quantifier');
  return [...problems];
}
