/**
 * The audit log: one hash chain, appended in the transaction of each change, read back
 * exactly as it was hashed, filtered newest first for the admin, and in chain order, in
 * pages, for the verifier.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditHash, verifyChain } from '../../src/audit/chain.ts';
import { AuditKeyring, type AuditKey } from '../../src/audit/keyring.ts';
import type { AuditEntry, AuditRecord, Storage } from '../../src/storage/port.ts';
import type { OpenedStorage } from './storage-contract.ts';
import { auditHead, createCart, entry, next, plan, productFixture, writes } from './fixtures.ts';

/** Instants of a window no other test writes in. */
const at = (ms: number) => `1980-01-01T00:00:00.00${ms}Z`;

const seqs = (records: AuditRecord[]) => records.map((r) => r.seq);

/** Every record in chain order, read in pages of `size`. */
async function wholeChain(storage: Storage, size: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (;;) {
    const page = await storage.readAuditChain(records.at(-1)?.seq ?? 0, size);
    records.push(...page);
    if (page.length < size) return records;
  }
}

export function defineAuditContract(subject: OpenedStorage): void {
  describe('audit log', () => {
    it('filters by cart, actor, action and time; newest first, before a seq, up to a limit', async () => {
      const { storage } = await subject();
      // A cart's create (1) and two changes (2, 3); an admin change (2); a system one (4).
      const cart = await createCart(storage);
      const cartEntry = (action: string, ms: number): AuditEntry => ({
        ...entry(action, cart.id),
        at: at(ms),
      });
      await storage.mutate(
        plan(cart.id),
        writes(next(cart, { audit: [cartEntry('cart.open', 1), cartEntry('cart.change', 2)] })),
      );
      await storage.createProduct(productFixture(), {
        ...entry('admin.product.create'),
        at: at(2),
      });
      const v2 = { ...cart, version: 2 };
      await storage.mutate(
        plan(cart.id),
        writes(next(v2, { audit: [cartEntry('cart.change', 3)] })),
      );
      const system: AuditEntry = {
        ...entry('seed.product.create', null, { productId: 'p' }),
        at: at(4),
        actorType: 'system',
        actorId: null,
        requestId: null,
        clientAddress: null,
      };
      await storage.createProduct(productFixture(), system);
      const head = await auditHead(storage);
      // head: system; head - 1: cart.change (3); head - 2: admin (2); head - 3: cart.change
      // (2); head - 4: cart.open (1); head - 5: cart.create (AT).
      const q = { limit: 10 };

      const ofCart = await storage.listAudit({ ...q, cartId: cart.id });
      expect(ofCart.map((r) => r.action)).toEqual([
        'cart.change',
        'cart.change',
        'cart.open',
        'cart.create',
      ]);
      expect(seqs(ofCart)).toEqual([head - 1, head - 3, head - 4, head - 5]);
      expect(await storage.listAudit({ ...q, cartId: cart.id, action: 'cart.open' })).toMatchObject(
        [{ seq: head - 4, at: at(1) }],
      );
      expect(seqs(await storage.listAudit({ ...q, actorType: 'system', from: at(0) }))).toEqual([
        head,
      ]);
      expect(
        seqs(await storage.listAudit({ ...q, actorType: 'admin', from: at(0), to: at(9) })),
      ).toEqual([head - 2]);
      // From is inclusive, to exclusive.
      expect(seqs(await storage.listAudit({ ...q, from: at(2), to: at(4) }))).toEqual([
        head - 1,
        head - 2,
        head - 3,
      ]);
      expect(seqs(await storage.listAudit({ ...q, cartId: cart.id, beforeSeq: head - 1 }))).toEqual(
        [head - 3, head - 4, head - 5],
      );
      expect(seqs(await storage.listAudit({ cartId: cart.id, limit: 2 }))).toEqual([
        head - 1,
        head - 3,
      ]);
      expect(seqs(await storage.listAudit({ limit: 3 }))).toEqual([head, head - 1, head - 2]);
      expect(
        await storage.listAudit({
          cartId: cart.id,
          actorType: 'cart',
          action: 'cart.change',
          from: at(1),
          to: at(3),
          beforeSeq: head,
          limit: 5,
        }),
      ).toMatchObject([{ seq: head - 3, action: 'cart.change', at: at(2) }]);
      expect(await storage.listAudit({ ...q, cartId: cart.id, actorType: 'admin' })).toEqual([]);

      // A record reads back whole, with its link and hash.
      const [newest] = await storage.listAudit({ limit: 1 });
      const previous = (await storage.readAuditChain(head - 2, 1))[0] as AuditRecord;
      expect(newest).toEqual({
        ...system,
        seq: head,
        prevHash: previous.hash,
        hash: auditHash(head, system, previous.hash, storage.auditKeys.signing),
        keyId: storage.auditKeys.signing?.id,
      });
    });

    it('keeps detail exactly as hashed, and links records written in one change', async () => {
      const { storage } = await subject();
      const cart = await createCart(storage);
      const detail = {
        nested: { z: 1, a: [1, 'ü', null, { y: true }] },
        big: 10_000_000_000,
        fraction: -1.5,
        text: 'line\nbreak "quoted" \\ \u0000 ✓',
      };
      await storage.mutate(
        plan(cart.id),
        writes(
          next(cart, {
            audit: [entry('cart.a', cart.id, detail), entry('cart.b', cart.id, { second: 2 })],
          }),
        ),
      );
      const [b, a] = (await storage.listAudit({ cartId: cart.id, limit: 2 })) as [
        AuditRecord,
        AuditRecord,
      ];
      expect(a.detail).toEqual(detail);
      expect(b.detail).toEqual({ second: 2 });
      expect(b.seq).toBe(a.seq + 1);
      expect(b.prevHash).toBe(a.hash);
      const head = await auditHead(storage);
      expect(
        await verifyChain(
          (after, limit) => storage.readAuditChain(after, limit),
          storage.auditKeys,
        ),
      ).toMatchObject({ ok: true, count: head, legacyRecords: 0 });
    });

    it('reads the chain in pages, in order, and every record verifies', async () => {
      const { storage } = await subject();
      const head = await auditHead(storage);
      expect(head).toBeGreaterThan(7);
      const all = await storage.readAuditChain(0, head + 10);
      expect(seqs(all)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
      expect(seqs(await storage.readAuditChain(0, 3))).toEqual([1, 2, 3]);
      expect(seqs(await storage.readAuditChain(3, 3))).toEqual([4, 5, 6]);
      expect(await storage.readAuditChain(head, 10)).toEqual([]);
      expect(await wholeChain(storage, 4)).toEqual(all);
      for (const size of [1, 3, 1000]) {
        expect(
          await verifyChain(
            (after, limit) => storage.readAuditChain(after, limit),
            storage.auditKeys,
            {
              pageSize: size,
            },
          ),
        ).toEqual({
          ok: true,
          count: head,
          headHash: all.at(-1)?.hash,
          legacyRecords: 0,
        });
      }
    });

    // Last of the audit tests: it leaves records signed with a key the suite's adapter
    // does not hold.
    it('signs with the first key of the ring; rotated keys verify; records of a missing key are named', async () => {
      const { storage, reopen } = await subject();
      const old = storage.auditKeys.signing as AuditKey;
      const rotatedKey: AuditKey = { id: 'rotated', secret: randomBytes(32) };
      const rotated = await reopen(
        new AuditKeyring([rotatedKey, ...storage.auditKeys.keys], 'rotated'),
      );
      await storage.createProduct(productFixture(), entry('admin.product.create'));
      await rotated.createProduct(productFixture(), entry('admin.product.create'));
      await rotated.createProduct(productFixture(), entry('admin.product.create'));
      const head = await auditHead(storage);
      const chain = await storage.readAuditChain(0, head);
      expect(chain.map((r) => r.keyId).slice(-3)).toEqual([old.id, 'rotated', 'rotated']);
      expect(chain.every((r) => r.keyId !== null)).toBe(true);

      const read = (after: number, limit: number) => storage.readAuditChain(after, limit);
      expect(await verifyChain(read, rotated.auditKeys)).toMatchObject({
        ok: true,
        count: head,
        legacyRecords: 0,
      });
      const onlyNew = await verifyChain(read, new AuditKeyring([rotatedKey], 'new only'));
      expect(onlyNew).toMatchObject({ ok: false, kind: 'unverifiable', brokenSeq: 1, count: 2 });
      expect(onlyNew.ok ? '' : onlyNew.reason).toContain(
        `${head - 2} records, the first 1, are signed with key "${old.id}"`,
      );
      expect(await verifyChain(read, storage.auditKeys)).toMatchObject({
        ok: false,
        kind: 'unverifiable',
        brokenSeq: head - 1,
      });
    });
  });
}
