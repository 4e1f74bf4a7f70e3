/**
 * The regions a server starts with, written once into a store that has none: the demo
 * shop's three (SEED_DEMO), or else one default region made of the settings the server
 * priced every cart with before regions existed (CURRENCY, TAX_RATE_BPS). Carts stored
 * before then are adopted into that default region by the storage (`seedRegions`).
 */
import type { Region, ShippingOption } from '@cart/core';
import type { Config } from '../config.ts';
import type { AuditEntry, Storage } from '../storage/port.ts';
import { LEGACY_REGION_ID } from '../storage/rows.ts';

/**
 * The audit entries of a seed, by the system: each a millisecond after the one before,
 * from `now`, so that what is seeded lists in the order it was written.
 */
export function seedAuditor(
  now: Date,
): (action: string, detail: Record<string, unknown>) => AuditEntry {
  let tick = 0;
  return (action, detail) => ({
    at: new Date(now.getTime() + tick++).toISOString(),
    actorType: 'system',
    actorId: null,
    requestId: null,
    clientAddress: null,
    action,
    cartId: null,
    beforeVersion: null,
    afterVersion: null,
    detail,
  });
}

/** The default region of a server that has no other: everywhere, in CURRENCY, TAX_RATE_BPS added. */
export function settingsRegion(config: Config): Region {
  return {
    // The region carts stored before regions name (migration 007).
    id: LEGACY_REGION_ID,
    name: 'Default',
    currency: config.CURRENCY,
    countries: [],
    taxRateBps: config.TAX_RATE_BPS,
    taxInclusive: false,
    default: true,
  };
}

/**
 * Writes `regions` and `options` into a store with no region (in one transaction, each
 * with its audit record); false, writing nothing, when the store has a region.
 */
export function seedRegions(
  storage: Storage,
  regions: readonly Region[],
  options: readonly ShippingOption[],
  now = new Date(),
): Promise<boolean> {
  const audit = seedAuditor(now);
  return storage.seedRegions(
    regions.map((region) => ({
      region,
      audit: audit('seed.region.create', { regionId: region.id, currency: region.currency }),
    })),
    options.map((option) => ({
      option,
      audit: audit('seed.shipping_option.create', {
        shippingOptionId: option.id,
        regionId: option.regionId,
      }),
    })),
  );
}
