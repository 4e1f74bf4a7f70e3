import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  idempotencyRecord,
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
    // Stored records are found by this id across upgrades: its form never changes.
    expect(base).toBe(
      createHash('sha256')
        .update('idempotency\u0000bearer:x\u0000POST\u0000/api/carts/a/lines\u0000k\u0000')
        .digest('hex'),
    );
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

  it('compresses from 2 KiB of JSON, and opens version 2 as it was always written', () => {
    const ctx = { key: 'secret-key', id: 'rec', fingerprint: 'f' };
    // {"status":200,"headers":{},"body":"…"} is 37 bytes around the body's text.
    const sized = (bytes: number) => ({ status: 200, headers: {}, body: 'x'.repeat(bytes - 37) });
    expect(JSON.stringify(sized(2048))).toHaveLength(2048);
    expect(sealReply(ctx, sized(2047)).startsWith('3.')).toBe(true);
    expect(sealReply(ctx, sized(2048)).startsWith('2.')).toBe(true);

    // Version 2 by hand: deflated JSON, AES-256-GCM authenticating "idempotency-payload-v2".
    const key = createHash('sha256')
      .update('idempotency-payload\u0000')
      .update(ctx.key)
      .update('\u0000')
      .update(ctx.id)
      .digest();
    const reply = sized(4000);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('idempotency-payload-v2'));
    const data = Buffer.concat([
      cipher.update(deflateRawSync(Buffer.from(JSON.stringify(reply)))),
      cipher.final(),
    ]);
    const v2 = `2.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')}`;
    expect(openReply(ctx, v2)).toEqual(reply);
  });

  it('keeps a sealed answer under its record id and fingerprint until the TTL ends', () => {
    const ctx = { key: 'secret-key', id: 'rec-1', fingerprint: 'fp-1' };
    const reply = { status: 201, headers: { etag: '"1"' }, body: { id: 'c1' } };
    const now = new Date('2026-12-07T10:00:00.000Z');
    const record = idempotencyRecord(ctx, reply, now, 86_400, 'c1');
    expect(record).toMatchObject({
      id: 'rec-1',
      fingerprint: 'fp-1',
      createdAt: '2026-12-07T10:00:00.000Z',
      expiresAt: '2026-12-08T10:00:00.000Z',
      cartId: 'c1',
    });
    expect(openReply(ctx, record.payload)).toEqual(reply);
    expect(idempotencyRecord(ctx, reply, now, 60).cartId).toBeNull();
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
