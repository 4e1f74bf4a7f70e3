/**
 * The catalog seed (`seedCatalog`, what SEED_DEMO writes at start): the whole seed in one
 * transaction with its audit records, or nothing, and only into an empty catalog, checked
 * inside that transaction, so that of instances starting together on one database exactly
 * one seeds. The suite's database has products from its first test on, so the cases that
 * need an empty catalog open a database of their own.
 */
import { describe, expect, it } from 'vitest';
import type { Product } from '@cart/core';
import { verifyChain } from '../../src/audit/chain.ts';
import { AlreadyExistsError, type CatalogSeed, type Storage } from '../../src/storage/port.ts';
import type { OpenedStorage } from './storage-contract.ts';
import { auditHead, discountInput, entry, productFixture } from './fixtures.ts';

/** Instants one millisecond apart, from a year no other part of the suite writes. */
const at = (i: number) => new Date(Date.UTC(2031, 0, 1) + i).toISOString();

/** A seed of these products and codes, each with its audit entry, one millisecond apart. */
function seedOf(
  products: Product[] = [productFixture(), productFixture({ stock: 3 }), productFixture()],
  discounts = [discountInput(), discountInput({ kind: 'fixed', value: 500 })],
): CatalogSeed {
  let tick = 0;
  const audit = (action: string, detail: Record<string, unknown>) => ({
    ...entry(action, null, detail),
    actorType: 'system' as const,
    actorId: null,
    at: at(tick++),
  });
  return {
    products: products.map((product) => ({
      product,
      audit: audit('seed.product.create', { productId: product.id }),
    })),
    discounts: discounts.map((discount) => ({
      discount,
      audit: audit('seed.discount.create', { code: discount.code }),
    })),
  };
}

/** Everything the seed writes, to compare before and after. */
async function catalog(storage: Storage) {
  return {
    products: (await storage.listProducts(1000, null)).items,
    discounts: (await storage.listDiscounts(1000, null)).items,
    audit: await storage.readAuditChain(0, 1000),
  };
}

const verify = (storage: Storage) =>
  verifyChain((after, limit) => storage.readAuditChain(after, limit), storage.auditKeys);

export function defineSeedContract(subject: OpenedStorage): void {
  describe('catalog seed', () => {
    it('writes the whole seed into an empty catalog, in order, each row with its audit record', async () => {
      const [storage] = (await (await subject()).emptyDatabase(1)) as [Storage];
      const seed = seedOf();
      expect(await storage.seedCatalog(seed)).toBe(true);

      expect(await storage.countProducts()).toBe(seed.products.length);
      expect((await storage.listProducts(1000, null)).items).toEqual(
        seed.products.map((p) => p.product),
      );
      expect((await storage.listDiscounts(1000, null)).items).toEqual(
        seed.discounts.map((d) => ({ ...d.discount, timesUsed: 0 })),
      );
      const entries = [...seed.products, ...seed.discounts].map((x) => x.audit);
      const records = await storage.readAuditChain(0, 1000);
      expect(records).toMatchObject(entries);
      expect(records.map((r) => r.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(await verify(storage)).toMatchObject({ ok: true, count: entries.length });
    });

    it('leaves a code that exists as it is, and records only what it wrote', async () => {
      const [storage] = (await (await subject()).emptyDatabase(1)) as [Storage];
      const own = discountInput({ kind: 'fixed', value: 100, usageLimit: 1 });
      await storage.createDiscount(own, entry('admin.discount.create'));
      const seed = seedOf(undefined, [discountInput(), { ...own, kind: 'percent', value: 9000 }]);

      expect(await storage.seedCatalog(seed)).toBe(true);
      expect(await storage.getDiscount(own.code)).toEqual({ ...own, timesUsed: 0 });
      const actions = (await storage.readAuditChain(0, 1000)).map((r) => r.action);
      expect(actions).toEqual([
        'admin.discount.create',
        ...seed.products.map(() => 'seed.product.create'),
        'seed.discount.create',
      ]);
      expect(await verify(storage)).toMatchObject({ ok: true, count: actions.length });
    });

    it('writes nothing of a seed that fails part-way: a taken sku, a taken id, a refused row', async () => {
      const [storage] = (await (await subject()).emptyDatabase(1)) as [Storage];
      const first = productFixture();
      const failing: [Product, (e: unknown) => void][] = [
        [
          { ...productFixture(), sku: first.sku },
          (e) => expect(e).toBeInstanceOf(AlreadyExistsError),
        ],
        [
          { ...productFixture(), id: first.id },
          (e) => expect(e).toBeInstanceOf(AlreadyExistsError),
        ],
        [
          productFixture({ price: { amount: -1, currency: 'USD' } }),
          (e) => expect(e).toBeInstanceOf(Error),
        ],
      ];
      for (const [last, check] of failing) {
        const seed = seedOf([first, productFixture(), last]);
        check(await storage.seedCatalog(seed).catch((e: unknown) => e));
        expect(await catalog(storage)).toEqual({ products: [], discounts: [], audit: [] });
      }
      // The catalog is still empty: a seed that works is written whole.
      expect(await storage.seedCatalog(seedOf())).toBe(true);
      expect(await verify(storage)).toMatchObject({ ok: true, count: 5 });
    });

    it('changes nothing in a catalog that has a product', async () => {
      const { storage } = await subject();
      const before = await catalog(storage);
      expect(before.products.length).toBeGreaterThan(0);
      const seed = seedOf();
      expect(await storage.seedCatalog(seed)).toBe(false);
      expect(await catalog(storage)).toEqual(before);
      for (const { product } of seed.products)
        expect(await storage.getProduct(product.id)).toBeNull();
    });

    it('seeds once when two instances seed one empty database at the same time', async () => {
      const instances = await (await subject()).emptyDatabase(2);
      const seed = seedOf();
      const answers = await Promise.all(instances.map((s) => s.seedCatalog(seed)));
      expect(answers.toSorted()).toEqual([false, true]);
      for (const storage of instances) {
        expect(await storage.countProducts()).toBe(seed.products.length);
        expect(await auditHead(storage)).toBe(seed.products.length + seed.discounts.length);
      }
      expect(await verify(instances[0] as Storage)).toMatchObject({ ok: true, count: 5 });
      // And again, later: the catalog has products now.
      expect(await (instances[1] as Storage).seedCatalog(seedOf())).toBe(false);
    });
  });
}
