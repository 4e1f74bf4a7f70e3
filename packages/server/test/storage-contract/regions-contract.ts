// Over 300 lines on purpose: one contract, run as a whole on each adapter; its cases
// share the fixtures and helpers at the top (regions-seed-contract.ts uses them too).
/**
 * Regions and shipping options (port/regions.ts) as the admin changes them: kept
 * exactly, listed in order, a country in one region at most, one default region. A
 * change is one transaction with its audit record and, with an Idempotency-Key, its
 * answer; what it would break (the default mark, open carts, options of a region) is
 * refused whole.
 *
 * Which region is the default, and which countries are taken, is the state of the whole
 * database: the cases that change regions open a database of their own (`fresh`).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CartState, Region, RegionInput, ShippingOption } from '@cart/core';
import {
  AlreadyExistsError,
  RegionInUseError,
  WriteConflictError,
  type IdempotencyRecord,
  type MutationSnapshot,
  type Storage,
} from '../../src/storage/port.ts';
import type { OpenedStorage } from './storage-contract.ts';
import {
  auditHead,
  cartState,
  createCart,
  entry,
  idempotencyRecord,
  keepIdempotency,
  next,
  plan,
  writes,
} from './fixtures.ts';

/** Instants one millisecond apart, from a year no other part of the suite writes. */
export const at = (i: number) => new Date(Date.UTC(2033, 0, 1) + i).toISOString();

export function regionFixture(overrides: Partial<Region> = {}): Region {
  return {
    id: `r-${randomUUID().slice(0, 8)}`,
    name: 'Europe',
    currency: 'EUR',
    countries: [],
    taxRateBps: 2000,
    taxInclusive: true,
    default: false,
    ...overrides,
  };
}

export function optionFixture(region: Region, overrides: Partial<ShippingOption> = {}) {
  return {
    id: `o-${randomUUID().slice(0, 8)}`,
    regionId: region.id,
    name: 'Standard',
    amount: { amount: 450, currency: region.currency },
    freeOverSubtotal: 5000,
    taxable: true,
    ...overrides,
  } satisfies ShippingOption;
}

const regionInput = ({ id: _id, ...input }: Region): RegionInput => input;
const optionInput = ({ id: _id, ...input }: ShippingOption) => input;

export const create = (s: Storage, r: Region, i = 0) =>
  s.createRegion(r, { ...entry('admin.region.create', null, { regionId: r.id }), at: at(i) });
export const update = (s: Storage, r: Region) =>
  s.updateRegion(r.id, regionInput(r), entry('admin.region.update'));

/** A cart in `region`, open or `closed` (checked out). */
export async function cartIn(s: Storage, region: Region, closed = false): Promise<CartState> {
  const cart = await createCart(s, cartState({ regionId: region.id, currency: region.currency }));
  if (!closed) return cart;
  const done = { ...cart, version: cart.version + 1, status: 'checked_out' as const };
  return s.mutate(plan(cart.id), writes(next(cart, { cart: done })));
}

export const snapshotOf = (s: Storage, cartId: string, productIds: string[] = []) =>
  s.mutate(plan(cartId, { productIds }), (snapshot: MutationSnapshot) => ({
    reply: snapshot,
    write: null,
    idempotency: null,
  }));

/** Rejects with RegionInUseError, its reason matching `reason`. */
async function refusedInUse(p: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegionInUseError);
  expect((error as RegionInUseError).reason).toMatch(reason);
}

async function refusedTaken(p: Promise<unknown>, subject: string): Promise<void> {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AlreadyExistsError);
  expect(error).toMatchObject({ subject });
}

/** A database of its own, migrated and empty. */
export async function freshStorage(subject: OpenedStorage): Promise<Storage> {
  const [storage] = (await (await subject()).emptyDatabase(1)) as [Storage];
  return storage;
}

