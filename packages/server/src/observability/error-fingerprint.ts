import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_GROUP_LIMITS, type ErrorSource } from '@cart/core';
import { SERVER_ROOT } from '../paths.ts';
import { REDACTED, scanWork, scrubText } from './redact.ts';

/**
 * The pure half of error tracking (docs/operations.md#error-tracking): what an error's group is
 * (its fingerprint), and what of it may be kept (scrubbed, bounded text).
 *
 * A fingerprint is the SHA-256 (hex, first 32 digits) of four facts: the source
 * (server or client), the error class, the top application frame and the route. The
 * top application frame is the first stack frame in this repository's own code — not
 * in node_modules, not in Node itself (`node:`), not outside the repository; for the
 * browser, the first frame in a script served over http(s).
 *
 * Which facts of that frame go into the fingerprint: its file and its function name,
 * not its line. A line number moves whenever code above it changes, so keying on it
 * would split one bug into a new group on every deploy; a function is renamed far less
 * often. A frame without a function name (top-level code, an anonymous callback) falls
 * back to file and line. The shown `topFrame` is always `file:line`, of the latest
 * occurrence, so an operator can open the exact place.
 *
 * A browser report is a stranger's text: it is cut to fixed bounds (`boundText`) before
 * anything here parses it, and every step after that is linear in its length (frames
 * and secret assignments are read by small scanners, not by backtracking patterns; see
 * redact.ts).
 */

/** The repository's root: frames under it (outside node_modules) are application code. */
export const REPO_ROOT = resolve(SERVER_ROOT, '..', '..');

/** Longest kept message and stack, in characters (after scrubbing): what the API declares. */
export const MAX_MESSAGE = ERROR_GROUP_LIMITS.message;
export const MAX_STACK = ERROR_GROUP_LIMITS.stack;

/**
 * What of an error's text is looked at at all, cut before any parsing or scrubbing: a
 * message of 1 KiB (made one line later), a stack of 8 KiB in at most 50 lines (its
 * first line and 49 frames) of at most 1 KiB each. Browsers and Node write 10 to 50
 * frames of a few hundred characters; a longer stack is a loop's or a stranger's.
 */
export const INPUT_BOUNDS = {
  message: { chars: 1024, lines: 1024, lineChars: 1024 },
  stack: { chars: 8192, lines: 50, lineChars: 1024 },
} as const;

/** `[A-Za-z0-9_-]`: the characters of a token, a key or a word. */
const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

/**
 * `text` cut to at most `lines` lines of at most `lineChars` characters each and
 * `chars` in all, in one pass. A cut never keeps part of a word: a token cut in half
 * would no longer look like one and escape scrubbing, so the cut word goes whole,
 * and `…` marks the place.
 */
export function boundText(
  text: string,
  bounds: { chars: number; lines: number; lineChars: number },
): string {
  if (text.length <= bounds.lineChars && !text.includes('\n')) return text;
  const kept: string[] = [];
  let total = 0;
  let start = 0;
  while (start <= text.length && kept.length < bounds.lines && total < bounds.chars) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const room = Math.min(bounds.lineChars, bounds.chars - total);
    let line = text.slice(start, Math.min(end, start + room));
    if (end - start > room) line = `${cutWord(line, text.charCodeAt(start + room))}…`;
    kept.push(line);
    total += line.length + 1;
    if (newline === -1) return kept.join('\n');
    start = newline + 1;
  }
  return start <= text.length ? `${kept.join('\n')}\n…` : kept.join('\n');
}

/** `line` without its last word when `next` (the first character cut off) continues it. */
function cutWord(line: string, next: number): string {
  if (!isWordChar(next)) return line;
  let end = line.length;
  while (end > 0 && isWordChar(line.charCodeAt(end - 1))) end--;
  return line.slice(0, end);
}

export interface StackFrame {
  /** The function as the stack names it (`CartService.checkout`), or null. */
  fn: string | null;
  /** Path or URL as written in the stack. */
  location: string;
  line: number;
}

