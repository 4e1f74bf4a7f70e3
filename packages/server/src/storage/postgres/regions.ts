/**
 * The regions module of the PostgreSQL adapter: regions and their shipping options, read
 * one statement at a time and changed by the admin, each change one transaction with its
 * audit record and its stored answer; and the seed of the first regions.
 *
 * Every change here first takes LOCK_REGIONS, so region and option changes run one at a
 * time, whatever the instance, and each check (an id or a country taken, the default
 * mark, options of a region) holds until its commit. Mutations read the tables without
 * locking them, and are not held up, except by the few changes that ask whether open
 * carts are in a region (LOCK_CARTS).
 */
import type pg from 'pg';
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
  type RegionRow,
  type ShippingOptionRow,
} from '../region-rows.ts';
import type { PostgresAudit } from './audit.ts';
import type { PostgresConnection } from './connection.ts';
import type { PostgresMutation } from './mutation.ts';

/** Conflicts with itself, not with reads: region changes queue, mutations read on. */
const LOCK_REGIONS = 'LOCK TABLE regions IN SHARE ROW EXCLUSIVE MODE';

/**
 * Taken before asking whether open carts are in a region (to delete it, to change its
 * currency): it waits for the mutations in flight, each of which holds its carts FOR
 * UPDATE to its commit, and holds off new ones until this change commits, so no cart
 * moves into the region, nor is created in it, between the check and the change. Plain
 * reads of carts go on. Region changes are rare, and this lasts a few milliseconds.
 */
const LOCK_CARTS = 'LOCK TABLE carts IN EXCLUSIVE MODE';

// Listing orders, as the mutation's load (load.ts) aggregates them too.
const SELECT_REGIONS = 'SELECT * FROM regions ORDER BY is_default DESC, created_at, id';
const SELECT_OPTIONS = `SELECT o.* FROM shipping_options o JOIN regions r ON r.id = o.region_id
  ORDER BY r.is_default DESC, r.created_at, r.id, o.created_at, o.id`;

export class PostgresRegions implements RegionStore {
  constructor(
    private readonly conn: PostgresConnection,
    private readonly audit: PostgresAudit,
    private readonly mutation: PostgresMutation,
  ) {}

  async listRegions(): Promise<Region[]> {
    const { rows } = await this.conn.pool.query<RegionRow>(SELECT_REGIONS);
    return rows.map(toRegion);
  }

  async listShippingOptions(): Promise<ShippingOption[]> {
    const { rows } = await this.conn.pool.query<ShippingOptionRow>(SELECT_OPTIONS);
    return rows.map(toShippingOption);
  }

