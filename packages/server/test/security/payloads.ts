/**
 * Hostile inputs shared by the attack and fuzz suites: SQL injection strings, the
 * invisible and control characters that customer text must lose, Unicode that changes
 * length under NFC, lone surrogates, and fields a client must never be able to set.
 */

/** Classic injection strings. None names the database engine or a server file path. */
export const SQL_INJECTIONS = [
  `' OR '1'='1`,
  `'; DROP TABLE carts; --`,
  `" OR ""="`,
  `1; DELETE FROM products WHERE 1=1`,
  `') UNION SELECT token_hash, 1 FROM carts --`,
  `\\'; UPDATE discounts SET value = 10000 --`,
  `%' OR 1=1 --`,
  `*/ OR 1=1 /*`,
  `'||(SELECT hex(token_hash) FROM carts LIMIT 1)||'`,
  `'); ATTACH DATABASE 'x.db' AS x; --`,
] as const;

/** Fields that are the server's to set, with values an attacker would like them to have. */
export const SERVER_OWNED_FIELDS: Record<string, unknown> = {
  price: { amount: 1, currency: 'USD' },
  unitPrice: { amount: 1, currency: 'USD' },
  version: 999,
  status: 'checked_out',
  token: 'A'.repeat(43),
  discountTotal: { amount: 100_000, currency: 'USD' },
};

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));

/** Bidi embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
export const BIDI = [...range(0x202a, 0x202e), ...range(0x2066, 0x2069)];
/** Invisible characters stripped besides bidi: zero-width space, LRM/RLM, ALM, BOM. */
export const INVISIBLE = ['\u200B', '\u200E', '\u200F', '\u061C', '\uFEFF'];
/** C0 controls but tab and line feed, DEL, and the C1 controls: Unicode Cc. */
export const CONTROLS = [
  ...range(0x00, 0x08),
  ...range(0x0b, 0x1f),
  '\u007F',
  ...range(0x80, 0x9f),
];
/** Everything customer text must lose, in every field (tab and LF are handled apart). */
export const STRIPPED = [...BIDI, ...INVISIBLE, ...CONTROLS];

/* eslint-disable no-control-regex -- matching control characters is the point of these */
/** Any character of STRIPPED, or a tab or line feed (for single-line fields). */
export const FORBIDDEN_IN_TEXT =
  /[\u0000-\u001F\u007F-\u009F\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/;
/** As FORBIDDEN_IN_TEXT but allowing tab and line feed (the note is multi-line). */
export const FORBIDDEN_IN_NOTE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/;
/* eslint-enable no-control-regex */

/** A UTF-16 surrogate without its partner: not a character, not valid UTF-8. */
export const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Texts holding lone surrogates, each at a different place. */
export const LONE_SURROGATE_TEXTS = ['\uD800', 'a\uDBFFb', '\uDC00z', 'x\uDFFF', '\uDC00\uD800'];

/** Letters interleaved with every stripped character, and what must be left of them. */
export function interleaved(chars: readonly string[]): { dirty: string; clean: string } {
  const letters = chars.map((_, i) => String.fromCharCode(0x61 + (i % 26)));
  return {
    dirty: chars.map((c, i) => `${letters[i]}${c}`).join(''),
    clean: letters.join(''),
  };
}
