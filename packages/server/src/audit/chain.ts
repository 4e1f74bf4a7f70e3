import { createHash, createHmac } from 'node:crypto';
import type { AuditEntry, AuditRecord } from '../storage/port.ts';
import type { AuditKey, AuditKeyring } from './keyring.ts';

/** The link before the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth: one byte string per value, so a hash
 * computed by one adapter (or years later by the verifier) matches another's.
 * Iterative, with a stack of its own, so no nesting depth can overflow the call stack
 * (a 30,000-deep `[[[…]]]` is written like any other value); the output is the same as
 * the recursive definition's, so existing hashes still verify.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Work to do, last first: a value to write, or text to emit as it is.
  const todo: ({ value: unknown } | string)[] = [{ value }];
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const v = item.value;
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v) ?? 'null');
    } else if (Array.isArray(v)) {
      todo.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        todo.push({ value: v[i] as unknown });
        if (i > 0) todo.push(',');
      }
      todo.push('[');
    } else {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, e]) => e !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      todo.push('}');
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, e] = entries[i] as [string, unknown];
        todo.push({ value: e }, `${JSON.stringify(k)}:`);
        if (i > 0) todo.push(',');
      }
      todo.push('{');
    }
  }
  return out.join('');
}

/**
 * The hashed content of a record: everything but its hashes, the sequence number
 * included (so deleting, inserting or reordering records breaks the chain as surely as
 * editing one does), and, for a keyed record, the id of its key (so a record cannot be
 * passed off as signed by another key).
 */
function hashedContent(seq: number, entry: AuditEntry, keyId: string | null): string {
  return canonicalJson({
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
    ...(keyId === null ? {} : { keyId }),
  });
}

/**
 * hash_n = HMAC-SHA-256(key, hash_{n-1} ‖ "\n" ‖ canonical_json(record_n without its
 * hashes, with its key id)), under a key that is never stored in the database
 * (`keyring.ts`): whoever can write the database but does not hold the key cannot make a
 * record, or recompute the chain after editing one, so that it verifies.
 *
 * Without a key (`null`): the legacy form, SHA-256(hash_{n-1} ‖ "\n" ‖ canonical_json(…)),
 * of records written before the chain was keyed. Anyone can compute it, so it only
 * shows accidents, not a writer's edits; the verifier accepts it for the records before
 * the first keyed one and counts them.
 */
export function auditHash(
  seq: number,
  entry: AuditEntry,
  prevHash: string,
  key: AuditKey | null,
): string {
  const content = hashedContent(seq, entry, key?.id ?? null);
  const mac = key ? createHmac('sha256', key.secret) : createHash('sha256');
  return mac.update(prevHash).update('\n').update(content).digest('hex');
}

/** Links an entry to the chain after `prev` (or to the genesis), signed with `key`. */
export function chainRecord(
  entry: AuditEntry,
  prev: { seq: number; hash: string } | null,
  key: AuditKey,
): AuditRecord {
  const seq = (prev?.seq ?? 0) + 1;
  const prevHash = prev?.hash ?? GENESIS_HASH;
  return { ...entry, seq, prevHash, hash: auditHash(seq, entry, prevHash, key), keyId: key.id };
}

/** A record already verified, to go on from: its place, its hash, and whether it was keyed. */
export interface ChainLink {
  seq: number;
  hash: string;
  keyed: boolean;
}

export type ChainCheck =
  | {
      ok: true;
      /** Records read and verified (after `start`, when given). */
      count: number;
      headHash: string;
      /** Of those, the unkeyed records of the legacy prefix (written before keys). */
      legacyRecords: number;
    }
  | {
      ok: false;
      /**
       * `broken`: a record no longer matches (edited, removed, reordered, downgraded);
       * `unverifiable`: no break, but some records are signed with keys the keyring does
       * not hold, so their content cannot be checked.
       */
      kind: 'broken' | 'unverifiable';
      /** Records that verified before the first problem. */
      count: number;
      brokenSeq: number;
      reason: string;
      legacyRecords: number;
    };

export interface VerifyOptions {
  pageSize?: number;
  /** A record already verified: read and count only those after it. */
  start?: ChainLink | null;
}

/** Lets the event loop run between pages: a long walk never holds up requests. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Walks records in chain order and finds the first that no longer matches: its content
 * hash (an HMAC under the key its key id names), its link to the previous record, or its
 * place in the sequence. Unkeyed (legacy) records are accepted only before the first
 * keyed one: an unkeyed record after a keyed one is a break (nobody may downgrade the
 * chain to a hash anyone can recompute). A record whose key the ring does not hold is
 * checked for its place and link only, and makes the result `unverifiable` unless a
 * break comes first.
 */
export async function verifyChain(
  readPage: (afterSeq: number, limit: number) => Promise<AuditRecord[]>,
  keyring: AuditKeyring,
  options: VerifyOptions = {},
): Promise<ChainCheck> {
  const pageSize = options.pageSize ?? 1000;
  let prev: ChainLink | null = options.start ?? null;
  let count = 0;
  let legacyRecords = 0;
  let unknown: { first: number; count: number; keyIds: Set<string> } | null = null;
  const broken = (seq: number, reason: string): ChainCheck => ({
    ok: false,
    kind: 'broken',
    count: count - (unknown?.count ?? 0),
    brokenSeq: seq,
    reason,
    legacyRecords,
  });
  for (;;) {
    const page = await readPage(prev?.seq ?? 0, pageSize);
    for (const record of page) {
      const expectedSeq: number = (prev?.seq ?? 0) + 1;
      const expectedPrev: string = prev?.hash ?? GENESIS_HASH;
      if (record.seq !== expectedSeq)
        return broken(record.seq, `expected record ${expectedSeq}, found ${record.seq}`);
      if (record.prevHash !== expectedPrev)
        return broken(record.seq, 'link to the previous record does not match');
      const keyId = record.keyId ?? null;
      if (keyId === null) {
        if (prev?.keyed)
          return broken(record.seq, 'unkeyed record after keyed ones (the chain was downgraded)');
        if (auditHash(record.seq, record, record.prevHash, null) !== record.hash)
          return broken(record.seq, 'content does not match its hash');
        legacyRecords += 1;
      } else {
        const key = keyring.get(keyId);
        if (!key) {
          unknown ??= { first: record.seq, count: 0, keyIds: new Set() };
          unknown.count += 1;
          unknown.keyIds.add(keyId);
        } else if (auditHash(record.seq, record, record.prevHash, key) !== record.hash) {
          return broken(record.seq, 'content does not match its hash (under its key)');
        }
      }
      prev = { seq: record.seq, hash: record.hash, keyed: keyId !== null };
      count += 1;
    }
    if (page.length < pageSize) break;
    await breathe();
  }
  if (unknown) {
    const ids = [...unknown.keyIds].map((id) => `"${id}"`).join(', ');
    return {
      ok: false,
      kind: 'unverifiable',
      count: count - unknown.count,
      brokenSeq: unknown.first,
      reason: `${unknown.count} records, the first ${unknown.first}, are signed with ${unknown.keyIds.size === 1 ? 'key' : 'keys'} ${ids}, not in the keyring (${keyring.ids.map((id) => `"${id}"`).join(', ') || 'empty'}): their content cannot be verified`,
      legacyRecords,
    };
  }
  return { ok: true, count, headHash: prev?.hash ?? GENESIS_HASH, legacyRecords };
}
