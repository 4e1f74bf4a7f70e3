/**
 * The regions module of the SQLite adapter: regions and their shipping options, read on
 * the reader and changed on the writer, each admin change one write with its audit record
 * and its stored answer; and the seed of the first regions. The write lock the group
 * commit holds makes every check here (a country taken, carts in a region) hold until the
 * change commits: no other connection writes in between.
 */
import type Database from 'better-sqlite3';
import type { Region, RegionInput, ShippingOption, ShippingOptionInput } from '@cart/core';
import {
  AlreadyExistsError,
  RegionInUseError,
  type AuditEntry,
  type IdempotencyRecord,
  type RegionStore,
} from '../port.ts';
import {
  toRegion,
  toRegionColumns,
  toShippingOption,
  toShippingOptionColumns,
  type RegionColumns,
  type RegionRow,
  type ShippingOptionColumns,
  type ShippingOptionRow,
} from '../region-rows.ts';
import type { SqliteAudit } from './audit.ts';
import { prepareOnBoth, read, type SqliteConnection } from './connection.ts';
import type { SqliteMutation } from './mutation.ts';

/** A region's columns (booleans as 0/1: SQLite binds none) and the instant of the change. */
type RegionParams = Omit<RegionColumns, 'tax_inclusive' | 'is_default'> & {
  tax_inclusive: 0 | 1;
  is_default: 0 | 1;
  now: string;
};

type OptionParams = Omit<ShippingOptionColumns, 'taxable'> & { taxable: 0 | 1; now: string };

const regionParams = (id: string, r: RegionInput, now: string): RegionParams => ({
  ...toRegionColumns(id, r),
  tax_inclusive: r.taxInclusive ? 1 : 0,
  is_default: r.default ? 1 : 0,
  now,
});

const optionParams = (id: string, o: ShippingOptionInput, now: string): OptionParams => ({
  ...toShippingOptionColumns(id, o),
  taxable: o.taxable ? 1 : 0,
  now,
});

/** Listing orders, shared with the mutation's snapshot (mutation.ts). */
export const REGIONS_SQL = 'SELECT * FROM regions ORDER BY is_default DESC, created_at, id';
export const SHIPPING_OPTIONS_SQL = `SELECT o.* FROM shipping_options o JOIN regions r ON r.id = o.region_id
   ORDER BY r.is_default DESC, r.created_at, r.id, o.created_at, o.id`;

