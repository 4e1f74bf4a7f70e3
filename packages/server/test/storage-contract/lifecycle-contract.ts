/**
 * Opening, reopening and closing: a new database is empty, migrations run again on every
 * start without changing anything, and a closed adapter says so instead of throwing.
 */
import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH, verifyChain } from '../../src/audit/chain.ts';
import type { OpenedStorage } from './storage-contract.ts';
import { auditHead, entry, productFixture } from './fixtures.ts';

export function defineLifecycleContract(subject: OpenedStorage): void {
  describe('lifecycle', () => {
    // First of the suite: the only test that sees the database as migrations left it.
    it('starts empty, and the first audit record links to the genesis', async () => {
      const { storage } = await subject();
      expect(await storage.countProducts()).toBe(0);
      expect(await storage.listProducts(10, null)).toEqual({ items: [], nextCursor: null });
      expect(await storage.listDiscounts(10, null)).toEqual({ items: [], nextCursor: null });
      expect(await storage.listAudit({ limit: 10 })).toEqual([]);
      expect(await auditHead(storage)).toBe(0);
      expect(await storage.readAuditChain(0, 10)).toEqual([]);
      expect(await storage.findExpiredCarts('9999-01-01T00:00:00.000Z', 10)).toEqual([]);
      expect(
        await verifyChain(
          (after, limit) => storage.readAuditChain(after, limit),
          storage.auditKeys,
        ),
      ).toEqual({
        ok: true,
        count: 0,
        headHash: GENESIS_HASH,
        legacyRecords: 0,
      });

      const first = entry('admin.product.create', null, { why: 'first' });
      await storage.createProduct(productFixture(), first);
      const [record] = await storage.readAuditChain(0, 10);
      expect(record).toEqual({
        ...first,
        seq: 1,
        prevHash: GENESIS_HASH,
        hash: auditHash(1, first, GENESIS_HASH, storage.auditKeys.signing),
        keyId: storage.auditKeys.signing?.id,
      });
    });

    it('answers ping while open', async () => {
      const { storage } = await subject();
      expect(await storage.ping()).toBe(true);
    });

    it('migrates again without change when a second adapter opens the same database', async () => {
      const { storage, reopen } = await subject();
      const before = productFixture({ stock: 4 });
      await storage.createProduct(before, entry('admin.product.create'));
      const count = await storage.countProducts();

      const other = await reopen();
      try {
        await other.migrate();
        await storage.migrate();
        expect(other.dialect).toBe(storage.dialect);
        expect(await other.countProducts()).toBe(count);
        expect(await other.getProduct(before.id)).toEqual(before);
        // Both append to the one chain.
        const after = productFixture();
        await other.createProduct(after, entry('admin.product.create'));
        expect(await storage.getProduct(after.id)).toEqual(after);
        await storage.createProduct(productFixture(), entry('admin.product.create'));
        const head = await auditHead(storage);
        expect(
          await verifyChain((a, l) => other.readAuditChain(a, l), other.auditKeys, { pageSize: 2 }),
        ).toMatchObject({
          ok: true,
          count: head,
        });
      } finally {
        await other.close();
      }
    });

    it('answers ping false once closed, and closing twice is harmless', async () => {
      const { storage, reopen } = await subject();
      const other = await reopen();
      expect(await other.ping()).toBe(true);
      await other.close();
      await other.close();
      expect(await other.ping()).toBe(false);
      // Closing one adapter leaves the others open.
      expect(await storage.ping()).toBe(true);
    });
  });
}
