import { randomUUID } from 'node:crypto';
import type { Discount, DiscountInput, Product, ProductInput } from '@cart/core';
import {
  AlreadyExistsError,
  type AuditEntry,
  type IdempotencyRecord,
  type Storage,
} from '../storage/port.ts';
import {
  auditEntry,
  refusal,
  type ChangeMeta,
  type MutationRunner,
  type Ran,
  type Refusal,
} from './mutation-runner.ts';

/** What an admin catalog change came to, in domain terms (the HTTP edge renders it). */
export type CatalogOutcome =
  | { kind: 'created'; resource: Product | Discount }
  | { kind: 'replaced'; resource: Product }
  | { kind: 'deleted' }
  | Refusal;

export type CatalogResult = Ran<CatalogOutcome>;
export type CatalogMeta = ChangeMeta<CatalogOutcome>;

/**
 * The admin API's changes to products and discount codes, through the same mutation
 * runner as cart changes: each is one storage transaction with its audit record and the
 * answer kept for the request's Idempotency-Key.
 */
export class CatalogService {
  constructor(
    private readonly storage: Storage,
    private readonly runner: MutationRunner,
  ) {}

  createProduct(input: ProductInput, meta: CatalogMeta): Promise<CatalogResult> {
    const product: Product = { id: randomUUID(), ...input };
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

  updateProduct(id: string, input: ProductInput, meta: CatalogMeta): Promise<CatalogResult> {
    return this.change(
      meta,
      { kind: 'replaced', resource: { id, ...input } },
      'admin.product.update',
      { productId: id, sku: input.sku },
      'There is no product with that id.',
      async (audit, record) =>
        (await this.storage.updateProduct(id, input, audit, record)) !== null,
    );
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

  createDiscount(input: DiscountInput, meta: CatalogMeta): Promise<CatalogResult> {
    return this.change(
      meta,
      { kind: 'created', resource: { ...input, timesUsed: 0 } },
      'admin.discount.create',
      { code: input.code },
      '',
      async (audit, record) => {
        await this.storage.createDiscount(input, audit, record);
        return true;
      },
    );
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
        if (!(error instanceof AlreadyExistsError)) throw error;
        return {
          kind: 'decided',
          outcome: refusal('ALREADY_EXISTS', `A ${error.subject} already exists.`),
        };
      }
    });
  }
}
