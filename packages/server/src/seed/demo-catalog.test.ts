import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Discount, Product, Region, ShippingOption } from '@cart/core';
import { verifyChain } from '../audit/chain.ts';
import { AuditKeyring } from '../audit/keyring.ts';
import { entry } from '../../test/storage-contract/fixtures.ts';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { DEMO_REGIONS, DEMO_SHIPPING_OPTIONS, seedDemoCatalog } from './demo-catalog.ts';

const NOW = new Date('2026-11-28T10:00:00.000Z');

describe('seedDemoCatalog', () => {
  let storage: SqliteStorage;

  beforeEach(() => {
    storage = new SqliteStorage(':memory:');
  });

  afterEach(async () => {
    await storage.close();
  });

  const products = async () => (await storage.listProducts(100, null)).items;
  const discounts = async () => (await storage.listDiscounts(100, null)).items;
  const chain = () => storage.readAuditChain(0, 1000);

  it('fills an empty catalog with 20 products and 4 codes that the core schemas accept', async () => {
    expect(await seedDemoCatalog(storage, NOW)).toBe(true);
    expect(await storage.countProducts()).toBe(20);
    const catalog = await products();
    expect(catalog).toHaveLength(20);
    for (const p of catalog) expect(Product.parse(p)).toEqual(p);
    const codes = await discounts();
    expect(codes.map((d) => d.code)).toEqual(['WELCOME10', 'SAVE5', 'BIGSPENDER', 'EXPIRED']);
    for (const d of codes) expect(Discount.parse(d)).toEqual(d);
  });

  it('prices every product in the currency of each demo region, and ships all but the gift card', async () => {
    await seedDemoCatalog(storage, NOW);
    const catalog = await products();
    for (const p of catalog) {
      expect(p.prices.map((m) => m.currency)).toEqual(['USD', 'EUR', 'GBP']);
      expect(p.requiresShipping).toBe(p.id !== 'gift-card-25');
    }
    expect(catalog.find((p) => p.id === 'ceramic-mug')?.prices.map((m) => m.amount)).toEqual([
      1400, 1299, 1099,
    ]);
    const codes = await discounts();
    expect(codes.map((d) => d.currency)).toEqual([null, 'USD', 'USD', null]);
  });

  it('has three regions, the US the default, and two options each that the core schemas accept', () => {
    expect(DEMO_REGIONS.map((r) => [r.id, r.currency, r.default])).toEqual([
      ['us', 'USD', true],
      ['eu', 'EUR', false],
      ['uk', 'GBP', false],
    ]);
    for (const r of DEMO_REGIONS) expect(Region.parse(r)).toEqual(r);
    expect(DEMO_SHIPPING_OPTIONS.map((o) => o.id)).toEqual([
      'us-standard',
      'us-express',
      'eu-standard',
      'eu-express',
      'uk-standard',
      'uk-express',
    ]);
    for (const o of DEMO_SHIPPING_OPTIONS) {
      expect(ShippingOption.parse(o)).toEqual(o);
      const region = DEMO_REGIONS.find((r) => r.id === o.regionId);
      expect(o.amount.currency).toBe(region?.currency);
    }
  });

  it('lists the catalog in the order the seed writes it, one millisecond apart', async () => {
    await seedDemoCatalog(storage, NOW);
    const records = await chain();
    const written = records
      .filter((r) => r.action === 'seed.product.create')
      .map((r) => r.detail.productId);
    const listed = (await products()).map((p) => p.id);
    expect(listed).toEqual(written);
    expect(listed[0]).toBe('ceramic-mug');
    expect(listed.at(-1)).toBe('biscotti');
    expect(records.map((r) => r.at)).toEqual(
      records.map((_, i) => new Date(NOW.getTime() + i).toISOString()),
    );
    // Paging sees the same order.
    const first = await storage.listProducts(7, null);
    const rest = await storage.listProducts(100, first.nextCursor);
    expect([...first.items, ...rest.items].map((p) => p.id)).toEqual(listed);
  });

  it('records every insert as a system action, in a chain that verifies', async () => {
    await seedDemoCatalog(storage, NOW);
    const records = await chain();
    expect(records).toHaveLength(24);
    expect(new Set(records.map((r) => r.actorType))).toEqual(new Set(['system']));
    expect(records.filter((r) => r.action === 'seed.discount.create')).toHaveLength(4);
    expect(
      await verifyChain((after, limit) => storage.readAuditChain(after, limit), storage.auditKeys, {
        pageSize: 5,
      }),
    ).toEqual({
      ok: true,
      count: 24,
      headHash: records.at(-1)?.hash,
      legacyRecords: 0,
    });
  });

  it('changes nothing the second time, and answers false', async () => {
    await seedDemoCatalog(storage, NOW);
    const before = {
      products: await products(),
      discounts: await discounts(),
      chain: await chain(),
    };
    expect(await seedDemoCatalog(storage)).toBe(false);
    expect({
      products: await products(),
      discounts: await discounts(),
      chain: await chain(),
    }).toEqual(before);
  });

  it('writes all of it or nothing: a record that cannot be signed leaves no product', async () => {
    const unsigned = new SqliteStorage(':memory:', {
      auditKeys: new AuditKeyring([], 'no keys'),
    });
    try {
      await expect(seedDemoCatalog(unsigned, NOW)).rejects.toThrow();
      expect(await unsigned.countProducts()).toBe(0);
      expect((await unsigned.listDiscounts(100, null)).items).toEqual([]);
      expect(await unsigned.readAuditChain(0, 1000)).toEqual([]);
    } finally {
      await unsigned.close();
    }
  });

  it('seeds once when two instances start on one database at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cart-seed-'));
    const [a, b] = [0, 1].map(() => new SqliteStorage(join(dir, 'cart.db'))) as [
      SqliteStorage,
      SqliteStorage,
    ];
    try {
      const answers = await Promise.all([seedDemoCatalog(a, NOW), seedDemoCatalog(b, NOW)]);
      expect(answers.toSorted()).toEqual([false, true]);
      expect(await b.countProducts()).toBe(20);
      expect(await b.readAuditChain(0, 1000)).toHaveLength(24);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a code that already exists as it is', async () => {
    const own = {
      code: 'WELCOME10',
      kind: 'fixed' as const,
      value: 100,
      minSubtotal: null,
      startsAt: null,
      endsAt: null,
      usageLimit: 1,
      combinable: false,
      currency: 'USD' as const,
    };
    await storage.createDiscount(own, entry('admin.discount.create'));
    expect(await seedDemoCatalog(storage, NOW)).toBe(true);
    expect(await storage.getDiscount('WELCOME10')).toEqual({ ...own, timesUsed: 0 });
    expect(await discounts()).toHaveLength(4);
    expect(
      await verifyChain((after, limit) => storage.readAuditChain(after, limit), storage.auditKeys),
    ).toMatchObject({ ok: true, count: 1 + 20 + 3 });
  });
});
