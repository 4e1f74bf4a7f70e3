// The regions part of the storage port: regions and their shipping options, listed by
// everyone (small tables: a shop has a handful), changed by the admin, each change one
// transaction with its audit record and its stored answer; and the default region a
// server without any creates on its first start.
import type { Region, RegionInput, ShippingOption, ShippingOptionInput } from '@cart/core';
import type { AuditEntry } from './audit.ts';
import type { IdempotencyRecord } from './carts.ts';

/**
 * A region change the database refuses: deleting the default region or one that open
 * carts are in or shipping options belong to, or a write that would leave no default.
 * The HTTP edge answers 409 REGION_IN_USE with `reason`.
 */
export class RegionInUseError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RegionInUseError';
  }
}

export interface RegionStore {
  /** Every region, the default first, then by creation. */
  listRegions(): Promise<Region[]>;
  /** Every shipping option, by region then creation. */
  listShippingOptions(): Promise<ShippingOption[]>;

  /**
   * Creates a region. A country another region lists, or an id taken, is
   * AlreadyExistsError (subject `country XX` or `region <id>`). A region created as the
   * default takes the mark from the one that had it, in the same transaction.
   */
  createRegion(
    region: Region,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region>;
  /**
   * Replaces a region; null when there is none with that id. Its currency cannot change
   * while open carts are in it (RegionInUseError), nor can it stop being the default
   * unless another region is made the default (RegionInUseError).
   */
  updateRegion(
    id: string,
    input: RegionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region | null>;
  /** Deletes a region: RegionInUseError when it is the default, has options or open carts. */
  deleteRegion(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean>;

  /** Creates an option; its region must exist and price it in its currency (the caller checks). */
  createShippingOption(
    option: ShippingOption,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption>;
  updateShippingOption(
    id: string,
    input: ShippingOptionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption | null>;
  deleteShippingOption(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean>;

  /**
   * Writes `regions` (with their options) when there is no region at all, in one
   * transaction with their audit records; false, writing nothing, when a region exists.
   * How a first start gets its default region (from CURRENCY and TAX_RATE_BPS), and the
   * demo shop its three.
   */
  seedRegions(
    regions: readonly { region: Region; audit: AuditEntry }[],
    options: readonly { option: ShippingOption; audit: AuditEntry }[],
  ): Promise<boolean>;
}
