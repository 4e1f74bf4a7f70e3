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
 */

export const REDACTED = '[redacted]';
export const EMAIL_REDACTED = '[email]';

/** Field names whose values are never logged (matched case-insensitively, anywhere in the name). */
export const SENSITIVE_KEY =
  /token|password|passwd|secret|e-?mail|cookie|authorization|idempotency[-_]?key|api[-_]?key/i;

// A JSON key that names a sensitive field: `"…token…":` (keys never hold an unescaped `"`).
const SENSITIVE_JSON_KEY = new RegExp(`"[^"\\\\]*(?:${SENSITIVE_KEY.source})[^"\\\\]*":`, 'i');

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
// An email address, raw or percent-encoded (`%40`) as in a query string. The local part
// must touch the `@`, so scoped package paths (`node_modules/@fastify/…`) are not emails.
// It never starts right after a backslash, so the letter of an escape (`\n`) stays.
const EMAIL = /(?<!\\)[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/gi;

const looksRandom = (word: string) => /[A-Z]/.test(word) && /[a-z]/.test(word);

/** Replaces credentials and email addresses inside a piece of text. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  if (out.includes('earer') || out.includes('EARER')) out = out.replace(BEARER, `$1 ${REDACTED}`);
  out = out.replace(CSRF_TOKEN, REDACTED);
  out = out.replace(CART_TOKEN, (word) => (looksRandom(word) ? REDACTED : word));
  if (out.includes('@') || out.includes('%40')) out = out.replace(EMAIL, EMAIL_REDACTED);
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
    if (SENSITIVE_JSON_KEY.test(out)) {
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
