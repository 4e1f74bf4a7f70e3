import { describe, expect, it } from 'vitest';
import type { AuditEntry, AuditRecord } from '../storage/port.ts';
import { GENESIS_HASH, canonicalJson, chainRecord, verifyChain } from './chain.ts';

const entry = (i: number): AuditEntry => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  actorType: 'cart',
  actorId: `cart-${i % 3}`,
  requestId: `req-${i}`,
  clientAddress: '127.0.0.1',
  action: 'cart.addLine',
  cartId: `cart-${i % 3}`,
  beforeVersion: i,
  afterVersion: i + 1,
  detail: { quantity: i, nested: { b: 1, a: [1, 2] } },
});

function build(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(chainRecord(entry(i), out.at(-1) ?? null));
  return out;
}

const reader = (records: AuditRecord[]) => (after: number, limit: number) =>
  Promise.resolve(records.filter((r) => r.seq > after).slice(0, limit));

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson(null)).toBe('null');
  });
});

describe('audit hash chain', () => {
  it('links each record to the previous one from the genesis', () => {
    const records = build(3);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('verifies an intact chain across pages', async () => {
    const records = build(25);
    await expect(verifyChain(reader(records), 10)).resolves.toMatchObject({
      ok: true,
      count: 25,
      headHash: records[24]?.hash,
    });
    await expect(verifyChain(reader([]), 10)).resolves.toEqual({
      ok: true,
      count: 0,
      headHash: GENESIS_HASH,
    });
  });

  it('finds an edited record', async () => {
    const records = build(10);
    records[4] = { ...records[4]!, detail: { quantity: 999 } };
    await expect(verifyChain(reader(records))).resolves.toMatchObject({ ok: false, brokenSeq: 5 });
  });

  it('finds a re-hashed edit by its broken link to the next record', async () => {
    const records = build(10);
    records[4] = chainRecord({ ...entry(4), action: 'cart.clear' }, records[3]!);
    await expect(verifyChain(reader(records))).resolves.toMatchObject({ ok: false, brokenSeq: 6 });
  });

  it('finds a deleted record', async () => {
    const records = build(10);
    records.splice(6, 1);
    await expect(verifyChain(reader(records))).resolves.toMatchObject({ ok: false, brokenSeq: 8 });
  });

  it('finds reordered records', async () => {
    const records = build(10);
    const swapped = [...records.slice(0, 2), records[3]!, records[2]!, ...records.slice(4)];
    const result = await verifyChain(() => Promise.resolve(swapped), 1000);
    expect(result).toMatchObject({ ok: false, brokenSeq: 4 });
  });
});
