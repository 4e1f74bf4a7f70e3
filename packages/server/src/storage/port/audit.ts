// The audit part of the storage port: the entries of the hash-chained audit log, as
// written (in the transaction of the change they record) and as read back, and its keys.
import type { AuditActorType, AuditRecord } from '@cart/core';
import type { AuditKeyring } from '../../audit/keyring.ts';

/**
 * Who did what, appended to the hash-chained audit log in the same transaction as the
 * change (AuditEntry), and read back with its place in the chain (AuditRecord: `seq`,
 * `prevHash`, `hash`, and `keyId`, the key whose HMAC `hash` is, src/audit/chain.ts; null
 * for a legacy record, written before the chain was keyed, whose hash is plain SHA-256).
 * Core's schemas, which the admin API answers with and the dashboard reads.
 */
export type { AuditEntry, AuditRecord } from '@cart/core';

export interface AuditQuery {
  cartId?: string;
  actorType?: AuditActorType;
  action?: string;
  from?: string;
  to?: string;
  /** Records with seq below this (newest first paging). */
  beforeSeq?: number;
  limit: number;
}

export interface AuditStore {
  /**
   * The audit chain's keys (never stored in the database): the first signs each record
   * appended, every one verifies the records it signed.
   */
  readonly auditKeys: AuditKeyring;
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Every audit record in chain order, in pages (for verification). */
  readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]>;
}
