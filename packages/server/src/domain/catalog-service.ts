import { randomUUID } from 'node:crypto';
import {
  pricesOf,
  type Discount,
  type DiscountInput,
  type Product,
  type ProductInput,
  REGION_LIMITS,
  type Region,
  type RegionInput,
  type ShippingOption,
  type ShippingOptionInput,
} from '@cart/core';
import {
  AlreadyExistsError,
  RegionInUseError,
  type AuditEntry,
  type IdempotencyRecord,
  type Storage,
} from '../storage/port.ts';
import type { CartEvents } from '../events/cart-events.ts';
import {
  auditEntry,
  refusal,
  type ChangeMeta,
  type MutationRunner,
  type Ran,
  type Refusal,
} from './mutation-runner.ts';

/** A refusal of a body that parses but cannot be: 400 VALIDATION_FAILED, at `path` if one. */
function invalid(path: string | null, message: string): CatalogResult {
  const errors = path === null ? {} : { errors: [{ path, message }] };
  return { kind: 'decided', outcome: refusal('VALIDATION_FAILED', message, errors) };
}

/** What an admin catalog change came to, in domain terms (the HTTP edge renders it). */
export type CatalogOutcome =
  | { kind: 'created'; resource: Product | Discount | Region | ShippingOption }
  | { kind: 'replaced'; resource: Product | Region | ShippingOption }
  | { kind: 'deleted' }
  | Refusal;

export type CatalogResult = Ran<CatalogOutcome>;
export type CatalogMeta = ChangeMeta<CatalogOutcome>;

/**
 * The admin API's changes to products, discount codes, regions and shipping options, through the same mutation
 * runner as cart changes: each is one storage transaction with its audit record and the
 * answer kept for the request's Idempotency-Key.
 */
export class CatalogService {
  constructor(
    private readonly storage: Storage,
    private readonly runner: MutationRunner,
    /** Where a product's stock, once changed, is announced to the carts holding it. */
    private readonly events: Pick<CartEvents, 'publishStock'> | null = null,
  ) {}

  createProduct(input: ProductInput, meta: CatalogMeta): Promise<CatalogResult> {
    const product: Product = { id: randomUUID(), ...input, prices: pricesOf(input) };
    return this.change(
      meta,
      { kind: 'created', resource: product },
      'admin.product.create',
      { productId: product.id, sku: product.sku },
      '',
      async (audit, record) => {
        await this.storage.createProduct(product, audit, record);
        return true;
      },
    );
  }

  async updateProduct(id: string, input: ProductInput, meta: CatalogMeta): Promise<CatalogResult> {
    const result = await this.change(
      meta,
      { kind: 'replaced', resource: { id, ...input, prices: pricesOf(input) } },
      'admin.product.update',
      { productId: id, sku: input.sku },
      'There is no product with that id.',
      async (audit, record) =>
        (await this.storage.updateProduct(id, input, audit, record)) !== null,
    );
    // Announced whether or not the level moved (the old one is not read here): CartEvents
    // sends it only to the carts holding the product, and only when it is news to them.
    if (result.kind === 'decided' && result.outcome.kind === 'replaced')
      this.events?.publishStock([{ productId: id, stock: input.stock }]);
    return result;
  }

  deleteProduct(id: string, meta: CatalogMeta): Promise<CatalogResult> {
    return this.change(
      meta,
      { kind: 'deleted' },
      'admin.product.delete',
      { productId: id },
      'There is no product with that id.',
      (audit, record) => this.storage.deleteProduct(id, audit, record),
    );
  }

  /**
   * A code left without a currency takes the default region's when it needs one (a fixed
   * value or a minimum subtotal is an amount), as every code did before regions.
   */
  async createDiscount(input: DiscountInput, meta: CatalogMeta): Promise<CatalogResult> {
    const needsCurrency = input.kind === 'fixed' || input.minSubtotal !== null;
    const fallback = needsCurrency ? (await this.defaultRegion()).currency : null;
    const resolved: DiscountInput = { ...input, currency: input.currency ?? fallback };
    return this.change(
      meta,
      {
        kind: 'created',
        resource: { ...resolved, currency: resolved.currency ?? null, timesUsed: 0 },
      },
      'admin.discount.create',
      { code: input.code },
      '',
      async (audit, record) => {
        await this.storage.createDiscount(resolved, audit, record);
        return true;
      },
    );
  }

  async createRegion(input: RegionInput, meta: CatalogMeta): Promise<CatalogResult> {
    if ((await this.storage.listRegions()).length >= REGION_LIMITS.regions)
      return invalid(null, `A shop has at most ${REGION_LIMITS.regions} regions.`);
    const region: Region = { id: randomUUID(), ...input };
    return this.change(
      meta,
      { kind: 'created', resource: region },
      'admin.region.create',
      { regionId: region.id, currency: region.currency, countries: region.countries },
      '',
      async (audit, record) => {
        await this.storage.createRegion(region, audit, record);
        return true;
      },
    );
  }

  /**
   * Replaces a region. Its currency changes only while no shipping option is priced in
   * the old one (they would mix currencies); the storage refuses it while open carts are
   * in the region, and refuses taking the default mark off the only default.
   */
  async updateRegion(id: string, input: RegionInput, meta: CatalogMeta): Promise<CatalogResult> {
    const current = (await this.storage.listRegions()).find((r) => r.id === id);
    if (current && current.currency !== input.currency) {
      const priced = (await this.storage.listShippingOptions()).filter((o) => o.regionId === id);
      if (priced.length > 0)
        return {
          kind: 'decided',
          outcome: refusal(
            'REGION_IN_USE',
            `${priced.length} shipping option${priced.length === 1 ? ' is' : 's are'} priced in ${current.currency}: change or delete them first.`,
          ),
        };
    }
    return this.change(
      meta,
      { kind: 'replaced', resource: { id, ...input } },
      'admin.region.update',
      { regionId: id, currency: input.currency, countries: input.countries },
      'There is no region with that id.',
      async (audit, record) => (await this.storage.updateRegion(id, input, audit, record)) !== null,
    );
  }