export function defineRegionsContract(subject: OpenedStorage): void {
  const fresh = () => freshStorage(subject);

  describe('regions', () => {
    it('keeps regions exactly and lists them default first, then by creation', async () => {
      const s = await fresh();
      expect(await s.listRegions()).toEqual([]);
      expect(await s.listShippingOptions()).toEqual([]);
      const eu = regionFixture({ countries: ['FR', 'DE', 'NL'] });
      const us = regionFixture({
        name: 'United States ✓',
        currency: 'USD',
        countries: ['US'],
        taxRateBps: 0,
        taxInclusive: false,
        default: true,
      });
      const uk = regionFixture({ currency: 'GBP', countries: ['GB'], taxRateBps: 10_000 });
      await expect(create(s, eu, 1)).resolves.toEqual(eu);
      await create(s, uk, 0);
      await create(s, us, 2);
      expect(await s.listRegions()).toEqual([us, uk, eu]);
      expect(await s.listAudit({ limit: 1 })).toMatchObject([
        { action: 'admin.region.create', detail: { regionId: us.id } },
      ]);
      expect(await auditHead(s)).toBe(3);
    });

    it('refuses a taken id, or a country another region lists, and writes nothing', async () => {
      const s = await fresh();
      const eu = regionFixture({ countries: ['DE', 'FR'], default: true });
      const other = regionFixture({ countries: ['GB'] });
      await create(s, eu);
      await create(s, other);
      const head = await auditHead(s);
      await refusedTaken(create(s, regionFixture({ id: eu.id })), `region ${eu.id}`);
      await refusedTaken(create(s, regionFixture({ countries: ['AT', 'FR'] })), 'country FR');
      await refusedTaken(update(s, { ...other, countries: ['GB', 'DE'] }), 'country DE');
      // A region keeps its own countries when it changes.
      await expect(update(s, { ...eu, name: 'EU' })).resolves.toEqual({ ...eu, name: 'EU' });
      expect(await auditHead(s)).toBe(head + 1);
      expect(await s.listRegions()).toEqual([{ ...eu, name: 'EU' }, other]);
    });

    it('frees the countries a region no longer lists, or that a deleted region listed', async () => {
      const s = await fresh();
      const eu = regionFixture({ countries: ['DE', 'FR'], default: true });
      const nl = regionFixture({ countries: ['NL'] });
      await create(s, eu);
      await create(s, nl);
      await update(s, { ...eu, countries: ['DE'] });
      await expect(create(s, regionFixture({ countries: ['FR'] }))).resolves.toBeDefined();
      expect(await s.deleteRegion(nl.id, entry('admin.region.delete'))).toBe(true);
      await expect(create(s, regionFixture({ countries: ['NL'] }))).resolves.toBeDefined();
    });

    it('moves the default mark to a region created or updated as the default', async () => {
      const s = await fresh();
      const a = regionFixture({ default: true });
      const b = regionFixture({ default: true });
      await create(s, a, 0);
      await create(s, b, 1);
      expect(await s.listRegions()).toEqual([b, { ...a, default: false }]);
      await update(s, { ...a, default: true });
      expect(await s.listRegions()).toEqual([
        { ...a, default: true },
        { ...b, default: false },
      ]);
      // Already the default: changing it otherwise keeps the mark where it is.
      await update(s, { ...a, name: 'Renamed', default: true });
      expect((await s.listRegions()).filter((r) => r.default)).toEqual([
        { ...a, name: 'Renamed', default: true },
      ]);
    });

    it('replaces a region; a missing one is null; the default cannot stop being it', async () => {
      const s = await fresh();
      const a = regionFixture({ default: true });
      const b = regionFixture();
      await create(s, a);
      await create(s, b);
      const head = await auditHead(s);
      const changed: Region = { ...b, name: 'Nordics', countries: ['SE', 'FI'], taxRateBps: 2500 };
      await expect(update(s, changed)).resolves.toEqual(changed);
      expect(await update(s, regionFixture())).toBeNull();
      await refusedInUse(update(s, { ...a, default: false }), /default/);
      expect(await auditHead(s)).toBe(head + 1);
      expect(await s.listRegions()).toEqual([a, changed]);
    });

    it('refuses a currency change while open carts are in the region, and allows it after', async () => {
      const s = await fresh();
      const home = regionFixture({ default: true, currency: 'USD' });
      const eu = regionFixture();
      await create(s, home);
      await create(s, eu);
      await cartIn(s, eu, true); // a closed cart does not hold the region
      const open = await cartIn(s, eu);
      const head = await auditHead(s);
      await refusedInUse(update(s, { ...eu, currency: 'GBP' }), /open carts/);
      await expect(update(s, { ...eu, taxRateBps: 1900 })).resolves.toMatchObject({
        taxRateBps: 1900,
      });
      expect(await auditHead(s)).toBe(head + 1);
      const done = { ...open, version: open.version + 1, status: 'expired' as const };
      await s.mutate(plan(open.id), writes(next(open, { cart: done })));
      await expect(update(s, { ...eu, currency: 'GBP' })).resolves.toMatchObject({
        currency: 'GBP',
      });
    });

    it('deletes a region once; refuses the default, one with options, one with open carts', async () => {
      const s = await fresh();
      const home = regionFixture({ default: true });
      const eu = regionFixture({ countries: ['DE'] });
      await create(s, home);
      await create(s, eu);
      const option = optionFixture(eu);
      await s.createShippingOption(option, entry('admin.shipping_option.create'));
      const cart = await cartIn(s, eu);
      const head = await auditHead(s);

      await refusedInUse(s.deleteRegion(home.id, entry('admin.region.delete')), /default/);
      await refusedInUse(s.deleteRegion(eu.id, entry('admin.region.delete')), /shipping options/);
      await s.deleteShippingOption(option.id, entry('admin.shipping_option.delete'));
      await refusedInUse(s.deleteRegion(eu.id, entry('admin.region.delete')), /open carts/);
      expect(await auditHead(s)).toBe(head + 1);
      expect(await s.listRegions()).toEqual([home, eu]);

      const done = { ...cart, version: cart.version + 1, status: 'checked_out' as const };
      await s.mutate(plan(cart.id), writes(next(cart, { cart: done })));
      expect(await s.deleteRegion(eu.id, entry('admin.region.delete'))).toBe(true);
      expect(await s.deleteRegion(eu.id, entry('admin.region.delete'))).toBe(false);
      expect(await s.listRegions()).toEqual([home]);
      expect(await s.listAudit({ limit: 1 })).toMatchObject([{ action: 'admin.region.delete' }]);
    });
  });

  describe('shipping options', () => {
    it('keeps options exactly, lists them by region then creation, replaces and deletes them', async () => {
      const s = await fresh();
      const eu = regionFixture();
      const home = regionFixture({ default: true, currency: 'USD' });
      await create(s, eu, 0);
      await create(s, home, 1);
      const express = optionFixture(eu, { name: 'Express', freeOverSubtotal: null });
      const standard = optionFixture(eu, { taxable: false });
      const usOption = optionFixture(home, { amount: { amount: 10_000_000_000, currency: 'USD' } });
      for (const [i, o] of [express, standard, usOption].entries()) {
        const audit = { ...entry('admin.shipping_option.create'), at: at(i) };
        await expect(s.createShippingOption(o, audit)).resolves.toEqual(o);
      }
      // The default region's first, then each region's in creation order.
      expect(await s.listShippingOptions()).toEqual([usOption, express, standard]);
      // Moved to the default region, an option keeps its creation instant (the first).

      const head = await auditHead(s);
      await refusedTaken(
        s.createShippingOption({ ...optionFixture(eu), id: express.id }, entry('x')),
        `shipping option ${express.id}`,
      );
      const moved = {
        ...express,
        regionId: home.id,
        amount: { amount: 2000, currency: 'USD' as const },
      };
      await expect(
        s.updateShippingOption(
          express.id,
          optionInput(moved),
          entry('admin.shipping_option.update'),
        ),
      ).resolves.toEqual(moved);
      expect(await s.updateShippingOption('missing', optionInput(moved), entry('x'))).toBeNull();
      expect(await s.deleteShippingOption(standard.id, entry('admin.shipping_option.delete'))).toBe(
        true,
      );
      expect(await s.deleteShippingOption(standard.id, entry('x'))).toBe(false);
      expect(await auditHead(s)).toBe(head + 2);
      expect(await s.listShippingOptions()).toEqual([moved, usOption]);
    });
  });

  describe('region changes with an Idempotency-Key', () => {
    /** Each change, and what it alters (equal before and after one rolled back). */
    const changes: [
      string,
      (s: Storage, r: Region, o: ShippingOption) => (rec: IdempotencyRecord) => Promise<unknown>,
    ][] = [
      ['createRegion', (s) => (rec) => s.createRegion(regionFixture(), entry('x'), rec)],
      [
        'updateRegion',
        (s, r) => (rec) =>
          s.updateRegion(r.id, { ...regionInput(r), name: 'New' }, entry('x'), rec),
      ],
      ['deleteRegion', (s, r) => (rec) => s.deleteRegion(r.id, entry('x'), rec)],
      [
        'createShippingOption',
        (s, r) => (rec) => s.createShippingOption(optionFixture(r), entry('x'), rec),
      ],
      [
        'updateShippingOption',
        (s, _r, o) => (rec) =>
          s.updateShippingOption(o.id, { ...optionInput(o), name: 'New' }, entry('x'), rec),
      ],
      [
        'deleteShippingOption',
        (s, _r, o) => (rec) => s.deleteShippingOption(o.id, entry('x'), rec),
      ],
    ];

    /** A database with a default region, a region `r` without options and an option `o` of the default. */
    async function world() {
      const s = await fresh();
      const home = regionFixture({ default: true });
      const r = regionFixture();
      await create(s, home);
      await create(s, r);
      const o = optionFixture(home);
      await s.createShippingOption(o, entry('x'));
      const state = async () => ({
        regions: await s.listRegions(),
        options: await s.listShippingOptions(),
      });
      return { s, r, o, state };
    }

    it.each(changes)(
      '%s writes its record with the change, or nothing with a key taken',
      async (_, change) => {
        const { s, r, o, state } = await world();
        const run = change(s, r, o);
        const taken = idempotencyRecord();
        await keepIdempotency(s, taken);
        const before = await state();
        const head = await auditHead(s);
        const error = await run({ ...taken, fingerprint: 'other' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteConflictError);
        expect(error).toMatchObject({ reason: 'idempotency', subject: taken.id });
        expect(await state()).toEqual(before);
        expect(await auditHead(s)).toBe(head);

        const rec = idempotencyRecord();
        await run(rec);
        expect(await state()).not.toEqual(before);
        expect(await s.getIdempotency(rec.id)).toEqual(rec);
        expect(await auditHead(s)).toBe(head + 1);
      },
    );

    it('keeps no record for a miss or a refusal', async () => {
      const { s, o } = await world();
      const [home] = await s.listRegions();
      const head = await auditHead(s);
      const recs = [1, 2, 3, 4, 5].map(() => idempotencyRecord());
      const [a, b, c, d, e] = recs as [
        IdempotencyRecord,
        IdempotencyRecord,
        IdempotencyRecord,
        IdempotencyRecord,
        IdempotencyRecord,
      ];
      expect(
        await s.updateRegion('missing', regionInput(regionFixture()), entry('x'), a),
      ).toBeNull();
      expect(await s.deleteRegion('missing', entry('x'), b)).toBe(false);
      expect(await s.deleteShippingOption('missing', entry('x'), c)).toBe(false);
      await refusedInUse(s.deleteRegion(home?.id ?? '', entry('x'), d), /default/);
      await refusedTaken(s.createShippingOption(o, entry('x'), e), `shipping option ${o.id}`);
      for (const rec of recs) expect(await s.getIdempotency(rec.id)).toBeNull();
      expect(await auditHead(s)).toBe(head);
    });
  });
}
