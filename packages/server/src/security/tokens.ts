import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new cart secret: 256 random bits, base64url (43 characters). */
export function newCartToken(): string {
  return randomBytes(32).toString('base64url');
}

export const CART_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** What is stored for a token: its SHA-256. A 256-bit random secret needs no salt or stretching. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

// Compared against when there is no cart, so that an unknown id and a wrong token take
// the same work and answer the same way.
const NO_CART = hashToken('no cart has this token');

/**
 * Whether `presented` is the secret of a cart whose stored hash is `stored` (null when
 * no such cart exists). Constant-time in the token, and the same work either way.
 */
export function tokenMatches(presented: Buffer | null, stored: Buffer | null): boolean {
  const a = presented ?? NO_CART;
  const b = stored ?? NO_CART;
  const equal = a.length === b.length && timingSafeEqual(a, b);
  return equal && presented !== null && stored !== null;
}

export function sha256Hex(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

export function hmac(secret: Buffer, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
