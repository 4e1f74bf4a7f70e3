/**
 * Scrubbing of log lines: nothing secret or personal leaves the process in a log line,
 * whoever wrote it. Applied by pino's `streamWrite` hook to every serialized line, so it
 * covers messages, error messages and stacks, bindings and any object a caller logged.
 *
 * - Fields whose name says they hold a secret or an email (`token`, `password`,
 *   `email`, `cookie`, `authorization`, … at any depth) are replaced by `[redacted]`.
 * - Inside any string: `Bearer <credential>`, CSRF tokens and cart tokens (the shapes
 *   security/tokens.ts and http/csrf.ts make), email addresses, and the configured
 *   secrets themselves (ADMIN_TOKEN, METRICS_TOKEN, SECRET) are replaced.
 *
 * The common line (a request line, no sensitive field names) costs a few regular
 * expression scans of a few hundred bytes; only a line that names a sensitive field is
 * parsed and re-serialized.
 *
 * Everything here also runs on text a stranger wrote (browser error reports, request
 * paths), so its work must stay linear in the text's length: every pattern either starts
 * only where a run of its characters starts (a lookbehind, a literal) and has bounded or
 * unambiguous repetition, or it is a small hand-written scanner (email addresses) that
 * looks at each character a bounded number of times. No lazy quantifier, no quantifier
 * inside a repeated group (test/hardening/client-errors.test.ts checks both).
 */

export const REDACTED = '[redacted]';
export const EMAIL_REDACTED = '[email]';

/** Field names whose values are never logged (matched case-insensitively, anywhere in the name). */
export const SENSITIVE_KEY =
  /token|password|passwd|secret|e-?mail|cookie|authorization|idempotency[-_]?key|api[-_]?key/i;

// A JSON key: `"…":` (keys never hold an unescaped `"`). Each match starts at a quote and
// stops at the next one, so the scan is linear; the key is then tested on its own
// (a single pattern with the field names between two `[^"]*` would backtrack over every
// name in a long key, quadratically).
const JSON_KEY = /"([^"\\]*)":/g;

// `Authorization: Bearer x` or `bearer x` in text; stops at a quote or backslash so that
// the JSON around it stays intact.
const BEARER = /\b(Bearer)\s+[^\s"\\,;]+/gi;
// Where a word may start in serialized JSON: after a character that cannot be part of it,
// or right after an escape (`\n`, `\t`, …), whose letter is not part of the text.
const START = String.raw`(?:(?<![A-Za-z0-9_\\-])|(?<=\\[nrtbf\\]))`;
// A CSRF token: 18 random bytes and an HMAC-SHA256, both base64url, joined by a dot.
const CSRF_TOKEN = new RegExp(
  `${START}[A-Za-z0-9_-]{24}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`,
  'g',
);
// A cart token: 256 random bits in base64url, 43 characters. Words of that length made of
// one case only (a repeated letter, a lowercase file name) are left alone: a random token
// holds both upper- and lowercase letters all but never (about 1 in 10^10).
const CART_TOKEN = new RegExp(`${START}[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`, 'g');

/** This file's patterns, for the test of their shape (no lazy or nested quantifier). */
export const SCRUB_PATTERNS: readonly RegExp[] = [
  SENSITIVE_KEY,
  JSON_KEY,
  BEARER,
  CSRF_TOKEN,
  CART_TOKEN,
];

/**
 * Characters the hand-written scanners (here and in error-fingerprint.ts) have looked
 * at since the process started: the linearity test reads it before and after scrubbing
 * a hostile text, so that "linear" is checked by counting, not by timing.
 */
export const scanWork = { chars: 0 };

const isAlnum = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// `[A-Za-z0-9._%+-]`: what the local part of an address is made of.
const isLocalChar = (c: number) =>
  isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
// `[A-Za-z0-9-]`: what a label of a domain is made of.
const isLabelChar = (c: number) => isAlnum(c) || c === 45;

/** The end of a domain `label(.label)+` starting at `from`, or -1 when there is none. */
function domainEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isLabelChar(text.charCodeAt(i))) i++;
  scanWork.chars += i - from;
  if (i === from) return -1;
  let end = -1;
  while (i < text.length && text.charCodeAt(i) === 46) {
    const label = i + 1;
    let j = label;
    while (j < text.length && isLabelChar(text.charCodeAt(j))) j++;
    scanWork.chars += j - i;
    if (j === label) break;
    end = j;
    i = j;
  }
  return end;
}

