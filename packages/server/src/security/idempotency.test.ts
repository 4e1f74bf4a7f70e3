import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  idempotencyRecordId,
  isStorable,
  openReply,
  parseIdempotencyKey,
  requestFingerprint,
  sealReply,
} from './idempotency.ts';

describe('parseIdempotencyKey', () => {
  it.each([
    ['abc-123', 'abc-123'],
    ['"abc-123"', 'abc-123'],
    ['"a\\"b"', 'a"b'],
    ['x'.repeat(255), 'x'.repeat(255)],
  ])('accepts %s', (header, key) => expect(parseIdempotencyKey(header)).toBe(key));

  it.each(['', 'x'.repeat(256), 'has space', 'tab\there', 'é', '"unterminated', '""', '"a"b"'])(
    'refuses %j',
    (header) => expect(parseIdempotencyKey(header)).toBeNull(),
  );
});

describe('idempotency records', () => {
  it('scopes record ids by credential, method, path and key', () => {
    const base = idempotencyRecordId('bearer:x', 'POST', '/api/carts/a/lines', 'k');
    expect(idempotencyRecordId('bearer:y', 'POST', '/api/carts/a/lines', 'k')).not.toBe(base);
    expect(idempotencyRecordId('bearer:x', 'PATCH', '/api/carts/a/lines', 'k')).not.toBe(base);
    expect(idempotencyRecordId('bearer:x', 'POST', '/api/carts/b/lines', 'k')).not.toBe(base);
    expect(idempotencyRecordId('bearer:x', 'POST', '/api/carts/a/lines', 'k')).toBe(base);
  });

  it('fingerprints bodies by content, not key order', () => {
    expect(requestFingerprint('POST', '/p', { a: 1, b: 2 })).toBe(
      requestFingerprint('POST', '/p', { b: 2, a: 1 }),
    );
    expect(requestFingerprint('POST', '/p', { a: 1 })).not.toBe(
      requestFingerprint('POST', '/p', { a: 2 }),
    );
    expect(requestFingerprint('POST', '/p', undefined)).toBe(
      requestFingerprint('POST', '/p', null),
    );
  });

  it('seals answers so that only the same key opens them', () => {
    const ctx = { key: 'secret-key', id: 'rec', fingerprint: 'f' };
    const reply = { status: 201, headers: { etag: '"1"' }, body: { token: 't0k3n' } };
    const sealed = sealReply(ctx, reply);
    expect(sealed).not.toContain('t0k3n');
    expect(openReply(ctx, sealed)).toEqual(reply);
    expect(() => openReply({ ...ctx, key: 'other' }, sealed)).toThrow();
  });

  it('seals a small answer without compressing it (version 3), authenticated as such', () => {
    const ctx = { key: 'secret-key', id: 'rec', fingerprint: 'f' };
    const reply = { status: 200, headers: { etag: '"2"' }, body: { id: 'c', lines: [] } };
    const sealed = sealReply(ctx, reply);
    expect(sealed.startsWith('3.')).toBe(true);
    expect(openReply(ctx, sealed)).toEqual(reply);
    // Read as another version, the same bytes do not open.
    expect(() => openReply(ctx, `2.${sealed.slice(2)}`)).toThrow();
    expect(() => openReply(ctx, sealed.slice(2))).toThrow();
    // A 204's answer has no body, and replays with none.
    const empty = { status: 204, headers: {} };
    expect(openReply(ctx, sealReply(ctx, empty as never))).toEqual(empty);
  });

  it('compresses answers before sealing them, and still opens answers sealed before that', () => {
    const ctx = { key: 'secret-key', id: 'rec', fingerprint: 'f' };
    const lines = Array.from({ length: 50 }, (_, i) => ({
      id: `line-${i}`,
      attributes: { engraving: 'Happy birthday, with love from all of us'.repeat(6) },
    }));
    const reply = { status: 200, headers: { etag: '"7"' }, body: { lines } };
    const sealed = sealReply(ctx, reply);
    expect(sealed.startsWith('2.')).toBe(true);
    expect(sealed.length).toBeLessThan(JSON.stringify(reply).length / 5);
    expect(openReply(ctx, sealed)).toEqual(reply);
    // The version is authenticated: the same bytes read as the old format do not open.
    expect(() => openReply(ctx, sealed.slice(2))).toThrow();

    // Version 1, as written before compression (bare base64url, no associated data).
    const keyV1 = createHash('sha256')
      .update('idempotency-payload\u0000')
      .update(ctx.key)
      .update('\u0000')
      .update(ctx.id)
      .digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyV1, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(reply), 'utf8'), cipher.final()]);
    const v1 = Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
    expect(openReply(ctx, v1)).toEqual(reply);
  });

  it('stores every answer but 5xx, 429 and in-flight conflicts', () => {
    expect(isStorable(200)).toBe(true);
    expect(isStorable(422, 'OUT_OF_STOCK')).toBe(true);
    expect(isStorable(412, 'VERSION_CONFLICT')).toBe(true);
    expect(isStorable(409, 'IDEMPOTENCY_IN_FLIGHT')).toBe(false);
    expect(isStorable(429)).toBe(false);
    expect(isStorable(500)).toBe(false);
    expect(isStorable(503)).toBe(false);
  });
});
