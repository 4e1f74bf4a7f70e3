import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CART_TOKEN_PATTERN,
  hashToken,
  hmac,
  newCartToken,
  safeEqual,
  sha256Hex,
  tokenMatches,
} from './tokens.ts';

describe('cart tokens', () => {
  it('are 43 base64url characters, new every time, and match the pattern requests are held to', () => {
    const token = newCartToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(CART_TOKEN_PATTERN.test(token)).toBe(true);
    expect(newCartToken()).not.toBe(token);
  });

  it('the pattern takes exactly 43 base64url characters, nothing around them', () => {
    const token = 'a'.repeat(43);
    expect(CART_TOKEN_PATTERN.test(token)).toBe(true);
    expect(CART_TOKEN_PATTERN.test(`${token}a`)).toBe(false);
    expect(CART_TOKEN_PATTERN.test(`=${token}`)).toBe(false);
    expect(CART_TOKEN_PATTERN.test(`${token}=`)).toBe(false);
    expect(CART_TOKEN_PATTERN.test('a'.repeat(42))).toBe(false);
  });

  it('are stored as their SHA-256', () => {
    const token = newCartToken();
    expect(hashToken(token)).toEqual(createHash('sha256').update(token).digest());
  });
});

describe('tokenMatches', () => {
  const stored = hashToken('the secret');

  it('accepts the token whose hash is stored, and no other', () => {
    expect(tokenMatches(hashToken('the secret'), stored)).toBe(true);
    expect(tokenMatches(hashToken('another'), stored)).toBe(false);
  });

  it('refuses a missing token and a missing cart, even when the other side is the placeholder compared against', () => {
    // The placeholder stands in for a missing side so that the work is the same: a
    // token equal to it must not open a missing cart, nor a cart whose hash it is.
    const placeholder = hashToken('no cart has this token');
    expect(tokenMatches(null, placeholder)).toBe(false);
    expect(tokenMatches(placeholder, null)).toBe(false);
    expect(tokenMatches(null, null)).toBe(false);
    expect(tokenMatches(null, stored)).toBe(false);
    expect(tokenMatches(stored, null)).toBe(false);
  });

  it('refuses a hash of another length without throwing', () => {
    expect(tokenMatches(stored.subarray(0, 16), stored)).toBe(false);
    expect(tokenMatches(stored, Buffer.concat([stored, Buffer.from([0])]))).toBe(false);
  });
});

describe('sha256Hex', () => {
  it('hashes its parts each ended by NUL, so that moving a boundary changes the hash', () => {
    expect(sha256Hex('ab', 'c')).toBe(createHash('sha256').update('ab\u0000c\u0000').digest('hex'));
    expect(sha256Hex('ab', 'c')).not.toBe(sha256Hex('a', 'bc'));
  });
});

describe('hmac', () => {
  it('is HMAC-SHA256 in base64url', () => {
    const secret = Buffer.from('k'.repeat(32));
    expect(hmac(secret, 'value')).toBe(
      createHmac('sha256', secret).update('value').digest('base64url'),
    );
  });
});

describe('safeEqual', () => {
  it('compares strings whole, and refuses one of another length without throwing', () => {
    expect(safeEqual('same', 'same')).toBe(true);
    expect(safeEqual('same', 'sane')).toBe(false);
    expect(safeEqual('same', 'same!')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});
