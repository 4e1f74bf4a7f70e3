/**
 * The first regions (`seedRegions`: a first start's default region, the demo shop's
 * three), written whole or not at all, once; and what regions changed elsewhere: the
 * carts stored before them adopted by the default region, products priced per
 * currency, codes tied to a currency, and every mutation given every region and option.
 */
import { describe, expect, it } from 'vitest';
import type { CartState, Product, Region, ShippingOption } from '@cart/core';
import type { OpenedStorage } from './storage-contract.ts';
import {
  auditHead,
  cartState,
  createCart,
  discountInput,
  entry,
  line,
  productFixture,
} from './fixtures.ts';
import {
  at,
  cartIn,
  create,
  freshStorage,
  optionFixture,
  regionFixture,
  snapshotOf,
  update,
} from './regions-contract.ts';

export function defineRegionsSeedContract(subject: OpenedStorage): void {
  const fresh = () => freshStorage(subject);

  describe('regions seed', () => {
    const seedOf = (regions: Region[], options: ShippingOption[] = []) => {
      let tick = 0;
      const audit = (action: string) => ({
        ...entry(action),
        actorType: 'system' as const,
        actorId: null,
        at: at(tick++),
      });
      return [
        regions.map((region) => ({ region, audit: audit('seed.region.create') })),
        options.map((option) => ({ option, audit: audit('seed.shipping_option.create') })),
      ] as const;
    };

    it('writes every region and option into a store without regions, with their audit records', async () => {
      const s = await fresh();
      const us = regionFixture({ currency: 'USD', countries: ['US'], default: true });
      const eu = regionFixture({ countries: ['DE', 'FR'] });
      const options = [optionFixture(us), optionFixture(eu), optionFixture(eu)];
      expect(await s.seedRegions(...seedOf([us, eu], options))).toBe(true);
      expect(await s.listRegions()).toEqual([us, eu]);
      expect(await s.listShippingOptions()).toEqual(options);
      const actions = (await s.readAuditChain(0, 100)).map((r) => r.action);
      expect(actions).toEqual([
        'seed.region.create',
        'seed.region.create',
        ...options.map(() => 'seed.shipping_option.create'),
      ]);
      // Once there is a region, a seed writes nothing.
      expect(await s.seedRegions(...seedOf([regionFixture({ default: true })]))).toBe(false);
      expect(await s.listRegions()).toEqual([us, eu]);
      expect(await auditHead(s)).toBe(actions.length);
    });

    it('writes nothing of a seed that fails part-way', async () => {
      const s = await fresh();
      const us = regionFixture({ countries: ['US'], default: true });
      const failing: [Region[], ShippingOption[], (e: unknown) => void][] = [
        [
          [us, regionFixture({ countries: ['CA', 'US'] })],
          [],
          (e) => expect(e).toMatchObject({ subject: 'country US' }),
        ],
        [
          [us, regionFixture({ id: us.id })],
          [],
          (e) => expect(e).toMatchObject({ subject: `region ${us.id}` }),
        ],
        [[us], [optionFixture(regionFixture())], (e) => expect(e).toBeInstanceOf(Error)],
        [[us, regionFixture({ default: true })], [], (e) => expect(e).toBeInstanceOf(Error)],
        [[{ ...us, default: false }], [], (e) => expect(e).toBeInstanceOf(Error)],
      ];
      for (const [regions, options, check] of failing) {
        check(await s.seedRegions(...seedOf(regions, options)).catch((e: unknown) => e));
        expect(await s.listRegions()).toEqual([]);
        expect(await s.listShippingOptions()).toEqual([]);
        expect(await auditHead(s)).toBe(0);
      }
      expect(await s.seedRegions(...seedOf([us], [optionFixture(us)]))).toBe(true);
    });

    it('seeds once when two instances seed one store at the same time', async () => {
      const instances = await (await subject()).emptyDatabase(2);
      const us = regionFixture({ countries: ['US'], default: true });
      const answers = await Promise.all(instances.map((s) => s.seedRegions(...seedOf([us]))));
      expect(answers.toSorted()).toEqual([false, true]);
      for (const s of instances) expect(await s.listRegions()).toEqual([us]);
    });

    it('adopts the carts stored before regions into the default region, with the tax rule that priced them', async () => {
      const s = await fresh();
      const legacy = (currency: CartState['currency']) => {
        const {
          regionId: _r,
          taxRateBps: _t,
          taxInclusive: _i,
          country: _c,
          shippingAddress: _a,
          shippingOption: _o,
          ...old
        } = cartState({ currency });
        return old as CartState;
      };
      const usd = await createCart(s, legacy('USD'));
      const eur = await createCart(s, legacy('EUR'));
      const current = await createCart(s, cartState({ regionId: 'elsewhere', taxRateBps: 700 }));
      const home = regionFixture({
        currency: 'USD',
        taxRateBps: 825,
        taxInclusive: true,
        default: true,
      });
      expect(await s.seedRegions(...seedOf([home]))).toBe(true);
      // Tax on top: the only rule there was.
      expect((await s.getCart(usd.id))?.state).toMatchObject({
        regionId: home.id,
        taxRateBps: 825,
        taxInclusive: false,
        version: 1,
      });
      // Not in the default region's currency, or stored since: left as they are.
      expect((await s.getCart(eur.id))?.state).toMatchObject({
        regionId: 'default',
        taxRateBps: 0,
      });
      expect((await s.getCart(current.id))?.state).toEqual(current);
    });
  });

  describe('what regions changed elsewhere', () => {
    it('keeps a product’s prices, price first, and whether it ships', async () => {
      const { storage } = await subject();
      const price = { amount: 1999, currency: 'GBP' } as const;
      const others = [
        { amount: 2299, currency: 'EUR' },
        { amount: 10_000_000_000, currency: 'USD' },
      ] as const;
      const p: Product = productFixture({
        price,
        prices: [...others, price],
        requiresShipping: false,
      });
      const stored = { ...p, prices: [price, ...others] };
      await expect(storage.createProduct(p, entry('admin.product.create'))).resolves.toEqual(
        stored,
      );
      expect(await storage.getProduct(p.id)).toEqual(stored);
      expect((await storage.listProducts(1000, null)).items).toContainEqual(stored);
      // An update may leave `price` out of `prices`: it is added.
      const { id: _id, ...input } = { ...p, prices: [others[0]], requiresShipping: true };
      const updated = { ...stored, prices: [price, others[0]], requiresShipping: true };
      await expect(
        storage.updateProduct(p.id, input, entry('admin.product.update')),
      ).resolves.toEqual(updated);
      expect(await storage.getProduct(p.id)).toEqual(updated);
      const cart = await createCart(storage, cartState({ lines: [line(p, 1)] }));
      expect((await snapshotOf(storage, cart.id, [p.id])).products.get(p.id)).toEqual(updated);
    });

    it('keeps a code’s currency; a code created without one has none', async () => {
      const { storage } = await subject();
      const fixed = discountInput({ kind: 'fixed', value: 500, currency: 'EUR' });
      const { currency: _c, ...unset } = discountInput({ minSubtotal: null });
      for (const [d, currency] of [
        [fixed, 'EUR'],
        [unset, null],
      ] as const) {
        const expected = { ...d, currency, timesUsed: 0 };
        await expect(storage.createDiscount(d, entry('admin.discount.create'))).resolves.toEqual(
          expected,
        );
        expect(await storage.getDiscount(d.code)).toEqual(expected);
      }
    });

    it('reads a cart stored before regions with the defaults of the fields it lacks', async () => {
      const { storage } = await subject();
      const p = productFixture();
      const current = cartState({
        // A line stored before shipping existed was never shipped.
        lines: [{ ...line(p, 1), requiresShipping: false }],
        discounts: [
          {
            code: 'OLD',
            kind: 'percent',
            value: 100,
            minSubtotal: null,
            combinable: true,
            currency: null,
          },
        ],
      });
      const {
        regionId: _r,
        country: _c,
        shippingAddress: _a,
        shippingOption: _o,
        taxRateBps: _t,
        taxInclusive: _i,
        ...old
      } = current;
      const legacy = {
        ...old,
        lines: current.lines.map(({ requiresShipping: _s, ...l }) => l),
        discounts: current.discounts.map(({ currency: _cur, ...d }) => d),
      };
      await createCart(storage, legacy as CartState);
      expect((await storage.getCart(current.id))?.state).toEqual(current);
      expect((await snapshotOf(storage, current.id)).cart?.state).toEqual(current);
      expect((await storage.readCart(current.id, null))?.state).toEqual(current);
    });

    it('gives every mutation every region (default first) and every option', async () => {
      const s = await fresh();
      const eu = regionFixture();
      const home = regionFixture({ default: true, currency: 'USD' });
      await create(s, eu, 0);
      await create(s, home, 1);
      const options = [optionFixture(eu), optionFixture(home)];
      for (const o of options) await s.createShippingOption(o, entry('x'));
      const cart = await cartIn(s, eu);
      const snapshot = await snapshotOf(s, cart.id);
      expect(snapshot.regions).toEqual([home, eu]);
      expect(snapshot.shippingOptions).toEqual(new Map(options.map((o) => [o.id, o])));
      // And as they are now, not as a previous mutation saw them.
      await update(s, { ...eu, name: 'Renamed' });
      expect((await snapshotOf(s, cart.id)).regions).toEqual([home, { ...eu, name: 'Renamed' }]);
    });
  });
}
