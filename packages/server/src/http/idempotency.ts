import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../audit/chain.ts';
import { sha256Hex } from '../security/tokens.ts';
import type { IdempotencyRecord } from '../storage/port.ts';

/**
 * Idempotency keys (DESIGN.md §5, draft-ietf-httpapi-idempotency-key-header): parsing,
 * scoping, request fingerprints, and the encryption of stored answers.
 */

/** A stored answer: what is replayed for a repeat of the same request. */
export interface StoredReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The request's key, resolved: where its record lives and what its request looked like. */
export interface IdempotencyContext {
  /** The raw key as the client sent it (never stored). */
  key: string;
  /** Record id: SHA-256 of credential, method, path and key. */
  id: string;
  /** SHA-256 of method, path and the parsed body. */
  fingerprint: string;
}

/**
 * Accepts 1–255 visible ASCII characters, or the same as an RFC 8941 sf-string
 * (`"…"`, with `\"` and `\\` escapes) as the IETF draft writes it. Null when invalid.
 */
export function parseIdempotencyKey(header: string): string | null {
  let key = header;
  if (header.startsWith('"')) {
    const m = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/.exec(header);
    if (!m) return null;
    key = (m[1] ?? '').replace(/\\(["\\])/g, '$1');
  }
  return /^[\x21-\x7E]{1,255}$/.test(key) ? key : null;
}

export function idempotencyRecordId(
  credential: string,
  method: string,
  path: string,
  key: string,
): string {
  return sha256Hex('idempotency', credential, method, path, key);
}

export function requestFingerprint(method: string, path: string, body: unknown): string {
  return sha256Hex(method, path, canonicalJson(body ?? null));
}

function keyFor(ctx: IdempotencyContext): Buffer {
  return createHash('sha256')
    .update('idempotency-payload\u0000')
    .update(ctx.key)
    .update('\u0000')
    .update(ctx.id)
    .digest();
}

/** AES-256-GCM under a key derived from the client's raw key, which is never stored. */
export function sealReply(ctx: IdempotencyContext, reply: StoredReply): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(ctx), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(reply), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
}

export function openReply(ctx: IdempotencyContext, payload: string): StoredReply {
  const raw = Buffer.from(payload, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(ctx), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
    'utf8',
  );
  return JSON.parse(text) as StoredReply;
}

/** Whether an answer is kept for replay: all but 5xx, 429 and "in flight" (DESIGN.md §5). */
export function isStorable(status: number, code?: string): boolean {
  return status < 500 && status !== 429 && code !== 'IDEMPOTENCY_IN_FLIGHT';
}

/** The record that keeps `reply` for the request's key, sealed, until `ttlSeconds` from now. */
export function idempotencyRecord(
  ctx: IdempotencyContext,
  reply: StoredReply,
  now: Date,
  ttlSeconds: number,
): IdempotencyRecord {
  return {
    id: ctx.id,
    fingerprint: ctx.fingerprint,
    payload: sealReply(ctx, reply),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
  };
}