/**
 * Replaces email addresses, raw or percent-encoded (`%40`) as in a query string: what
 * `/(?<!\\)[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g` would, without
 * its cost. That pattern retries from every character of a long run of local-part
 * characters (`a.a.a.…@`), each try scanning to the run's end: quadratic. Here each run
 * is read once; its candidate `@` (just after it) and `%40`s (inside it) are tried from the
 * right, as the greedy pattern would, each domain read up to the next `%` or the run's end.
 *
 * The local part must touch the `@`, so scoped package paths (`node_modules/@fastify/…`)
 * are not emails. It never starts right after a backslash, so the letter of an escape
 * (`\n`) stays.
 */
function replaceEmails(text: string): string {
  let out = '';
  let kept = 0;
  let i = 0;
  const n = text.length;
  const percents: number[] = [];
  while (i < n) {
    const from = i;
    while (i < n && !isLocalChar(text.charCodeAt(i))) i++;
    const runStart = i;
    percents.length = 0;
    while (i < n && isLocalChar(text.charCodeAt(i))) {
      if (text.charCodeAt(i) === 37 && text.startsWith('40', i + 1)) percents.push(i);
      i++;
    }
    scanWork.chars += i - from;
    if (i === runStart) break;
    const start = runStart > 0 && text.charCodeAt(runStart - 1) === 92 ? runStart + 1 : runStart;
    let end = -1;
    if (i < n && text.charCodeAt(i) === 64 && i > start) end = domainEnd(text, i + 1);
    for (let k = percents.length - 1; end < 0 && k >= 0; k--) {
      const at = percents[k] ?? 0;
      if (at <= start) break;
      end = domainEnd(text, at + 3);
    }
    if (end < 0) continue;
    out += text.slice(kept, start) + EMAIL_REDACTED;
    kept = end;
    i = end;
  }
  return kept === 0 ? text : out + text.slice(kept);
}

/** Whether a serialized JSON line has a key that names a sensitive field. */
function namesSensitiveField(line: string): boolean {
  if (!SENSITIVE_KEY.test(line)) return false;
  for (const m of line.matchAll(JSON_KEY)) if (SENSITIVE_KEY.test(m[1] ?? '')) return true;
  return false;
}

const looksRandom = (word: string) => /[A-Z]/.test(word) && /[a-z]/.test(word);

const isTokenChar = (c: number) => isAlnum(c) || c === 95 || c === 45;

/**
 * Whether `text` holds a run of at least 43 `[A-Za-z0-9_-]` characters: both token shapes
 * end in one (a cart token is one, a CSRF token's HMAC is one). A request line's ids
 * (UUIDs, 36) are shorter, so most lines skip the two token patterns after this one
 * cheap pass.
 */
function hasTokenRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = isTokenChar(text.charCodeAt(i)) ? run + 1 : 0;
    if (run >= 43) return true;
  }
  return false;
}

/** Replaces credentials and email addresses inside a piece of text. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  if (out.includes('earer') || out.includes('EARER')) out = out.replace(BEARER, `$1 ${REDACTED}`);
  if (hasTokenRun(out)) {
    out = out.replace(CSRF_TOKEN, REDACTED);
    out = out.replace(CART_TOKEN, (word) => (looksRandom(word) ? REDACTED : word));
  }
  if (out.includes('@') || out.includes('%40')) out = replaceEmails(out);
  return out;
}

/** A copy of `value` with every sensitive field's value replaced, at any depth. */
export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactFields(v, depth + 1);
  return out;
}

/**
 * The `streamWrite` hook: takes one serialized JSON log line (with its newline) and
 * returns it scrubbed, still one valid JSON line. `secrets` are literal values never to
 * be written (the configured tokens); short ones (< 8 characters) are ignored as they
 * would mangle ordinary text.
 */
export function lineScrubber(
  secrets: readonly (string | undefined)[] = [],
): (line: string) => string {
  // A secret appears in a JSON line either as is or with JSON escapes (`"` and `\`).
  const literals = [
    ...new Set(
      secrets
        .filter((s): s is string => typeof s === 'string' && s.length >= 8)
        .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]),
    ),
  ].sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line;
    if (namesSensitiveField(out)) {
      try {
        const newline = out.endsWith('\n');
        out = JSON.stringify(redactFields(JSON.parse(out))) + (newline ? '\n' : '');
      } catch {
        // Not one JSON object (cannot happen with pino): scrub it as text below.
      }
    }
    return scrubText(out, literals);
  };
}
