import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { canonicalJson } from '../audit/chain.ts';
import { toJson } from '../json.ts';
import { sha256Hex } from './tokens.ts';
import type { IdempotencyRecord } from '../storage/port.ts';

/**
 * Idempotency keys (docs/api.md, draft-ietf-httpapi-idempotency-key-header): parsing,
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
  /** Record id: SHA-256 of credential, method, route scope and key. */
  id: string;
  /** SHA-256 of method, route scope and the validated body. */
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

/**
 * Where a key's record lives: the credential, the method, the route's scope (its
 * template and decoded parameters, `routeScope` in route-policy.ts: never the raw path,
 * which a client can spell many ways) and the key.
 */
export function idempotencyRecordId(
  credential: string,
  method: string,
  scope: string,
  key: string,
): string {
  return sha256Hex('idempotency', credential, method, scope, key);
}

/** What the request was: method, route scope and the validated body, canonically. */
export function requestFingerprint(method: string, scope: string, body: unknown): string {
  return sha256Hex(method, scope, canonicalJson(body ?? null));
}

function keyFor(ctx: IdempotencyContext): Buffer {
  return createHash('sha256')
    .update('idempotency-payload\u0000')
    .update(ctx.key)
    .update('\u0000')
    .update(ctx.id)
    .digest();
}

/**
 * Sealed answers: a version, then base64url of IV, tag and the AES-256-GCM ciphertext of
 * the answer's JSON; the version is authenticated as associated data.
 * - Version 2 (`2.`): the JSON deflated first. A cart answer of repeated field names and
 *   attribute texts shrinks several times; ciphertext would not.
 * - Version 3 (`3.`): the JSON as it is, for answers under COMPRESS_FROM bytes, where
 *   deflating saves little and setting up a compressor costs more than the rest of the
 *   sealing together.
 * - Version 1, written before compression, is bare base64url (which never holds a `.`);
 *   it stays readable for the records still kept.
 */
const SEALED_V2 = '2.';
const SEALED_V3 = '3.';
const AAD = {
  [SEALED_V2]: Buffer.from('idempotency-payload-v2'),
  [SEALED_V3]: Buffer.from('idempotency-payload-v3'),
};
const COMPRESS_FROM = 2048;

/** AES-256-GCM under a key derived from the client's raw key, which is never stored. */
export function sealReply(ctx: IdempotencyContext, reply: StoredReply): string {
  // The answer as JSON.stringify writes it, its body (a cart) serialized once (json.ts).
  const body = reply.body === undefined ? '' : `,"body":${toJson(reply.body)}`;
  const json = Buffer.from(
    `{"status":${reply.status},"headers":${JSON.stringify(reply.headers)}${body}}`,
    'utf8',
  );
  const version = json.length >= COMPRESS_FROM ? SEALED_V2 : SEALED_V3;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(ctx), iv);
  cipher.setAAD(AAD[version]);
  // Compressed before it is encrypted, so an answer's length tells little more: answers
  // are read back only by the holder of the raw key, and what an attacker could write
  // into one (a note, attributes) never shares an answer with a secret (the token is
  // only in the creation answer of an empty cart).
  const plain = version === SEALED_V2 ? deflateRawSync(json, { level: 1 }) : json;
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return version + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
}

export function openReply(ctx: IdempotencyContext, payload: string): StoredReply {
  const version = payload.startsWith(SEALED_V2)
    ? SEALED_V2
    : payload.startsWith(SEALED_V3)
      ? SEALED_V3
      : null;
  const raw = Buffer.from(version === null ? payload : payload.slice(version.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(ctx), raw.subarray(0, 12));
  if (version !== null) decipher.setAAD(AAD[version]);
  decipher.setAuthTag(raw.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  // Authenticated before it is inflated: only what this service deflated is ever inflated.
  const text = (version === SEALED_V2 ? inflateRawSync(plain) : plain).toString('utf8');
  return JSON.parse(text) as StoredReply;
}

/** Whether an answer is kept for replay: all but 5xx, 429 and "in flight" (docs/api.md). */
export function isStorable(status: number, code?: string): boolean {
  return status < 500 && status !== 429 && code !== 'IDEMPOTENCY_IN_FLIGHT';
}

/**
 * The record that keeps `reply` for the request's key, sealed, until `ttlSeconds` from now;
 * `cartId` names the cart it answered for, whose stored answers are bounded in number.
 */
export function idempotencyRecord(
  ctx: IdempotencyContext,
  reply: StoredReply,
  now: Date,
  ttlSeconds: number,
  cartId: string | null = null,
): IdempotencyRecord {
  return {
    id: ctx.id,
    fingerprint: ctx.fingerprint,
    payload: sealReply(ctx, reply),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    cartId,
  };
}
