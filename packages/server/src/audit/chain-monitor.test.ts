import { describe, expect, it } from 'vitest';
import type { AuditChainStatus } from '@cart/core';
import type { AuditEntry, AuditRecord } from '../storage/port.ts';
import { GENESIS_HASH, auditHash, chainRecord } from './chain.ts';
import { AuditChainMonitor } from './chain-monitor.ts';
import { AuditKeyring, type AuditKey } from './keyring.ts';

const key: AuditKey = { id: 'k', secret: Buffer.alloc(32, 3) };
const ring = new AuditKeyring([key], 'test');

const entry = (i: number): AuditEntry => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  actorType: 'cart',
  actorId: 'c',
  requestId: `req-${i}`,
  clientAddress: null,
  action: 'cart.addLine',
  cartId: 'c',
  beforeVersion: i,
  afterVersion: i + 1,
  detail: { quantity: i },
});

/** An in-memory audit log that counts the records each check reads. */
function log(n: number) {
  const records: AuditRecord[] = [];
  const append = (count: number) => {
    for (let i = 0; i < count; i++)
      records.push(chainRecord(entry(records.length), records.at(-1) ?? null, key));
  };
  append(n);
  const stats = { read: 0 };
  const read = (after: number, limit: number) => {
    const page = records.filter((r) => r.seq > after).slice(0, limit);
    stats.read += page.length;
    return Promise.resolve(page);
  };
  const statuses: AuditChainStatus[] = [];
  const monitor = new AuditChainMonitor(read, ring, {
    pageSize: 4,
    onStatus: (s) => statuses.push(s),
  });
  return { records, append, stats, monitor, statuses };
}

describe('AuditChainMonitor', () => {
  it('reads only the records appended since the last check (and the last verified one)', async () => {
    const { append, stats, monitor, statuses } = log(10);
    expect(monitor.status).toBeNull();
    expect(await monitor.verify(true)).toMatchObject({
      intact: true,
      records: 10,
      brokenAtSeq: null,
    });
    expect(stats.read).toBe(10);
    expect(monitor.lastFullCheckAt).toBeGreaterThan(0);

    stats.read = 0;
    append(3);
    expect(await monitor.verify()).toMatchObject({ intact: true, records: 13 });
    expect(stats.read).toBe(1 + 3);

    stats.read = 0;
    expect(await monitor.verify()).toMatchObject({ intact: true, records: 13 });
    expect(stats.read).toBe(1);
    expect(statuses.map((s) => s.intact)).toEqual([true, true, true]);
  });

  it('starts with a full check when nothing was verified yet, also on an empty log', async () => {
    const empty = log(0);
    expect(await empty.monitor.verify()).toMatchObject({ intact: true, records: 0 });
    empty.append(2);
    expect(await empty.monitor.verify()).toMatchObject({ intact: true, records: 2 });
  });

  it('sees a new record that does not link, and names the first broken one', async () => {
    const { records, append, monitor } = log(5);
    await monitor.verify(true);
    append(2);
    const sixth = records[5] as AuditRecord;
    records[5] = { ...sixth, detail: { quantity: 99 } };
    expect(await monitor.verify()).toMatchObject({ intact: false, brokenAtSeq: 6, records: 5 });
  });

  it('sees the last verified record rewritten consistently, or cut off the end', async () => {
    const { records, monitor } = log(5);
    await monitor.verify(true);
    const last = records[4] as AuditRecord;
    // Rewritten with its hash recomputed: a walk from the genesis finds nothing wrong,
    // but the pinned hash no longer matches.
    records[4] = chainRecord({ ...entry(4), detail: { quantity: 1000 } }, records[3] ?? null, key);
    expect(await monitor.verify()).toMatchObject({ intact: false, brokenAtSeq: 5, records: 4 });
    expect(await monitor.verify(true)).toMatchObject({ intact: false, brokenAtSeq: 5 });
    records[4] = last;
    expect(await monitor.verify()).toMatchObject({ intact: true, records: 5 });
    records.pop();
    expect(await monitor.verify()).toMatchObject({ intact: false, brokenAtSeq: 5 });
  });

  it('sees a pinned record whose content was edited but whose hash was kept', async () => {
    const { records, monitor } = log(3);
    await monitor.verify(true);
    records[2] = { ...(records[2] as AuditRecord), action: 'cart.checkout' };
    expect(await monitor.verify()).toMatchObject({ intact: false, brokenAtSeq: 3 });
  });

  it('sees an edit to an older record only in a full check, and stays broken until it verifies', async () => {
    const { records, monitor, statuses } = log(8);
    await monitor.verify(true);
    const second = records[1] as AuditRecord;
    records[1] = { ...second, action: 'cart.checkout' };
    expect(await monitor.verify()).toMatchObject({ intact: true }); // not read again
    expect(await monitor.verify(true)).toMatchObject({ intact: false, brokenAtSeq: 2, records: 1 });
    // While broken, every check walks the chain again.
    expect(await monitor.verify()).toMatchObject({ intact: false, brokenAtSeq: 2 });
    records[1] = second; // restored from a backup
    expect(await monitor.verify()).toMatchObject({ intact: true, records: 8 });
    expect(statuses.map((s) => s.intact)).toEqual([true, true, false, false, true]);
  });

  it('runs checks one at a time and survives a failed read', async () => {
    let fail = true;
    const records = [chainRecord(entry(0), null, key)];
    const monitor = new AuditChainMonitor(
      (after, limit) =>
        fail
          ? Promise.reject(new Error('database unavailable'))
          : Promise.resolve(records.filter((r) => r.seq > after).slice(0, limit)),
      ring,
    );
    await expect(monitor.verify()).rejects.toThrow('database unavailable');
    fail = false;
    const [a, b] = await Promise.all([monitor.verify(true), monitor.verify()]);
    expect(a).toMatchObject({ intact: true, records: 1 });
    expect(b).toMatchObject({ intact: true, records: 1 });
  });

  it('sees the chain rewritten without the key: as keyed records, or as legacy ones', async () => {
    const { records, monitor } = log(4);
    await monitor.verify(true);
    // A writer without the key recomputes every hash with plain SHA-256 (no key id):
    // the records now pass as a legacy chain, which a walk alone would accept.
    for (const [i, r] of records.entries()) {
      const prevHash = records[i - 1]?.hash ?? GENESIS_HASH;
      records[i] = { ...r, prevHash, hash: auditHash(r.seq, r, prevHash, null), keyId: null };
    }
    expect(await monitor.verify(true)).toMatchObject({ intact: false });
  });

  it('reports records signed with a key it does not hold as not intact', async () => {
    const { records, monitor } = log(3);
    const other: AuditKey = { id: 'other', secret: Buffer.alloc(32, 9) };
    records.push(chainRecord(entry(3), records.at(-1) ?? null, other));
    expect(await monitor.verify(true)).toMatchObject({ intact: false, brokenAtSeq: 4, records: 3 });
  });
});
