/**
 * Free-text normalization applied to every piece of customer text before it is stored
 * (docs/security.md): control characters (Unicode Cc) and bidi embedding / override /
 * isolate characters removed, then NFC. Tab and newline survive only where a field
 * allows several lines (the cart note). Length limits are checked after this, on the
 * normalized text, so a limit can never be dodged with decomposed characters.
 *
 * Stripping comes before NFC on purpose: a removed character can separate a base letter
 * from its combining mark ("e", U+200B, U+0301), and normalizing first would leave the
 * pair decomposed once the separator is gone: the result would not be NFC, would count
 * one character too many, and a second pass would change it again.
 */

// U+202A–U+202E embeddings/overrides, U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks,
// U+FEFF (zero-width no-break space / BOM) and U+200B (zero-width space): invisible
// characters that can make text read differently from what it is.
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\uFEFF\u200B]/g;
// Unicode Cc: C0 controls, DEL and C1 controls (matching them is the point of these).
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001F\u007F-\u009F]/g;
// Cc except tab (U+0009) and line feed (U+000A).
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_TAB_LF = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// A surrogate half without its partner is not a character: it cannot be encoded as UTF-8
// and would reach storage and other clients as U+FFFD or break them outright.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export interface SanitizeOptions {
  /** Keep tab and newline (multi-line fields such as the note). */
  multiline?: boolean;
}

/** Normalize and strip a free-text value. Pure and idempotent. */
export function sanitizeText(value: string, options: SanitizeOptions = {}): string {
  // CR LF and lone CR become LF first so a multi-line note keeps its line breaks.
  const unified = options.multiline ? value.replace(/\r\n?/g, '\n') : value;
  return unified
    .replace(options.multiline ? CONTROL_BUT_TAB_LF : CONTROL_ALL, '')
    .replace(INVISIBLE, '')
    .replace(LONE_SURROGATE, '')
    .normalize('NFC');
}
