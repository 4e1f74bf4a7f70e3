// The audit part of the storage port: the entries of the hash-chained audit log, as
// written (in the transaction of the change they record) and as read back, and its keys.
import type { AuditKeyring } from '../../audit/keyring.ts';

/** Who did what, appended to the hash-chained audit log in the same transaction as the change. */
export interface AuditEntry {
  at: string;
  actorType: 'cart' | 'admin' | 'system';
  /** The cart id for a cart's own changes, "admin" for the admin credential, or null. */
  actorId: string | null;
  requestId: string | null;
  clientAddress: string | null;
  /** What happened, e.g. "cart.addLine", "cart.checkout", "admin.product.create". */
  action: string;
  cartId: string | null;
  beforeVersion: number | null;
  afterVersion: number | null;
  /** Non-secret facts of the change (ids, quantities, codes); never tokens or emails. */
  detail: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
  /**
   * The key whose HMAC `hash` is (src/audit/chain.ts); null for a legacy record, written
   * before the chain was keyed, whose hash is plain SHA-256.
   */
  keyId: string | null;
}

export interface AuditQuery {
  cartId?: string;
  actorType?: AuditEntry['actorType'];
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
