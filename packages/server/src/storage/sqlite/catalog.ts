/**
 * The catalog module of the SQLite adapter: products and discount codes, read on the
 * reader and changed on the writer, each admin change one write with its audit record
 * and its stored answer; and the seed of an empty catalog.
 */
import type Database from 'better-sqlite3';
import type { Discount, DiscountInput, Product, ProductInput, ProductPage } from '@cart/core';
import {
  AlreadyExistsError,
  type AuditEntry,
  type CatalogSeed,
  type CatalogStore,
  type DiscountPage,
  type IdempotencyRecord,
} from '../port.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import {
  asStoredDiscount,
  asStoredProduct,
  toDiscount,
  toDiscountColumns,
  toProduct,
  toProductColumns,
  type DiscountColumns,
  type DiscountRow,
  type ProductColumns,
  type ProductRow,
} from '../rows.ts';
import type { SqliteAudit } from './audit.ts';
import { isUniqueViolation, prepareOnBoth, type SqliteConnection } from './connection.ts';
import type { SqliteMutation } from './mutation.ts';

/**
 * A product's columns (`requires_shipping` as 0/1: SQLite binds no booleans) and the
 * instant of the change, as the insert and update bind them.
 */
type ProductParams = Omit<ProductColumns, 'requires_shipping'> & {
  requires_shipping: 0 | 1;
  now: string;
};

/** A code's columns (`combinable` as 0/1: SQLite binds no booleans) and its creation instant. */
type DiscountParams = Omit<DiscountColumns, 'combinable'> & { combinable: 0 | 1; now: string };

const productParams = (id: string, p: ProductInput, now: string): ProductParams => ({
  ...toProductColumns(id, p),
  requires_shipping: p.requiresShipping ? 1 : 0,
  now,
});

const discountParams = (d: DiscountInput, now: string): DiscountParams => ({
  ...toDiscountColumns(d),
  combinable: d.combinable ? 1 : 0,
  now,
});

const INSERT_DISCOUNT = `INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit, times_used, combinable, currency, created_at)
   VALUES (@code, @kind, @value, @min_subtotal, @starts_at, @ends_at, @usage_limit, 0, @combinable, @currency, @now)`;

const statements = (db: Database.Database) => ({
  product: db.prepare<[string], ProductRow>('SELECT * FROM products WHERE id = ?'),
  productsFirst: db.prepare<[number], ProductRow>(
    'SELECT * FROM products ORDER BY created_at, id LIMIT ?',
  ),
  productsAfter: db.prepare<[string, string, string, number], ProductRow>(
    'SELECT * FROM products WHERE created_at > ? OR (created_at = ? AND id > ?) ORDER BY created_at, id LIMIT ?',
  ),
  countProducts: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM products'),
  insertProduct: db.prepare<ProductParams>(
    `INSERT INTO products (id, sku, name, description, price_amount, currency, prices, requires_shipping, stock, max_per_order, image_url, created_at, updated_at)
     VALUES (@id, @sku, @name, @description, @price_amount, @currency, @prices, @requires_shipping, @stock, @max_per_order, @image_url, @now, @now)`,
  ),
  updateProduct: db.prepare<ProductParams>(
    `UPDATE products SET sku = @sku, name = @name, description = @description, price_amount = @price_amount, currency = @currency,
     prices = @prices, requires_shipping = @requires_shipping, stock = @stock, max_per_order = @max_per_order, image_url = @image_url, updated_at = @now WHERE id = @id`,
  ),
  deleteProduct: db.prepare<[string]>('DELETE FROM products WHERE id = ?'),
  discountsFirst: db.prepare<[number], DiscountRow>(
    'SELECT * FROM discounts ORDER BY created_at, code LIMIT ?',
  ),
  discountsAfter: db.prepare<[string, string, string, number], DiscountRow>(
    'SELECT * FROM discounts WHERE created_at > ? OR (created_at = ? AND code > ?) ORDER BY created_at, code LIMIT ?',
  ),
  discount: db.prepare<[string], DiscountRow>('SELECT * FROM discounts WHERE code = ?'),
  insertDiscount: db.prepare<DiscountParams>(INSERT_DISCOUNT),
  // The seed's codes: one that exists is left as it is (no change, so no audit record).
  seedDiscount: db.prepare<DiscountParams>(`${INSERT_DISCOUNT} ON CONFLICT (code) DO NOTHING`),
  deleteDiscount: db.prepare<[string]>('DELETE FROM discounts WHERE code = ?'),
});