/** The frame that stands for an error: shown as `file`, keyed by `key`. */
export interface TopFrame {
  /** `path:line`: repo-relative for the server, the URL path for the browser. */
  shown: string;
  /** What the fingerprint uses: `path#function`, or `path:line` without a function. */
  key: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * `location:line:col` at the very end of `text` (then an optional `)` when `paren`):
 * the location (not empty) and the line, or null. Read from the end, digits only.
 */
function splitPosition(text: string, paren: boolean): { head: string; line: number } | null {
  let end = text.length;
  if (paren && text.endsWith(')')) end--;
  let col = end;
  while (col > 0 && isDigit(text.charCodeAt(col - 1))) col--;
  if (col === end || text.charCodeAt(col - 1) !== 58) return null;
  const lineEnd = col - 1;
  let line = lineEnd;
  while (line > 0 && isDigit(text.charCodeAt(line - 1))) line--;
  if (line === lineEnd || line < 2 || text.charCodeAt(line - 1) !== 58) return null;
  scanWork.chars += text.length - line;
  return { head: text.slice(0, line - 1), line: Number(text.slice(line, lineEnd)) };
}

/**
 * One frame of a stack, or null for a line that is not one:
 * V8 (Node, Chrome, Edge): "    at fn (location:line:col)" or "    at location:line:col";
 * SpiderMonkey and JavaScriptCore (Firefox, Safari): "fn@location:line:col".
 * The function is what comes before the first " (" (V8) or the first "@"; the location is
 * the rest, up to the final line and column. Read by hand: the patterns this replaces
 * (`at (?:(.+?) \()?(.+?):(\d+)…`) retried their lazy groups from every " (" of a long
 * line, quadratically.
 */
function parseFrame(text: string): StackFrame | null {
  const t = text.trim();
  // `.` of those patterns never matched a line terminator: such a line was no frame.
  if (/[\r\u2028\u2029]/.test(t)) return null;
  scanWork.chars += text.length;
  if (t.startsWith('at ')) {
    const rest = t.slice(3);
    const position = splitPosition(rest, true);
    if (position) {
      const open = rest.indexOf(' (', 1);
      const named = open !== -1 && open + 2 < position.head.length;
      return frame(
        named ? rest.slice(0, open) : '',
        named ? position.head.slice(open + 2) : position.head,
        position.line,
      );
    }
  }
  const at = t.indexOf('@');
  if (at === -1) return null;
  const position = splitPosition(t, false);
  if (!position || at + 1 >= position.head.length) return null;
  return frame(t.slice(0, at), position.head.slice(at + 1), position.line);
}

function frame(fnText: string, location: string, line: number): StackFrame {
  const fn = fnText.replace(/^(?:async|new) /, '').trim();
  return { fn: fn === '' ? null : fn, location, line };
}

/** The frames of a V8, Firefox or Safari stack that name a location; others are skipped. */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const text of stack.split('\n')) {
    const f = parseFrame(text);
    if (f) frames.push(f);
  }
  return frames;
}

/** The repo-relative path (with `/`) of a server frame's file, or null if not application code. */
export function applicationPath(location: string, root: string = REPO_ROOT): string | null {
  if (location.startsWith('node:') || location.includes('node_modules')) return null;
  let file = location;
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      return null;
    }
  }
  if (!isAbsolute(file)) return null;
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

const frameKey = (path: string, f: StackFrame) => (f.fn ? `${path}#${f.fn}` : `${path}:${f.line}`);

/** The first frame of the stack in this repository's code, or null when none is. */
export function topServerFrame(stack: string, root: string = REPO_ROOT): TopFrame | null {
  for (const f of parseStack(stack)) {
    const path = applicationPath(f.location, root);
    if (path !== null) return { shown: `${path}:${f.line}`, key: frameKey(path, f) };
  }
  return null;
}

/**
 * The path without a bundler's content hash in its file name (`index-B1x2c3D4.js`), which
 * changes every build: from the first `-` followed by 8 or more `[A-Za-z0-9_-]` up to
 * the `.js` or `.mjs` that ends the path. By hand: `/-[A-Za-z0-9_-]{8,}(?=\.m?js$)/`
 * scanned to the end from every `-` of a long run of them.
 */
function withoutContentHash(path: string): string {
  const ext = path.endsWith('.mjs') ? 4 : path.endsWith('.js') ? 3 : 0;
  if (ext === 0) return path;
  const end = path.length - ext;
  let start = end;
  while (start > 0 && isWordChar(path.charCodeAt(start - 1))) start--;
  scanWork.chars += end - start;
  for (let i = start; i <= end - 9; i++)
    if (path.charCodeAt(i) === 45) return path.slice(0, i) + path.slice(end);
  return path;
}

/**
 * The first frame of a browser stack in a script served over http(s) — not an
 * extension's, not the browser's own — as its URL path (no origin, no query string).
 */
