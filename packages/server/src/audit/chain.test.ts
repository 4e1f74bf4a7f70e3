import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, AuditRecord } from '../storage/port.ts';
import { GENESIS_HASH, auditHash, canonicalJson, chainRecord, verifyChain } from './chain.ts';
import { AuditKeyring, generateAuditKey, parseAuditKeys, type AuditKey } from './keyring.ts';

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

const keyA: AuditKey = { id: 'a', secret: Buffer.alloc(32, 1) };
const keyB: AuditKey = { id: 'b', secret: Buffer.alloc(32, 2) };
const ring = new AuditKeyring([keyA], 'test');

function build(n: number, key: AuditKey = keyA, out: AuditRecord[] = []): AuditRecord[] {
  for (let i = 0; i < n; i++) out.push(chainRecord(entry(out.length), out.at(-1) ?? null, key));
  return out;
}

/** Records as the code before keys wrote them: plain SHA-256, no key id. */
function legacy(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    const seq = i + 1;
    const prevHash = out.at(-1)?.hash ?? GENESIS_HASH;
    out.push({
      ...entry(i),
      seq,
      prevHash,
      hash: auditHash(seq, entry(i), prevHash, null),
      keyId: null,
    });
  }
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

  it('writes what JSON cannot hold as JSON.stringify does in an array: null', () => {
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined, () => 1, Symbol('s'), 2])).toBe('[null,null,null,2]');
  });
});