const statements = (db: Database.Database) => ({
  regions: db.prepare<[], RegionRow>(REGIONS_SQL),
  shippingOptions: db.prepare<[], ShippingOptionRow>(SHIPPING_OPTIONS_SQL),
  region: db.prepare<[string], RegionRow>('SELECT * FROM regions WHERE id = ?'),
  anyRegion: db.prepare<[], { id: string }>('SELECT id FROM regions LIMIT 1'),
  // The first of `countries` (a JSON array) that a region other than `id` lists.
  takenCountry: db.prepare<[string, string], { country: string }>(
    `SELECT country FROM region_countries
     WHERE country IN (SELECT value FROM json_each(?)) AND region_id <> ? ORDER BY country LIMIT 1`,
  ),
  insertRegion: db.prepare<RegionParams>(
    `INSERT INTO regions (id, name, currency, countries, tax_rate_bps, tax_inclusive, is_default, created_at, updated_at)
     VALUES (@id, @name, @currency, @countries, @tax_rate_bps, @tax_inclusive, @is_default, @now, @now)`,
  ),
  updateRegion: db.prepare<RegionParams>(
    `UPDATE regions SET name = @name, currency = @currency, countries = @countries, tax_rate_bps = @tax_rate_bps,
     tax_inclusive = @tax_inclusive, is_default = @is_default, updated_at = @now WHERE id = @id`,
  ),
  // The mark leaves the region that has it, for `id` to take in the same write.
  clearDefault: db.prepare<[string, string]>(
    'UPDATE regions SET is_default = 0, updated_at = ? WHERE is_default = 1 AND id <> ?',
  ),
  deleteRegion: db.prepare<[string]>('DELETE FROM regions WHERE id = ?'),
  deleteCountries: db.prepare<[string]>('DELETE FROM region_countries WHERE region_id = ?'),
  insertCountries: db.prepare<[string, string]>(
    'INSERT INTO region_countries (country, region_id) SELECT value, ? FROM json_each(?)',
  ),
  hasOptions: db.prepare<[string], { id: string }>(
    'SELECT id FROM shipping_options WHERE region_id = ? LIMIT 1',
  ),
  hasActiveCarts: db.prepare<[string], { id: string }>(
    "SELECT id FROM carts WHERE status = 'active' AND json_extract(state, '$.regionId') = ? LIMIT 1",
  ),
  option: db.prepare<[string], { id: string }>('SELECT id FROM shipping_options WHERE id = ?'),
  insertOption: db.prepare<OptionParams>(
    `INSERT INTO shipping_options (id, region_id, name, amount, currency, free_over_subtotal, taxable, created_at, updated_at)
     VALUES (@id, @region_id, @name, @amount, @currency, @free_over_subtotal, @taxable, @now, @now)`,
  ),
  updateOption: db.prepare<OptionParams>(
    `UPDATE shipping_options SET region_id = @region_id, name = @name, amount = @amount, currency = @currency,
     free_over_subtotal = @free_over_subtotal, taxable = @taxable, updated_at = @now WHERE id = @id`,
  ),
  deleteOption: db.prepare<[string]>('DELETE FROM shipping_options WHERE id = ?'),
  adoptLegacyCarts: db.prepare<[string, number, string]>(
    `UPDATE carts SET state = json_set(state, '$.regionId', ?, '$.taxRateBps', ?, '$.taxInclusive', json('false'))
     WHERE json_type(state, '$.taxRateBps') IS NULL AND json_extract(state, '$.currency') = ?`,
  ),
});

type Statements = ReturnType<typeof statements>;

/** A seed leaves exactly one default region, as every later change keeps one. */
function checkSeed(regions: readonly Region[]): void {
  if (regions.filter((r) => r.default).length !== 1)
    throw new TypeError('a seed of regions must mark exactly one of them the default');
}

