import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from './chain.ts';
import type { AuditKey, AuditKeyring } from './keyring.ts';

/**
 * A signed head of the audit chain (`npm run audit:checkpoint`), kept where the
 * database's writers cannot reach. The chain alone cannot show that its newest records
 * were cut off, nor that the whole of it was rewritten by someone holding the key (or,
 * for a legacy prefix, by anyone); a checkpoint can: the record at its `seq` must still
 * be there with its `hash`, and since every hash covers the one before it, that pins
 * every record up to it (`audit:verify --checkpoint FILE`).
 */
export const CHECKPOINT_FORMAT = 'cart-audit-checkpoint/1';

export const AuditCheckpoint = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  /** The newest record when it was taken (0: an empty chain). */
  seq: z.int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** How many records before the first keyed one were unkeyed (legacy). */
  legacyRecords: z.int().min(0),
  /** When it was taken (ISO 8601). */
  at: z.iso.datetime(),
  keyId: z.string().min(1),
  /** HMAC-SHA-256 (hex) of the fields above under the key `keyId` names. */
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

type Unsigned = Omit<AuditCheckpoint, 'signature'>;

/**
 * The signature: a prefix of its own keeps a checkpoint's MAC from ever being a record's
 * (whose input starts with 64 hex digits), though the same keys make both.
 */
function mac(fields: Unsigned, key: AuditKey): string {
  const { format, seq, hash, legacyRecords, at, keyId } = fields;
  return createHmac('sha256', key.secret)
    .update(`${CHECKPOINT_FORMAT} signature\n`)
    .update(canonicalJson({ format, seq, hash, legacyRecords, at, keyId }))
    .digest('hex');
}

/** Signs the head `seq`/`hash` of a verified chain. */
export function signCheckpoint(
  head: { seq: number; hash: string; legacyRecords: number },
  key: AuditKey,
  at: Date = new Date(),
): AuditCheckpoint {
  const fields: Unsigned = {
    format: CHECKPOINT_FORMAT,
    seq: head.seq,
    hash: head.hash,
    legacyRecords: head.legacyRecords,
    at: at.toISOString(),
    keyId: key.id,
  };
  return { ...fields, signature: mac(fields, key) };
}

/** The checkpoint in `text`, or why it is not one. */
export function parseCheckpoint(
  text: string,
): { ok: true; checkpoint: AuditCheckpoint } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = AuditCheckpoint.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      reason: `not a ${CHECKPOINT_FORMAT} (${parsed.error.issues
        .map((i) => `${i.path.join('.') || 'value'}: ${i.message}`)
        .join('; ')})`,
    };
  return { ok: true, checkpoint: parsed.data };
}

/** Null when the signature holds under the key ring; otherwise why not. */
export function checkpointSignatureProblem(
  checkpoint: AuditCheckpoint,
  keyring: AuditKeyring,
): string | null {
  const key = keyring.get(checkpoint.keyId);
  if (!key)
    return `the checkpoint is signed with key "${checkpoint.keyId}", which is not in the keyring`;
  const expected = Buffer.from(mac(checkpoint, key), 'hex');
  const given = Buffer.from(checkpoint.signature, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given)
    ? null
    : 'the checkpoint signature does not verify: the file was altered, or signed with another key';
}