describe('the hash of a record', () => {
  // Spelled out here, not computed by the code under test: records already written must
  // keep verifying, so this byte string and these hash functions can never change.
  const record: AuditEntry = {
    at: '2026-01-01T00:00:00.000Z',
    actorType: 'cart',
    actorId: 'c1',
    requestId: 'r1',
    clientAddress: null,
    action: 'cart.addLine',
    cartId: 'c1',
    beforeVersion: 1,
    afterVersion: 2,
    detail: { quantity: 2 },
  };
  const content = (keyed: string) =>
    `{"action":"cart.addLine","actorId":"c1","actorType":"cart","afterVersion":2,` +
    `"at":"2026-01-01T00:00:00.000Z","beforeVersion":1,"cartId":"c1","clientAddress":null,` +
    `"detail":{"quantity":2},${keyed}"requestId":"r1","seq":1}`;

  it('is SHA-256 of the previous hash, a line feed and the canonical record, for a legacy record', () => {
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}\n${content('')}`)
      .digest('hex');
    expect(auditHash(1, record, GENESIS_HASH, null)).toBe(expected);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('is an HMAC under the key of the same, with the key id in the record, for a keyed record', () => {
    const expected = createHmac('sha256', keyA.secret)
      .update(`${GENESIS_HASH}\n${content('"keyId":"a",')}`)
      .digest('hex');
    expect(auditHash(1, record, GENESIS_HASH, keyA)).toBe(expected);
    expect(chainRecord(record, null, keyA).hash).toBe(expected);
  });
});

describe('verifyChain says why a chain does not verify', () => {
  const reasonOf = async (records: AuditRecord[], keyring: AuditKeyring = ring) => {
    const result = await verifyChain(reader(records), keyring);
    return result.ok
      ? null
      : { brokenSeq: result.brokenSeq, count: result.count, reason: result.reason };
  };

  it('a record out of its place', async () => {
    const records = build(5);
    const gap = [...records.slice(0, 2), ...records.slice(3)];
    // The link breaks too; the place is checked first.
    await expect(reasonOf(gap)).resolves.toEqual({
      brokenSeq: 4,
      count: 2,
      reason: 'expected record 3, found 4',
    });
  });

  it('a record whose link does not match', async () => {
    const records = build(3);
    records[2] = { ...records[2]!, prevHash: records[0]!.hash };
    await expect(reasonOf(records)).resolves.toEqual({
      brokenSeq: 3,
      count: 2,
      reason: 'link to the previous record does not match',
    });
  });

  it('a record whose content was edited, legacy or keyed', async () => {
    const old = legacy(3);
    old[2] = { ...old[2]!, action: 'cart.clear' };
    await expect(reasonOf(old)).resolves.toEqual({
      brokenSeq: 3,
      count: 2,
      reason: 'content does not match its hash',
    });
    const keyed = build(3);
    keyed[2] = { ...keyed[2]!, action: 'cart.clear' };
    await expect(reasonOf(keyed)).resolves.toEqual({
      brokenSeq: 3,
      count: 2,
      reason: 'content does not match its hash (under its key)',
    });
  });

  it('records signed with keys it does not hold, naming them and the ring', async () => {
    const keyC: AuditKey = { id: 'c', secret: Buffer.alloc(32, 3) };
    const records = build(1, keyC, build(2, keyB));
    await expect(
      reasonOf(records, new AuditKeyring([keyA, { id: 'd', secret: keyC.secret }], 'a and d')),
    ).resolves.toEqual({
      brokenSeq: 1,
      count: 0,
      reason:
        '3 records, the first 1, are signed with keys "b", "c", not in the keyring ("a", "d"): their content cannot be verified',
    });
    await expect(reasonOf(build(2, keyB), new AuditKeyring([], 'none'))).resolves.toMatchObject({
      reason:
        '2 records, the first 1, are signed with key "b", not in the keyring (empty): their content cannot be verified',
    });
  });

  it('counts only the records it verified before a break, not those it could not check', async () => {
    const records = build(2, keyA, build(2, keyB));
    records[3] = { ...records[3]!, detail: { quantity: -1 } };
    // b signed records 1–2 (not in the ring), a signed 3 (verified) and 4 (edited).
    await expect(reasonOf(records)).resolves.toMatchObject({ brokenSeq: 4, count: 1 });
  });

  it('lets the event loop run between pages', async () => {
    const records = build(30);
    let otherWorkRan = false;
    setImmediate(() => (otherWorkRan = true));
    const pagesBefore: boolean[] = [];
    const read = (after: number, limit: number) => {
      pagesBefore.push(otherWorkRan);
      return reader(records)(after, limit);
    };
    await expect(verifyChain(read, ring, { pageSize: 10 })).resolves.toMatchObject({ ok: true });
    // The pages resolve at once; only the pause between them lets other work in.
    expect(pagesBefore).toEqual([false, true, true, true]);
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
    await expect(verifyChain(reader(records), ring, { pageSize: 10 })).resolves.toMatchObject({
      ok: true,
      count: 25,
      headHash: records[24]?.hash,
    });
    await expect(verifyChain(reader([]), ring, { pageSize: 10 })).resolves.toEqual({
      ok: true,
      count: 0,
      headHash: GENESIS_HASH,
      legacyRecords: 0,
    });
  });

  it('finds an edited record', async () => {
    const records = build(10);
    records[4] = { ...records[4]!, detail: { quantity: 999 } };
    await expect(verifyChain(reader(records), ring)).resolves.toMatchObject({
      ok: false,
      brokenSeq: 5,
    });
  });

  it('finds a re-hashed edit by its broken link to the next record', async () => {
    const records = build(10);
    records[4] = chainRecord({ ...entry(4), action: 'cart.clear' }, records[3]!, keyA);
    await expect(verifyChain(reader(records), ring)).resolves.toMatchObject({
      ok: false,
      brokenSeq: 6,
    });
  });

  it('finds a deleted record', async () => {
    const records = build(10);
    records.splice(6, 1);
    await expect(verifyChain(reader(records), ring)).resolves.toMatchObject({
      ok: false,
      brokenSeq: 8,
    });
  });

  it('finds reordered records', async () => {
    const records = build(10);
    const swapped = [...records.slice(0, 2), records[3]!, records[2]!, ...records.slice(4)];
    const result = await verifyChain(() => Promise.resolve(swapped), ring);
    expect(result).toMatchObject({ ok: false, brokenSeq: 4 });
  });
});

describe('keyed audit chain', () => {
  it('hashes each record with an HMAC under its key, recording the key id', () => {
    const [first] = build(1);
    expect(first?.keyId).toBe('a');
    expect(first?.hash).toBe(auditHash(1, entry(0), GENESIS_HASH, keyA));
    expect(first?.hash).not.toBe(auditHash(1, entry(0), GENESIS_HASH, null));
    expect(first?.hash).not.toBe(auditHash(1, entry(0), GENESIS_HASH, { ...keyB, id: 'a' }));
  });

  it('finds an edit re-hashed with plain SHA-256 by a writer without the key', async () => {
    const records = build(6);
    for (let i = 2; i < records.length; i++) {
      const r = records[i]!;
      const prevHash = records[i - 1]!.hash;
      const detail = i === 2 ? { quantity: 999 } : r.detail;
      // Keeping the key id, or dropping it to pass as a legacy record: both break.
      records[i] = {
        ...r,
        detail,
        prevHash,
        hash: auditHash(r.seq, { ...r, detail }, prevHash, null),
        keyId: i % 2 ? null : r.keyId,
      };
    }
    await expect(verifyChain(reader(records), ring)).resolves.toMatchObject({
      ok: false,
      kind: 'broken',
      brokenSeq: 3,
    });
  });

  it('accepts and counts a legacy prefix, and refuses an unkeyed record after a keyed one', async () => {
    const records = build(3, keyA, legacy(4));
    expect(records.map((r) => r.keyId)).toEqual([null, null, null, null, 'a', 'a', 'a']);
    await expect(verifyChain(reader(records), ring, { pageSize: 2 })).resolves.toEqual({
      ok: true,
      count: 7,
      headHash: records[6]?.hash,
      legacyRecords: 4,
    });
    const downgraded = [...records];
    const seq = 8;
    const prevHash = records[6]!.hash;
    downgraded.push({
      ...entry(7),
      seq,
      prevHash,
      hash: auditHash(seq, entry(7), prevHash, null),
      keyId: null,
    });
    const result = await verifyChain(reader(downgraded), ring);
    expect(result).toMatchObject({ ok: false, kind: 'broken', brokenSeq: 8 });
    expect(result.ok ? '' : result.reason).toContain('downgraded');
  });

  it('verifies records of rotated keys with the whole ring, and says which it cannot', async () => {
    const records = build(3, keyB, build(4, keyA));
    await expect(
      verifyChain(reader(records), new AuditKeyring([keyB, keyA], 'both')),
    ).resolves.toMatchObject({ ok: true, count: 7, legacyRecords: 0 });
    const onlyB = await verifyChain(reader(records), new AuditKeyring([keyB], 'b only'));
    expect(onlyB).toMatchObject({ ok: false, kind: 'unverifiable', brokenSeq: 1, count: 3 });
    expect(onlyB.ok ? '' : onlyB.reason).toContain(
      '4 records, the first 1, are signed with key "a"',
    );
    // A break still wins over what cannot be checked.
    records[5] = { ...records[5]!, detail: { quantity: -1 } };
    await expect(
      verifyChain(reader(records), new AuditKeyring([keyB], 'b only')),
    ).resolves.toMatchObject({ ok: false, kind: 'broken', brokenSeq: 6 });
  });
});

describe('audit keys', () => {
  it('parses id:base64secret entries, the signing key first', () => {
    const a = Buffer.alloc(32, 7).toString('base64');
    const b = Buffer.alloc(40, 8).toString('base64url');
    const keys = parseAuditKeys(`new:${a}, old:${b}`);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(keys[1]?.secret.equals(Buffer.alloc(40, 8))).toBe(true);
    expect(parseAuditKeys(`# comment\nk1:${a}\n\n`).map((k) => k.id)).toEqual(['k1']);
    expect(new AuditKeyring(keys, 'x').signing?.id).toBe('new');
    expect(generateAuditKey().secret).toHaveLength(32);
  });

  it('refuses short secrets, bad ids, duplicates and empty text', () => {
    const a = Buffer.alloc(32, 7).toString('base64');
    expect(() => parseAuditKeys(`k:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32/);
    expect(() => parseAuditKeys(a)).toThrow(/id:base64secret/);
    expect(() => parseAuditKeys(`bad id:${a}`)).toThrow(/id:base64secret/);
    expect(() => parseAuditKeys(`k:${a},k:${a}`)).toThrow(/twice/);
    expect(() => parseAuditKeys(' , ')).toThrow(/no key/);
  });
});
