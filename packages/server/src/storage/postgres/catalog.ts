/**
 * The catalog module of the PostgreSQL adapter: products and discount codes, read one
 * statement at a time and changed by the admin, each change one transaction with its
 * audit record and its stored answer; and the seed of an empty catalog.
 */
import type pg from 'pg';
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
  type DiscountRow,
  type ProductRow,
} from '../rows.ts';
import type { PostgresAudit } from './audit.ts';
import { isUniqueViolation, type PostgresConnection } from './connection.ts';
import type { PostgresMutation } from './mutation.ts';

/** A product's columns and the instant of the change, as $1…$12 of the insert and the update. */
function productParams(
  id: string,
  p: ProductInput,
  now: string,
): (string | number | boolean | null)[] {
  const r = toProductColumns(id, p);
  return [
    r.id,
    r.sku,
    r.name,
    r.description,
    r.price_amount,
    r.currency,
    r.prices,
    r.requires_shipping,
    r.stock,
    r.max_per_order,
    r.image_url,
    now,
  ];
}

/** A code's columns and its creation instant, as $1…$10 of the insert. */
function discountParams(d: DiscountInput, now: string): (string | number | boolean | null)[] {
  const r = toDiscountColumns(d);
  return [
    r.code,
    r.kind,
    r.value,
    r.min_subtotal,
    r.starts_at,
    r.ends_at,
    r.usage_limit,
    r.combinable,
    r.currency,
    now,
  ];
}

/** The seed's products, from one JSON array, in one statement. */
const SEED_PRODUCTS = `
INSERT INTO products (id, sku, name, description, price_amount, currency, prices,
  requires_shipping, stock, max_per_order, image_url, created_at, updated_at)
SELECT p.id, p.sku, p.name, p.description, p.price_amount, p.currency, p.prices::jsonb,
  p.requires_shipping, p.stock, p.max_per_order, p.image_url, p.at, p.at
FROM jsonb_to_recordset($1::jsonb) AS p(id text, sku text, name text, description text,
  price_amount bigint, currency text, prices text, requires_shipping boolean, stock bigint,
  max_per_order bigint, image_url text, at text)`;

/** The seed's codes, from one JSON array: one that exists is left as it is (not returned). */
const SEED_DISCOUNTS = `
INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit,
  times_used, combinable, currency, created_at)
SELECT d.code, d.kind, d.value, d.min_subtotal, d.starts_at, d.ends_at, d.usage_limit, 0,
  d.combinable, d.currency, d.at
FROM jsonb_to_recordset($1::jsonb) AS d(code text, kind text, value bigint,
  min_subtotal bigint, starts_at text, ends_at text, usage_limit bigint, combinable boolean,
  currency text, at text)
ON CONFLICT (code) DO NOTHING
RETURNING code`;

export class PostgresCatalog implements CatalogStore {
  constructor(
    private readonly conn: PostgresConnection,
    private readonly audit: PostgresAudit,
    private readonly mutation: PostgresMutation,
  ) {}

