// The catalog part of the storage port: products and discount codes, listed, read and
// changed by the admin (each change one transaction with its audit record), and the
// seed that fills an empty catalog.
import type { Discount, DiscountInput, Product, ProductInput, ProductPage } from '@cart/core';
import type { AuditEntry } from './audit.ts';
import type { IdempotencyRecord } from './carts.ts';

export class AlreadyExistsError extends Error {
  constructor(readonly subject: string) {
    super(`${subject} already exists`);
    this.name = 'AlreadyExistsError';
  }
}

/**
 * A whole catalog for `seedCatalog` (the demo shop): each product and code with the audit
 * entry of its creation, whose instant is also the row's creation instant (the listing
 * order), as `createProduct` and `createDiscount` write them.
 */
export interface CatalogSeed {
  products: readonly { product: Product; audit: AuditEntry }[];
  discounts: readonly { discount: DiscountInput; audit: AuditEntry }[];
}

export interface DiscountPage {
  items: Discount[];
  nextCursor: string | null;
}

// Admin changes: each is one transaction with its audit record and, when the request
// carried an Idempotency-Key, the answer to replay (a key already committed raises
// WriteConflictError('idempotency')).
export interface CatalogStore {
  listProducts(limit: number, cursor: string | null): Promise<ProductPage>;
  getProduct(id: string): Promise<Product | null>;
  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product>;
  /** Replaces a product; null when there is none with that id. */
  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null>;
  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean>;
  countProducts(): Promise<number>;

  listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage>;
  getDiscount(code: string): Promise<Discount | null>;
  createDiscount(
    discount: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount>;
  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean>;
  /**
   * Writes `seed` into an empty catalog, in one transaction: every product and code with
   * its audit record, or nothing. Whether the catalog has a product is checked inside
   * that transaction, so that of instances seeding one database at once exactly one
   * writes; a catalog with a product is left as it is (false). A code that exists is
   * left as it is too, without an audit record. A sku or product id taken twice is
   * AlreadyExistsError, and nothing of the seed is kept. True when the seed was written.
   */
  seedCatalog(seed: CatalogSeed): Promise<boolean>;
}
