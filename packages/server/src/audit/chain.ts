import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord } from '../storage/port.ts';

/** The link before the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth: one byte string per value, so a hash
 * computed by one adapter (or years later by the verifier) matches another's.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * hash_n = SHA-256(hash_{n-1} ‖ "\n" ‖ canonical_json(record_n without its hashes)).
 * The sequence number is part of the hashed content, so deleting, inserting or
 * reordering records breaks the chain as surely as editing one does.
 */
export function auditHash(seq: number, entry: AuditEntry, prevHash: string): string {
  const content = canonicalJson({
    seq,
    at: entry.at,
    actorType: entry.actorType,
    actorId: entry.actorId,
    requestId: entry.requestId,
    clientAddress: entry.clientAddress,
    action: entry.action,
    cartId: entry.cartId,
    beforeVersion: entry.beforeVersion,
    afterVersion: entry.afterVersion,
    detail: entry.detail,
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

/** Links an entry to the chain after `prev` (or to the genesis). */
export function chainRecord(
  entry: AuditEntry,
  prev: { seq: number; hash: string } | null,
): AuditRecord {
  const seq = (prev?.seq ?? 0) + 1;
  const prevHash = prev?.hash ?? GENESIS_HASH;
  return { ...entry, seq, prevHash, hash: auditHash(seq, entry, prevHash) };
}

export type ChainCheck =
  | { ok: true; count: number; headHash: string }
  | { ok: false; count: number; brokenSeq: number; reason: string };

/**
 * Walks records in chain order and finds the first that no longer matches: its content
 * hash, its link to the previous record, or its place in the sequence. From `start` (a
 * record already verified) it reads and counts only the records after it.
 */
export async function verifyChain(
  readPage: (afterSeq: number, limit: number) => Promise<AuditRecord[]>,
  pageSize = 1000,
  start: { seq: number; hash: string } | null = null,
): Promise<ChainCheck> {
  let prev: { seq: number; hash: string } | null = start;
  let count = 0;
  for (;;) {
    const page = await readPage(prev?.seq ?? 0, pageSize);
    for (const record of page) {
      const expectedSeq: number = (prev?.seq ?? 0) + 1;
      const expectedPrev: string = prev?.hash ?? GENESIS_HASH;
      if (record.seq !== expectedSeq) {
        return {
          ok: false,
          count,
          brokenSeq: record.seq,
          reason: `expected record ${expectedSeq}, found ${record.seq}`,
        };
      }
      if (record.prevHash !== expectedPrev) {
        return {
          ok: false,
          count,
          brokenSeq: record.seq,
          reason: 'link to the previous record does not match',
        };
      }
      if (auditHash(record.seq, record, record.prevHash) !== record.hash) {
        return {
          ok: false,
          count,
          brokenSeq: record.seq,
          reason: 'content does not match its hash',
        };
      }
      prev = { seq: record.seq, hash: record.hash };
      count += 1;
    }
    if (page.length < pageSize) return { ok: true, count, headHash: prev?.hash ?? GENESIS_HASH };
  }
}
