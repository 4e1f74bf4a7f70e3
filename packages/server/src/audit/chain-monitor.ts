import type { AuditChainStatus } from '@cart/core';
import type { AuditRecord } from '../storage/port.ts';
import { auditHash, verifyChain, type ChainLink } from './chain.ts';
import type { AuditKeyring } from './keyring.ts';

type ReadPage = (afterSeq: number, limit: number) => Promise<AuditRecord[]>;

export interface AuditChainMonitorOptions {
  pageSize?: number;
  now?: () => Date;
  /** Told every finished check (the `cart_audit_chain_intact` gauge listens). */
  onStatus?: (status: AuditChainStatus) => void;
}

/**
 * Watches the audit log's hash chain while the server runs. It remembers the last record
 * it verified (its seq and hash: the pin), so an incremental check reads only the records
 * appended since, plus the pinned one again to see it is unchanged; a full check walks
 * the whole chain. An incremental check that finds anything wrong, and every check while
 * the chain is broken, walks the whole chain, so the status names the first broken
 * record. The pin also catches what a walk from the genesis cannot: the newest records
 * rewritten consistently (hashes recomputed), or cut off the end. An edit to an older
 * record is seen by a full check: the alert engine runs one soon after start (in the
 * background: the server listens meanwhile) and every `fullCheckInterval`.
 *
 * Records are verified with the storage's key ring (the HMAC of each under its key). The
 * monitor also remembers how many unkeyed (legacy) records its first full check found: a
 * later check finding more (the chain rewritten as unkeyed records, which anyone can
 * hash) is a break at the first of them. A record signed with a key not in the ring
 * counts as not intact: the alert says so until the key is back in AUDIT_KEYS.
 */
export class AuditChainMonitor {
  private pin: ChainLink | null = null;
  private legacyRecords: number | null = null;
  private current: AuditChainStatus | null = null;
  private lastFull = -Infinity;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pageSize: number;
  private readonly now: () => Date;

  constructor(
    private readonly read: ReadPage,
    private readonly keyring: AuditKeyring,
    private readonly options: AuditChainMonitorOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.now = options.now ?? (() => new Date());
  }

  /** The last check's result, or null before the first. */
  get status(): AuditChainStatus | null {
    return this.current;
  }

  /** When the last full check finished (epoch ms), or -Infinity. */
  get lastFullCheckAt(): number {
    return this.lastFull;
  }

  /**
   * Verifies the chain (`full`: from the first record; otherwise from the pinned one).
   * Checks run one at a time, in call order.
   */
  verify(full = false): Promise<AuditChainStatus> {
    const run = this.queue.then(() => this.check(full));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async check(full: boolean): Promise<AuditChainStatus> {
    const pin = this.pin;
    if (!full && pin !== null && this.current?.intact === true) {
      const head = await this.extend(pin);
      if (head) {
        this.pin = head;
        return this.publish({ intact: true, records: head.seq, brokenAtSeq: null });
      }
    }
    const result = await verifyChain(this.read, this.keyring, { pageSize: this.pageSize });
    this.lastFull = this.now().getTime();
    if (!result.ok)
      return this.publish({ intact: false, records: result.count, brokenAtSeq: result.brokenSeq });
    if (pin !== null && !(await this.holds(pin)))
      return this.publish({ intact: false, records: pin.seq - 1, brokenAtSeq: pin.seq });
    const known = this.legacyRecords;
    if (known !== null && result.legacyRecords > known)
      return this.publish({ intact: false, records: known, brokenAtSeq: known + 1 });
    this.legacyRecords = result.legacyRecords;
    this.pin = {
      seq: result.count,
      hash: result.headHash,
      keyed: result.count > result.legacyRecords,
    };
    return this.publish({ intact: true, records: result.count, brokenAtSeq: null });
  }

  /** The new head after verifying the records past `pin`; null when anything does not match. */
  private async extend(pin: ChainLink): Promise<ChainLink | null> {
    if (!(await this.holds(pin))) return null;
    const result = await verifyChain(this.read, this.keyring, {
      pageSize: this.pageSize,
      start: pin,
    });
    if (!result.ok) return null;
    // Unkeyed records appended after the pin: the full walk decides (legacy or a break).
    if (result.legacyRecords > 0) return null;
    return {
      seq: pin.seq + result.count,
      hash: result.headHash,
      keyed: pin.keyed || result.count > 0,
    };
  }

  /** Whether the pinned record is still there, unchanged and matching its hash. */
  private async holds(pin: ChainLink): Promise<boolean> {
    if (pin.seq === 0) return true;
    const [again] = await this.read(pin.seq - 1, 1);
    if (again === undefined || again.seq !== pin.seq || again.hash !== pin.hash) return false;
    const keyId = again.keyId ?? null;
    if ((keyId !== null) !== pin.keyed) return false;
    const key = keyId === null ? null : this.keyring.get(keyId);
    return key !== undefined && auditHash(again.seq, again, again.prevHash, key) === again.hash;
  }

  private publish(status: Omit<AuditChainStatus, 'checkedAt'>): AuditChainStatus {
    this.current = { ...status, checkedAt: this.now().toISOString() };
    this.options.onStatus?.(this.current);
    return this.current;
  }
}
