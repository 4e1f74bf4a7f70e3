import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorSource } from '@cart/core';
import { REDACTED, scrubText } from './redact.ts';

/**
 * The pure half of error tracking (docs/operations.md#errors): what an error's group is
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
 */

/** The repository's root: frames under it (outside node_modules) are application code. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/** Longest kept message and stack, in characters (after scrubbing). */
export const MAX_MESSAGE = 500;
export const MAX_STACK = 8000;

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

// V8 (Node, Chrome, Edge): "    at fn (location:line:col)" or "    at location:line:col".
const V8_FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?\s*$/;
// SpiderMonkey and JavaScriptCore (Firefox, Safari): "fn@location:line:col".
const GECKO_FRAME = /^\s*(.*?)@(.+?):(\d+):\d+\s*$/;

/** The frames of a V8, Firefox or Safari stack that name a location; others are skipped. */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const text of stack.split('\n')) {
    const m = V8_FRAME.exec(text) ?? GECKO_FRAME.exec(text);
    if (!m?.[2] || !m[3]) continue;
    const fn = (m[1] ?? '').replace(/^(?:async|new) /, '').trim();
    frames.push({ fn: fn === '' ? null : fn, location: m[2], line: Number(m[3]) });
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

// A bundler's content hash in a file name (`index-B1x2c3D4.js`): it changes every build.
const CONTENT_HASH = /-[A-Za-z0-9_-]{8,}(?=\.m?js$)/;

/**
 * The first frame of a browser stack in a script served over http(s) — not an
 * extension's, not the browser's own — as its URL path (no origin, no query string).
 */
export function topClientFrame(stack: string): TopFrame | null {
  for (const f of parseStack(stack)) {
    if (!/^https?:\/\//i.test(f.location) || !URL.canParse(f.location)) continue;
    const path = new URL(f.location).pathname;
    return { shown: `${path}:${f.line}`, key: frameKey(path.replace(CONTENT_HASH, ''), f) };
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

// `password=…`, `"token": "…"`, `api_key: …`: the value after a secret's name (but not
// the message after an error class, as in `TokenExpiredError: …`).
const SECRET_ASSIGNMENT =
  /\b([A-Za-z_-]*(?:token|password|passwd|secret|api[_-]?key|session|cookie|authorization)[A-Za-z_-]*(?<!error|exception)["']?\s*[:=]\s*["']?)[^\s"'&,;)}\]]+/gi;
// Long opaque words (keys, hashes, base64url or hex tokens) holding letters and digits;
// UUIDs (record ids, useful to find the record) are kept.
const OPAQUE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Card-like digit runs (13–19 digits, spaces or dashes between).
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;

/**
 * Text of an error with what must not be kept taken out: the log scrubber's rules
 * (bearer credentials, cart and CSRF tokens, emails, the configured secrets), values
 * assigned to a secret's name, long opaque words and card-like numbers.
 */
export function scrubError(text: string, secrets: readonly string[] = []): string {
  return scrubText(text, secrets)
    .replace(SECRET_ASSIGNMENT, `$1${REDACTED}`)
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