type Statements = ReturnType<typeof statements>;

export class SqliteCatalog implements CatalogStore {
  private readonly stmt: Statements;
  private readonly reads: Statements;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly audit: SqliteAudit,
    private readonly mutation: SqliteMutation,
  ) {
    ({ stmt: this.stmt, reads: this.reads } = prepareOnBoth(conn, statements));
  }

  listProducts(limit: number, cursor: string | null): Promise<ProductPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const rows = after
      ? this.reads.productsAfter.all(after.at, after.at, after.id, limit + 1)
      : this.reads.productsFirst.all(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return Promise.resolve({
      items: page.map(toProduct),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    });
  }

  getProduct(id: string): Promise<Product | null> {
    const row = this.reads.product.get(id);
    return Promise.resolve(row ? toProduct(row) : null);
  }

  countProducts(): Promise<number> {
    return Promise.resolve(this.reads.countProducts.get()?.n ?? 0);
  }

  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product> {
    return this.adminChange(`product with sku ${product.sku}`, audit, idempotency, () => {
      this.stmt.insertProduct.run(productParams(product.id, product, audit.at));
      return asStoredProduct(product.id, product);
    });
  }

  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null> {
    return this.adminChange(`product with sku ${input.sku}`, audit, idempotency, () =>
      this.stmt.updateProduct.run(productParams(id, input, audit.at)).changes === 0
        ? null
        : asStoredProduct(id, input),
    );
  }

  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(
      `product ${id}`,
      audit,
      idempotency,
      () => this.stmt.deleteProduct.run(id).changes === 1,
    );
  }

  listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const rows = after
      ? this.reads.discountsAfter.all(after.at, after.at, after.id, limit + 1)
      : this.reads.discountsFirst.all(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return Promise.resolve({
      items: page.map(toDiscount),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.code }) : null,
    });
  }

  getDiscount(code: string): Promise<Discount | null> {
    const row = this.reads.discount.get(code);
    return Promise.resolve(row ? toDiscount(row) : null);
  }

  createDiscount(
    d: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount> {
    return this.adminChange(`discount ${d.code}`, audit, idempotency, () => {
      this.stmt.insertDiscount.run(discountParams(d, audit.at));
      return asStoredDiscount(d);
    });
  }

  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(
      `discount ${code}`,
      audit,
      idempotency,
      () => this.stmt.deleteDiscount.run(code).changes === 1,
    );
  }

  seedCatalog(seed: CatalogSeed): Promise<boolean> {
    // One write of the group commit, so one savepoint: it holds the write lock (BEGIN
    // IMMEDIATE), so no other process can add a product between the count and the
    // inserts, and whatever it throws undoes all of it.
    return this.conn.commits
      .write(() => {
        if ((this.stmt.countProducts.get()?.n ?? 0) > 0) return false;
        const audit: AuditEntry[] = [];
        for (const { product, audit: entry } of seed.products) {
          this.stmt.insertProduct.run(productParams(product.id, product, entry.at));
          audit.push(entry);
        }
        for (const { discount, audit: entry } of seed.discounts) {
          if (this.stmt.seedDiscount.run(discountParams(discount, entry.at)).changes === 1)
            audit.push(entry);
        }
        this.audit.append(audit);
        return true;
      })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? new AlreadyExistsError('a product of the seed') : e;
      });
  }

  /**
   * One admin change, one transaction: its idempotency record (a key already committed
   * is WriteConflictError), then `run`, which changes the catalog and answers
   * (null/false: nothing to change, so nothing is kept, the key included), then its
   * audit record. A duplicate sku or code is AlreadyExistsError.
   */
  private adminChange<T>(
    subject: string,
    audit: AuditEntry,
    idempotency: IdempotencyRecord | null | undefined,
    run: () => T,
  ): Promise<T> {
    return this.conn.commits
      .write(() => {
        // The key first: one already committed (the same request, answered by another
        // process) is WriteConflictError before the change can fail on what that
        // answer did (a taken sku, a deleted id), so the caller replays the answer.
        if (idempotency) this.mutation.insertIdempotency(idempotency);
        const result = run();
        if (result === null || result === false) {
          if (idempotency) this.mutation.deleteIdempotency(idempotency.id);
          return result;
        }
        this.audit.append([audit]);
        return result;
      })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? new AlreadyExistsError(subject) : e;
      });
  }
}