export class SqliteRegions implements RegionStore {
  private readonly stmt: Statements;
  private readonly reads: Statements;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly audit: SqliteAudit,
    private readonly mutation: SqliteMutation,
  ) {
    ({ stmt: this.stmt, reads: this.reads } = prepareOnBoth(conn, statements));
  }

  listRegions(): Promise<Region[]> {
    return read(() => this.reads.regions.all().map(toRegion));
  }

  listShippingOptions(): Promise<ShippingOption[]> {
    return read(() => this.reads.shippingOptions.all().map(toShippingOption));
  }

  createRegion(
    region: Region,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region> {
    return this.adminChange(audit, idempotency, () => {
      if (this.stmt.region.get(region.id)) throw new AlreadyExistsError(`region ${region.id}`);
      this.writeRegion(region.id, region, audit.at, 'insert');
      return region;
    });
  }

  updateRegion(
    id: string,
    input: RegionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region | null> {
    return this.adminChange(audit, idempotency, () => {
      const row = this.stmt.region.get(id);
      if (!row) return null;
      const current = toRegion(row);
      if (current.default && !input.default)
        throw new RegionInUseError(
          `region ${id} is the default region: make another region the default instead`,
        );
      if (current.currency !== input.currency && this.stmt.hasActiveCarts.get(id))
        throw new RegionInUseError(
          `region ${id} has open carts in ${current.currency}: its currency cannot change while they are open`,
        );
      this.writeRegion(id, input, audit.at, 'update');
      return { id, ...input };
    });
  }

  deleteRegion(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(audit, idempotency, () => {
      const row = this.stmt.region.get(id);
      if (!row) return false;
      if (toRegion(row).default)
        throw new RegionInUseError(
          `region ${id} is the default region: make another region the default first`,
        );
      if (this.stmt.hasOptions.get(id))
        throw new RegionInUseError(
          `region ${id} has shipping options: delete them or move them to another region first`,
        );
      if (this.stmt.hasActiveCarts.get(id))
        throw new RegionInUseError(`region ${id} has open carts`);
      return this.stmt.deleteRegion.run(id).changes === 1;
    });
  }

  createShippingOption(
    option: ShippingOption,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption> {
    return this.adminChange(audit, idempotency, () => {
      if (this.stmt.option.get(option.id))
        throw new AlreadyExistsError(`shipping option ${option.id}`);
      this.stmt.insertOption.run(optionParams(option.id, option, audit.at));
      return option;
    });
  }

  updateShippingOption(
    id: string,
    input: ShippingOptionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption | null> {
    return this.adminChange(audit, idempotency, () =>
      this.stmt.updateOption.run(optionParams(id, input, audit.at)).changes === 0
        ? null
        : { id, ...input },
    );
  }

  deleteShippingOption(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(audit, idempotency, () => this.stmt.deleteOption.run(id).changes === 1);
  }

  /**
   * Also adopts the carts stored before regions existed (they have no tax rule; migration
   * 007 put them in `default`) into the default region seeded, when they are in its
   * currency, with the tax rule they were priced with: its rate (a first start makes it
   * from TAX_RATE_BPS, which priced them), added on top (the only rule there was).
   */
  seedRegions(
    regions: readonly { region: Region; audit: AuditEntry }[],
    options: readonly { option: ShippingOption; audit: AuditEntry }[],
  ): Promise<boolean> {
    // One write of the group commit: the check and the inserts hold the write lock
    // together, so of instances seeding one database one writes; whatever it throws
    // undoes all of it.
    return this.conn.commits.write(() => {
      checkSeed(regions.map((r) => r.region));
      if (this.stmt.anyRegion.get()) return false;
      for (const { region, audit } of regions) {
        if (this.stmt.region.get(region.id)) throw new AlreadyExistsError(`region ${region.id}`);
        this.writeRegion(region.id, region, audit.at, 'insert');
        if (region.default)
          this.stmt.adoptLegacyCarts.run(region.id, region.taxRateBps, region.currency);
      }
      for (const { option, audit } of options) {
        if (this.stmt.option.get(option.id))
          throw new AlreadyExistsError(`shipping option ${option.id}`);
        this.stmt.insertOption.run(optionParams(option.id, option, audit.at));
      }
      this.audit.append([...regions.map((r) => r.audit), ...options.map((o) => o.audit)]);
      return true;
    });
  }

  /**
   * Writes a region and its countries, inside a write: a country another region lists is
   * AlreadyExistsError; a region made the default takes the mark from the one that had it.
   */
  private writeRegion(id: string, r: RegionInput, now: string, how: 'insert' | 'update'): void {
    const countries = JSON.stringify(r.countries);
    const taken = this.stmt.takenCountry.get(countries, id);
    if (taken) throw new AlreadyExistsError(`country ${taken.country}`);
    if (r.default) this.stmt.clearDefault.run(now, id);
    const params = regionParams(id, r, now);
    if (how === 'insert') this.stmt.insertRegion.run(params);
    else this.stmt.updateRegion.run(params);
    this.stmt.deleteCountries.run(id);
    this.stmt.insertCountries.run(id, countries);
  }

  /**
   * One admin change, one transaction, as in catalog.ts: its idempotency record (a key
   * already committed is WriteConflictError), then `run`, which checks, changes and
   * answers (null/false: nothing to change, so nothing is kept, the key included), then
   * its audit record. What `run` throws (AlreadyExistsError, RegionInUseError) undoes it all.
   */
  private adminChange<T>(
    audit: AuditEntry,
    idempotency: IdempotencyRecord | null | undefined,
    run: () => T,
  ): Promise<T> {
    return this.conn.commits.write(() => {
      if (idempotency) this.mutation.insertIdempotency(idempotency);
      const result = run();
      if (result === null || result === false) {
        if (idempotency) this.mutation.deleteIdempotency(idempotency.id);
        return result;
      }
      this.audit.append([audit]);
      return result;
    });
  }
}