  async listProducts(limit: number, cursor: string | null): Promise<ProductPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { rows } = after
      ? await this.conn.pool.query<ProductRow>(
          'SELECT * FROM products WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3',
          [after.at, after.id, limit + 1],
        )
      : await this.conn.pool.query<ProductRow>(
          'SELECT * FROM products ORDER BY created_at, id LIMIT $1',
          [limit + 1],
        );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toProduct),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    };
  }

  async getProduct(id: string): Promise<Product | null> {
    const { rows } = await this.conn.pool.query<ProductRow>(
      'SELECT * FROM products WHERE id = $1',
      [id],
    );
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async countProducts(): Promise<number> {
    const { rows } = await this.conn.pool.query<{ n: number }>(
      'SELECT count(*) AS n FROM products',
    );
    return rows[0]?.n ?? 0;
  }

  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product> {
    return this.adminChange(`product with sku ${product.sku}`, audit, idempotency, async (c) => {
      await c.query(
        `INSERT INTO products (id, sku, name, description, price_amount, currency, prices, requires_shipping, stock, max_per_order, image_url, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $12)`,
        productParams(product.id, product, audit.at),
      );
      return asStoredProduct(product.id, product);
    });
  }

  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null> {
    return this.adminChange(`product with sku ${input.sku}`, audit, idempotency, async (c) => {
      const updated = await c.query(
        `UPDATE products SET sku = $2, name = $3, description = $4, price_amount = $5, currency = $6,
         prices = $7::jsonb, requires_shipping = $8, stock = $9, max_per_order = $10, image_url = $11,
         updated_at = $12 WHERE id = $1`,
        productParams(id, input, audit.at),
      );
      return updated.rowCount === 0 ? null : asStoredProduct(id, input);
    });
  }

  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(`product ${id}`, audit, idempotency, async (c) => {
      const deleted = await c.query('DELETE FROM products WHERE id = $1', [id]);
      return deleted.rowCount === 1;
    });
  }

  async listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { rows } = after
      ? await this.conn.pool.query<DiscountRow>(
          'SELECT * FROM discounts WHERE (created_at, code) > ($1, $2) ORDER BY created_at, code LIMIT $3',
          [after.at, after.id, limit + 1],
        )
      : await this.conn.pool.query<DiscountRow>(
          'SELECT * FROM discounts ORDER BY created_at, code LIMIT $1',
          [limit + 1],
        );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toDiscount),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.code }) : null,
    };
  }

  async getDiscount(code: string): Promise<Discount | null> {
    const { rows } = await this.conn.pool.query<DiscountRow>(
      'SELECT * FROM discounts WHERE code = $1',
      [code],
    );
    return rows[0] ? toDiscount(rows[0]) : null;
  }

  createDiscount(
    d: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount> {
    return this.adminChange(`discount ${d.code}`, audit, idempotency, async (c) => {
      await c.query(
        `INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit, times_used, combinable, currency, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)`,
        discountParams(d, audit.at),
      );
      return asStoredDiscount(d);
    });
  }

  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(`discount ${code}`, audit, idempotency, async (c) => {
      const deleted = await c.query('DELETE FROM discounts WHERE code = $1', [code]);
      return deleted.rowCount === 1;
    });
  }

  async seedCatalog(seed: CatalogSeed): Promise<boolean> {
    try {
      return await this.conn.transaction(async (c) => {
        const taken = async () =>
          (await c.query<{ taken: boolean }>('SELECT EXISTS (SELECT 1 FROM products) AS taken'))
            .rows[0]?.taken === true;
        // A shop with products (every start but the first) takes no lock.
        if (await taken()) return false;
        // Held to the commit: no product can be added, by an admin or by another instance
        // seeding at the same moment, between the check and the inserts. (Reads go on; a
        // change that takes stock waits.) A second seeder waits here, then finds products.
        await c.query('LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE');
        if (await taken()) return false;
        await c.query(SEED_PRODUCTS, [
          JSON.stringify(
            seed.products.map(({ product, audit }) => ({
              ...toProductColumns(product.id, product),
              at: audit.at,
            })),
          ),
        ]);
        const inserted = await c.query<{ code: string }>(SEED_DISCOUNTS, [
          JSON.stringify(
            seed.discounts.map(({ discount, audit }) => ({
              ...toDiscountColumns(discount),
              at: audit.at,
            })),
          ),
        ]);
        // A code written now gets its record (once); one that existed is left unrecorded.
        const written = new Set(inserted.rows.map((r) => r.code));
        await this.audit.append(c, [
          ...seed.products.map((p) => p.audit),
          ...seed.discounts.filter((d) => written.delete(d.discount.code)).map((d) => d.audit),
        ]);
        return true;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExistsError('a product of the seed');
      throw e;
    }
  }

  /**
   * One admin change, one transaction: its idempotency record (a key already committed
   * is WriteConflictError), then `work`, which changes the catalog and answers
   * (null/false: nothing to change, so nothing is kept, the key included), then its
   * audit record. A duplicate sku or code is AlreadyExistsError.
   */
  private async adminChange<T>(
    subject: string,
    audit: AuditEntry,
    idempotency: IdempotencyRecord | null | undefined,
    work: (c: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.conn.transaction(async (c) => {
        // The key first: one already committed (the same request, answered by another
        // process) is WriteConflictError before the change can fail on what that answer
        // did (a taken sku, a deleted id); one being committed is waited for.
        if (idempotency) await this.mutation.insertIdempotency(c, idempotency);
        const result = await work(c);
        if (result === null || result === false) {
          if (idempotency) await this.mutation.deleteIdempotency(c, idempotency.id);
          return result;
        }
        await this.audit.append(c, [audit]);
        return result;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExistsError(subject);
      throw e;
    }
  }
}
