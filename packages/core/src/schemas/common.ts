import * as z from 'zod/mini';
import './zod-locale.ts';
import { sanitizeText } from '../text/sanitize.ts';

/** Identifier of a cart, line or product: URL-safe, checked before any query. */
export const Id = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"'),
    z.describe('Identifier: 1–64 characters of A–Z, a–z, 0–9, "_" and "-"'),
  );
export type Id = z.infer<typeof Id>;

/** An instant as an ISO-8601 UTC timestamp with milliseconds, e.g. 2026-11-28T10:00:00.000Z. */
export const Timestamp = z.iso.datetime({ offset: false, precision: 3 });
export type Timestamp = z.infer<typeof Timestamp>;

/** An admin-supplied instant: any ISO-8601 date-time with a zone. */
export const InstantInput = z.iso.datetime({ offset: true }).check(z.maxLength(64));

/** A client-made id for one action, so a replayed action applies at most once. */
export const ActionId = z
  .string()
  .check(
    z.regex(/^[\x21-\x7E]{1,128}$/, 'must be 1–128 visible ASCII characters'),
    z.describe('Client-made id of this action, unique within the cart; applied at most once.'),
  );
export type ActionId = z.infer<typeof ActionId>;

/**
 * A single-line customer text: normalized (NFC, no control or bidi characters) and then
 * bounded. Longer input is refused, never truncated.
 */
export const singleLineText = (max: number) =>
  z.string().check(
    z.overwrite((s) => sanitizeText(s)),
    z.maxLength(max, `must be at most ${max} characters`),
  );

/** A multi-line customer text: as `singleLineText` but tab and newline are kept. */
export const multiLineText = (max: number) =>
  z.string().check(
    z.overwrite((s) => sanitizeText(s, { multiline: true })),
    z.maxLength(max, `must be at most ${max} characters`),
  );

/** An email address, trimmed and normalized, at most 254 characters (RFC 5321). */
export const Email = z.string().check(
  z.overwrite((s) => sanitizeText(s).trim()),
  z.maxLength(254, 'must be at most 254 characters'),
  z.regex(z.regexes.email, 'must be an email address'),
);
export type Email = z.infer<typeof Email>;

export const LIMITS = {
  noteLength: 1000,
  attributeCount: 20,
  attributeKeyLength: 64,
  attributeValueLength: 256,
} as const;

/** Line attributes (engraving text, gift wrap…): a small map of short strings. */
export const Attributes = z
  .record(
    // Names are refused, not normalized, when they hold control or invisible characters
    // or are not NFC: normalizing could make two names one and silently drop a value.
    z.string().check(
      z.minLength(1, 'attribute names must not be empty'),
      z.maxLength(
        LIMITS.attributeKeyLength,
        `must be at most ${LIMITS.attributeKeyLength} characters`,
      ),
      z.refine((k) => sanitizeText(k) === k, {
        message:
          'attribute names must not contain control or invisible characters, and must be NFC',
      }),
    ),
    singleLineText(LIMITS.attributeValueLength),
  )
  .check(
    z.refine((a) => Object.keys(a).length <= LIMITS.attributeCount, {
      message: `at most ${LIMITS.attributeCount} attributes`,
    }),
  );
export type Attributes = z.infer<typeof Attributes>;

/** Opaque pagination cursor. */
export const Cursor = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/));

/** `?limit=` for lists: a decimal integer 1–100 written as a string (query strings are text). */
export const PageLimit = z.pipe(
  z.string().check(z.regex(/^(100|[1-9][0-9]?)$/, 'must be an integer from 1 to 100')),
  z.transform(Number),
);