export function topClientFrame(stack: string): TopFrame | null {
  for (const f of parseStack(stack)) {
    if (!/^https?:\/\//i.test(f.location) || !URL.canParse(f.location)) continue;
    const path = new URL(f.location).pathname;
    return { shown: `${path}:${f.line}`, key: frameKey(withoutContentHash(path), f) };
  }
  return null;
}

/** The group of an occurrence: 32 hex digits of SHA-256 over its four facts. */
export function fingerprintOf(parts: {
  source: ErrorSource;
  errorClass: string;
  frameKey: string;
  route: string;
}): string {
  return createHash('sha256')
    .update([parts.source, parts.errorClass, parts.frameKey, parts.route].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/;

/**
 * The class of what was thrown: the constructor's name when it says more than `Error`
 * (`TypeError`, `SqliteError`, `WriteConflictError`), else the error's `name`;
 * `NonError` for a thrown value that is not an Error (a string, an object).
 */
export function errorClassOf(error: unknown): string {
  if (!(error instanceof Error)) return 'NonError';
  const ctor = (error.constructor as { name?: unknown } | undefined)?.name;
  if (typeof ctor === 'string' && IDENTIFIER.test(ctor) && ctor !== 'Error' && ctor !== 'Object')
    return ctor;
  return IDENTIFIER.test(error.name) ? error.name : 'Error';
}

// A name that says its value is a secret (not an error class: `TokenExpiredError: …`).
const SECRET_NAME = /token|password|passwd|secret|api[_-]?key|session|cookie|authorization/i;
const ERROR_NAME = /(?:error|exception)$/i;
// Long opaque words (keys, hashes, base64url or hex tokens) holding letters and digits;
// UUIDs (record ids, useful to find the record) are kept.
const OPAQUE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Card-like digit runs (13–19 digits, spaces or dashes between).
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;

/** This file's patterns, for the test of their shape (no lazy or nested quantifier). */
export const ERROR_PATTERNS: readonly RegExp[] = [
  SECRET_NAME,
  ERROR_NAME,
  OPAQUE,
  UUID,
  CARD,
  IDENTIFIER,
];

// `[A-Za-z_-]`: a name; `\s`; `["']`; and what ends a value: `[\s"'&,;)}\]]`.
const isNameChar = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
const isSpace = (c: number) =>
  (c >= 9 && c <= 13) ||
  c === 32 ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;
const isQuote = (c: number) => c === 34 || c === 39;
const endsValue = (c: number) =>
  isSpace(c) || isQuote(c) || c === 38 || c === 44 || c === 59 || c === 41 || c === 125 || c === 93;

/** `[A-Za-z0-9_]`: a word character of `\b`. */
const isRegexWord = (c: number) => isWordChar(c) && c !== 45;

/**
 * Where a name may start in the run of name characters [start, end): at its first word
 * boundary (`\b`), so that `v2token=` is not a secret's name (no boundary between `2`
 * and `t`) while `x-token=` is; `end` when the run has none.
 */
function nameStart(text: string, start: number, end: number): number {
  let before = start > 0 && isRegexWord(text.charCodeAt(start - 1));
  for (let k = start; k < end; k++) {
    const word = isRegexWord(text.charCodeAt(k));
    if (word !== before) return k;
    before = word;
  }
  return end;
}

/**
 * `password=…`, `"token": "…"`, `api_key: …`: the value after a secret's name replaced.
 * A name is a run of `[A-Za-z_-]` from its first word boundary; then an optional quote,
 * `:` or `=` between optional spaces, an optional quote, and the value up to a space, a
 * quote or one of `&,;)}]`.
 * A scanner, each character read at most a few times: the pattern it replaces
 * (`[A-Za-z_-]*(?:token|…)[A-Za-z_-]*…`) backtracked over every name inside a long
 * run (`tokentoken…`), quadratically.
 */
function redactAssignments(text: string): string {
  let out = '';
  let kept = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const from = i;
    while (i < n && !isNameChar(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && isNameChar(text.charCodeAt(i))) i++;
    scanWork.chars += i - from;
    if (i === start) break;
    const name = text.slice(nameStart(text, start, i), i);
    if (!SECRET_NAME.test(name) || ERROR_NAME.test(name)) continue;
    let j = i;
    if (j < n && isQuote(text.charCodeAt(j))) j++;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    const sep = text.charCodeAt(j);
    if (sep !== 58 && sep !== 61) continue;
    j++;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (j < n && isQuote(text.charCodeAt(j))) j++;
    const value = j;
    while (j < n && !endsValue(text.charCodeAt(j))) j++;
    scanWork.chars += j - i;
    if (j === value) continue;
    out += text.slice(kept, value) + REDACTED;
    kept = j;
    i = j;
  }
  return kept === 0 ? text : out + text.slice(kept);
}

/**
 * Text of an error with what must not be kept taken out: the log scrubber's rules
 * (bearer credentials, cart and CSRF tokens, emails, the configured secrets), values
 * assigned to a secret's name, long opaque words and card-like numbers.
 */
export function scrubError(text: string, secrets: readonly string[] = []): string {
  return redactAssignments(scrubText(text, secrets))
    .replace(OPAQUE, (word) =>
      UUID.test(word) || !/\d/.test(word) || !/[A-Za-z]/.test(word) ? word : REDACTED,
    )
    .replace(CARD, REDACTED);
}

/** `text` cut to `max` characters, marked with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// A path segment that is an id (a UUID or a number): the same page for every record.
const ID_SEGMENT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)$/i;

/** A browser page path as a route: id segments become `:id`, so one page is one route. */
export function pageRoute(page: string): string {
  return page
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/');
}