  deleteRegion(id: string, meta: CatalogMeta): Promise<CatalogResult> {
    return this.change(
      meta,
      { kind: 'deleted' },
      'admin.region.delete',
      { regionId: id },
      'There is no region with that id.',
      (audit, record) => this.storage.deleteRegion(id, audit, record),
    );
  }

  /** An option must ship within a region that exists, priced in that region's currency. */
  async createShippingOption(
    input: ShippingOptionInput,
    meta: CatalogMeta,
  ): Promise<CatalogResult> {
    const refused = await this.checkOption(input, null);
    if (refused) return refused;
    const option: ShippingOption = { id: randomUUID(), ...input };
    return this.change(
      meta,
      { kind: 'created', resource: option },
      'admin.shipping_option.create',
      { shippingOptionId: option.id, regionId: option.regionId, amount: option.amount.amount },
      '',
      async (audit, record) => {
        await this.storage.createShippingOption(option, audit, record);
        return true;
      },
    );
  }

  async updateShippingOption(
    id: string,
    input: ShippingOptionInput,
    meta: CatalogMeta,
  ): Promise<CatalogResult> {
    const refused = await this.checkOption(input, id);
    if (refused) return refused;
    return this.change(
      meta,
      { kind: 'replaced', resource: { id, ...input } },
      'admin.shipping_option.update',
      { shippingOptionId: id, regionId: input.regionId, amount: input.amount.amount },
      'There is no shipping option with that id.',
      async (audit, record) =>
        (await this.storage.updateShippingOption(id, input, audit, record)) !== null,
    );
  }

  deleteShippingOption(id: string, meta: CatalogMeta): Promise<CatalogResult> {
    return this.change(
      meta,
      { kind: 'deleted' },
      'admin.shipping_option.delete',
      { shippingOptionId: id },
      'There is no shipping option with that id.',
      (audit, record) => this.storage.deleteShippingOption(id, audit, record),
    );
  }

  /**
   * An option ships within a region that exists, priced in its currency; a new one only
   * while the region has fewer than REGION_LIMITS.shippingOptionsPerRegion (`id` is the
   * option being replaced, which does not count).
   */
  private async checkOption(
    input: ShippingOptionInput,
    id: string | null,
  ): Promise<CatalogResult | null> {
    const region = (await this.storage.listRegions()).find((r) => r.id === input.regionId);
    if (!region) return invalid('/regionId', `There is no region ${input.regionId}.`);
    if (region.currency !== input.amount.currency)
      return invalid(
        '/amount/currency',
        `${region.name} is priced in ${region.currency}: give the amount in it.`,
      );
    const others = (await this.storage.listShippingOptions()).filter(
      (o) => o.regionId === region.id && o.id !== id,
    );
    if (others.length >= REGION_LIMITS.shippingOptionsPerRegion)
      return invalid(
        '/regionId',
        `${region.name} has ${others.length} shipping options, the most a region may have.`,
      );
    return null;
  }

  private async defaultRegion(): Promise<Region> {
    const region = (await this.storage.listRegions()).find((r) => r.default);
    if (!region) throw new Error('no default region: the server seeds one on start');
    return region;
  }

  deleteDiscount(code: string, meta: CatalogMeta): Promise<CatalogResult> {
    return this.change(
      meta,
      { kind: 'deleted' },
      'admin.discount.delete',
      { code },
      `There is no discount ${code}.`,
      (audit, record) => this.storage.deleteDiscount(code, audit, record),
    );
  }

  /**
   * One admin change through the runner. The outcome is known before the write (the
   * resource as it will be), so it is what the key's answer is sealed from; the storage
   * call is the transaction: it inserts the key's record first (a key already committed
   * elsewhere is WriteConflictError: the runner tries again and replays its answer), then
   * changes the catalog and appends the audit record. `write` answers false when there was
   * nothing to change (an unknown id): NOT_FOUND, and the adapter keeps no answer; a taken
   * sku or code is ALREADY_EXISTS, rolled back with its answer.
   */
  private change(
    meta: CatalogMeta,
    outcome: CatalogOutcome,
    action: string,
    detail: Record<string, unknown>,
    notFound: string,
    write: (audit: AuditEntry, record: IdempotencyRecord | null) => Promise<boolean>,
  ): Promise<CatalogResult> {
    const audit = auditEntry(meta, { actorType: 'admin', actorId: 'admin' }, action, {
      cartId: null,
      beforeVersion: null,
      afterVersion: null,
      detail,
    });
    const keyed = meta.idempotency;
    return this.runner.run(keyed, meta.now, async (settle): Promise<CatalogResult> => {
      const stored = keyed ? await this.storage.getIdempotency(keyed.context.id) : null;
      const settled = settle(stored, () => ({ outcome, owner: null }));
      if (!settled.decision) return settled.ran;
      try {
        if (await write(audit, settled.record)) return settled.ran;
        return { kind: 'decided', outcome: refusal('NOT_FOUND', notFound) };
      } catch (error) {
        if (error instanceof RegionInUseError)
          return { kind: 'decided', outcome: refusal('REGION_IN_USE', error.reason) };
        if (!(error instanceof AlreadyExistsError)) throw error;
        return {
          kind: 'decided',
          outcome: refusal('ALREADY_EXISTS', `A ${error.subject} already exists.`),
        };
      }
    });
  }
}