  createRegion(
    region: Region,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region> {
    return this.adminChange(audit, idempotency, async (c) => {
      if (await this.regionRow(c, region.id)) throw new AlreadyExistsError(`region ${region.id}`);
      await this.writeRegion(c, region.id, region, audit.at, 'insert');
      return region;
    });
  }

  updateRegion(
    id: string,
    input: RegionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Region | null> {
    return this.adminChange(audit, idempotency, async (c) => {
      const row = await this.regionRow(c, id);
      if (!row) return null;
      const current = toRegion(row);
      if (current.default && !input.default)
        throw new RegionInUseError(
          `region ${id} is the default region: make another region the default instead`,
        );
      if (current.currency !== input.currency && (await this.hasActiveCarts(c, id)))
        throw new RegionInUseError(
          `region ${id} has open carts in ${current.currency}: its currency cannot change while they are open`,
        );
      await this.writeRegion(c, id, input, audit.at, 'update');
      return { id, ...input };
    });
  }

  deleteRegion(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(audit, idempotency, async (c) => {
      const row = await this.regionRow(c, id);
      if (!row) return false;
      if (toRegion(row).default)
        throw new RegionInUseError(
          `region ${id} is the default region: make another region the default first`,
        );
      const options = await c.query('SELECT 1 FROM shipping_options WHERE region_id = $1 LIMIT 1', [
        id,
      ]);
      if (options.rowCount !== 0)
        throw new RegionInUseError(
          `region ${id} has shipping options: delete them or move them to another region first`,
        );
      if (await this.hasActiveCarts(c, id))
        throw new RegionInUseError(`region ${id} has open carts`);
      const deleted = await c.query('DELETE FROM regions WHERE id = $1', [id]);
      return deleted.rowCount === 1;
    });
  }

  createShippingOption(
    option: ShippingOption,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption> {
    return this.adminChange(audit, idempotency, async (c) => {
      await this.insertOption(c, option, audit.at);
      return option;
    });
  }

  updateShippingOption(
    id: string,
    input: ShippingOptionInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<ShippingOption | null> {
    return this.adminChange(audit, idempotency, async (c) => {
      const o = toShippingOptionColumns(id, input);
      const updated = await c.query(
        `UPDATE shipping_options SET region_id = $2, name = $3, amount = $4, currency = $5,
         free_over_subtotal = $6, taxable = $7, updated_at = $8 WHERE id = $1`,
        [
          o.id,
          o.region_id,
          o.name,
          o.amount,
          o.currency,
          o.free_over_subtotal,
          o.taxable,
          audit.at,
        ],
      );
      return updated.rowCount === 0 ? null : { id, ...input };
    });
  }

  deleteShippingOption(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(audit, idempotency, async (c) => {
      const deleted = await c.query('DELETE FROM shipping_options WHERE id = $1', [id]);
      return deleted.rowCount === 1;
    });
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
    return this.conn.transaction(async (c) => {
      if (regions.filter((r) => r.region.default).length !== 1)
        throw new TypeError('a seed of regions must mark exactly one of them the default');
      const taken = async () => (await c.query('SELECT 1 FROM regions LIMIT 1')).rowCount !== 0;
      // A shop with regions (every start but the first) takes no lock. A second seeder
      // waits for the lock, then finds the first one's regions.
      if (await taken()) return false;
      await c.query(LOCK_REGIONS);
      if (await taken()) return false;
      for (const { region, audit } of regions) {
        if (await this.regionRow(c, region.id)) throw new AlreadyExistsError(`region ${region.id}`);
        await this.writeRegion(c, region.id, region, audit.at, 'insert');
        if (region.default)
          await c.query(
            `UPDATE carts SET state = state
               || jsonb_build_object('regionId', $1::text, 'taxRateBps', $2::int, 'taxInclusive', false)
             WHERE NOT (state ? 'taxRateBps') AND state ->> 'currency' = $3`,
            [region.id, region.taxRateBps, region.currency],
          );
      }
      for (const { option, audit } of options) await this.insertOption(c, option, audit.at);
      await this.audit.append(c, [...regions.map((r) => r.audit), ...options.map((o) => o.audit)]);
      return true;
    });
  }

  private async regionRow(c: pg.PoolClient, id: string): Promise<RegionRow | undefined> {
    return (await c.query<RegionRow>('SELECT * FROM regions WHERE id = $1', [id])).rows[0];
  }

  /** Whether open carts are in the region; takes LOCK_CARTS first, so the answer holds. */
  private async hasActiveCarts(c: pg.PoolClient, id: string): Promise<boolean> {
    await c.query(LOCK_CARTS);
    const found = await c.query(
      "SELECT 1 FROM carts WHERE status = 'active' AND state ->> 'regionId' = $1 LIMIT 1",
      [id],
    );
    return found.rowCount !== 0;
  }

  /**
   * Writes a region and its countries: a country another region lists is
   * AlreadyExistsError; a region made the default takes the mark from the one that had it.
   */
  private async writeRegion(
    c: pg.PoolClient,
    id: string,
    r: RegionInput,
    now: string,
    how: 'insert' | 'update',
  ): Promise<void> {
    const taken = await c.query<{ country: string }>(
      `SELECT country FROM region_countries WHERE country = ANY($1::text[]) AND region_id <> $2
       ORDER BY country LIMIT 1`,
      [r.countries, id],
    );
    if (taken.rows[0]) throw new AlreadyExistsError(`country ${taken.rows[0].country}`);
    if (r.default)
      await c.query(
        'UPDATE regions SET is_default = false, updated_at = $1 WHERE is_default AND id <> $2',
        [now, id],
      );
    const x = toRegionColumns(id, r);
    const values = [x.id, x.name, x.currency, x.countries, x.tax_rate_bps, x.tax_inclusive];
    await c.query(
      how === 'insert'
        ? `INSERT INTO regions (id, name, currency, countries, tax_rate_bps, tax_inclusive, is_default, created_at, updated_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $8)`
        : `UPDATE regions SET name = $2, currency = $3, countries = $4::jsonb, tax_rate_bps = $5,
           tax_inclusive = $6, is_default = $7, updated_at = $8 WHERE id = $1`,
      [...values, x.is_default, now],
    );
    await c.query('DELETE FROM region_countries WHERE region_id = $1', [id]);
    await c.query(
      'INSERT INTO region_countries (country, region_id) SELECT unnest($1::text[]), $2',
      [r.countries, id],
    );
  }

  private async insertOption(c: pg.PoolClient, option: ShippingOption, now: string): Promise<void> {
    const o = toShippingOptionColumns(option.id, option);
    const inserted = await c.query(
      `INSERT INTO shipping_options (id, region_id, name, amount, currency, free_over_subtotal, taxable, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO NOTHING`,
      [o.id, o.region_id, o.name, o.amount, o.currency, o.free_over_subtotal, o.taxable, now],
    );
    if (inserted.rowCount !== 1) throw new AlreadyExistsError(`shipping option ${option.id}`);
  }

  /**
   * One admin change, one transaction, as in catalog.ts, under LOCK_REGIONS: its
   * idempotency record (a key already committed is WriteConflictError), then `work`,
   * which checks, changes and answers (null/false: nothing to change, so nothing is
   * kept, the key included), then its audit record. What `work` throws
   * (AlreadyExistsError, RegionInUseError) rolls it all back.
   */
  private adminChange<T>(
    audit: AuditEntry,
    idempotency: IdempotencyRecord | null | undefined,
    work: (c: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    return this.conn.transaction(async (c) => {
      await c.query(LOCK_REGIONS);
      if (idempotency) await this.mutation.insertIdempotency(c, idempotency);
      const result = await work(c);
      if (result === null || result === false) {
        if (idempotency) await this.mutation.deleteIdempotency(c, idempotency.id);
        return result;
      }
      await this.audit.append(c, [audit]);
      return result;
    });
  }
}
