/**
 * Over 400 lines: one contract, run as a whole on each adapter; its cases share the
 * fixtures and the opened storage of one describe block.
 *
 * The catalog as the admin API changes it: products and codes kept exactly, unique skus
 * and codes, keyset paging in creation order, and every change one transaction with its
 * audit record and, when the request carried an Idempotency-Key, its idempotency record.
 */
import { describe, expect, it } from 'vitest';
import type { Product, ProductInput } from '@cart/core';
import { encodeCursor } from '../../src/storage/cursor.ts';
import {
  AlreadyExistsError,
  WriteConflictError,
  type IdempotencyRecord,
  type Storage,
} from '../../src/storage/port.ts';
import type { OpenedStorage } from './storage-contract.ts';
import {
  AT,
  LATER,
  auditHead,
  discountInput,
  entry,
  idempotencyRecord,
  keepIdempotency,
  productFixture,
} from './fixtures.ts';

const inputOf = ({ id: _, ...input }: Product): ProductInput => input;

/** Every page of a listing, followed from the first by its cursors. */
async function followPages<T>(
  list: (
    limit: number,
    cursor: string | null,
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
  limit: number,
): Promise<T[]> {
  const seen: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await list(limit, cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return seen;
}

/**
 * Creation instants after everything else the suite writes (so these rows list last),
 * two of them equal, so that ties are broken by the key.
 */
const PAGING_TIMES = [
  '2090-01-01T00:00:00.001Z',
  '2090-01-01T00:00:00.002Z',
  '2090-01-01T00:00:00.002Z',
  '2090-01-01T00:00:00.003Z',
  '2090-01-01T00:00:00.004Z',
];

/**
 * Keys in listing order: by creation instant, then by key, comparing bytes. Instants and
 * keys are ASCII of fixed length here, so sorting "<at> <key>" as strings is that order.
 */
const listingOrder = (rows: { at: string; key: string }[]): string[] =>
  rows
    .map(({ at, key }) => `${at} ${key}`)
    .sort()
    .map((k) => k.slice(k.indexOf(' ') + 1));

/** One admin change and what it changes, for the idempotency cases. */
interface AdminChange {
  run(idempotency: IdempotencyRecord): Promise<unknown>;
  /** What the change alters: equal before and after a change that was rolled back. */
  state(): Promise<unknown>;
}

const ADMIN_CHANGES: [string, (s: Storage) => Promise<AdminChange>][] = [
  [
    'createProduct',
    (s) => {
      const p = productFixture();
      return Promise.resolve({
        run: (rec) => s.createProduct(p, entry('admin.product.create'), rec),
        state: () => s.getProduct(p.id),
      });
    },
  ],
  [
    'updateProduct',
    async (s) => {
      const p = productFixture();
      await s.createProduct(p, entry('admin.product.create'));
      return {
        run: (rec) =>
          s.updateProduct(
            p.id,
            { ...inputOf(p), name: 'Renamed' },
            entry('admin.product.update'),
            rec,
          ),
        state: () => s.getProduct(p.id),
      };
    },
  ],
  [
    'deleteProduct',
    async (s) => {
      const p = productFixture();
      await s.createProduct(p, entry('admin.product.create'));
      return {
        run: (rec) => s.deleteProduct(p.id, entry('admin.product.delete'), rec),
        state: () => s.getProduct(p.id),
      };
    },
  ],
  [
    'createDiscount',
    (s) => {
      const d = discountInput();
      return Promise.resolve({
        run: (rec) => s.createDiscount(d, entry('admin.discount.create'), rec),
        state: () => s.getDiscount(d.code),
      });
    },
  ],
  [
    'deleteDiscount',
    async (s) => {
      const d = discountInput();
      await s.createDiscount(d, entry('admin.discount.create'));
      return {
        run: (rec) => s.deleteDiscount(d.code, entry('admin.discount.delete'), rec),
        state: () => s.getDiscount(d.code),
      };
    },
  ],
];

export function defineCatalogContract(subject: OpenedStorage): void {
  describe('products', () => {
    it('keeps a product exactly: amounts past 32 bits, stock, limit, image', async () => {
      const { storage, reopen } = await subject();
      const p = productFixture({
        name: 'Grinder ✓ ünïcödé',
        description: 'tab\tand newline\n',
        price: { amount: 10_000_000_000, currency: 'USD' },
        stock: 7,
        maxPerOrder: 3,
        imageUrl: 'https://example.com/m.png',
      });
      const audit = entry('admin.product.create', null, { productId: p.id });
      await expect(storage.createProduct(p, audit)).resolves.toEqual(p);
      expect(await storage.getProduct(p.id)).toEqual(p);
      expect(await storage.getProduct('missing')).toBeNull();
      expect(await storage.listAudit({ limit: 1 })).toMatchObject([
        { action: 'admin.product.create', detail: { productId: p.id } },
      ]);
      const other = await reopen();
      try {
        expect(await other.getProduct(p.id)).toEqual(p);
      } finally {
        await other.close();
      }
    });

    it('refuses a second product with a taken sku or id, and writes nothing', async () => {
      const { storage } = await subject();
      const p = productFixture();
      await storage.createProduct(p, entry('admin.product.create'));
      const count = await storage.countProducts();
      const head = await auditHead(storage);
      await expect(
        storage.createProduct({ ...productFixture(), sku: p.sku }, entry('admin.product.create')),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(
        storage.createProduct({ ...productFixture(), id: p.id }, entry('admin.product.create')),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await storage.countProducts()).toBe(count);
      expect(await auditHead(storage)).toBe(head);
      expect(await storage.getProduct(p.id)).toEqual(p);
    });

    it('replaces a product; a taken sku is AlreadyExistsError; a missing id is null', async () => {
      const { storage } = await subject();
      const p = productFixture({ stock: 3 });
      const other = productFixture();
      await storage.createProduct(p, entry('admin.product.create'));
      await storage.createProduct(other, entry('admin.product.create'));
      const head = await auditHead(storage);

      const input: ProductInput = {
        ...inputOf(p),
        name: 'Renamed',
        price: { amount: 2500, currency: 'USD' },
        prices: [{ amount: 2500, currency: 'USD' }],
        stock: null,
        maxPerOrder: 1,
      };
      const update = entry('admin.product.update', null, { productId: p.id });
      expect(await storage.updateProduct(p.id, input, update)).toEqual({ id: p.id, ...input });
      expect(await storage.getProduct(p.id)).toEqual({ id: p.id, ...input });

      await expect(
        storage.updateProduct(
          other.id,
          { ...inputOf(other), sku: p.sku },
          entry('admin.product.update'),
        ),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await storage.getProduct(other.id)).toEqual(other);
      expect(
        await storage.updateProduct('missing', inputOf(other), entry('admin.product.update')),
      ).toBeNull();
      // The update is recorded; the refusal and the miss are not.
      expect(await auditHead(storage)).toBe(head + 1);
      expect(await storage.listAudit({ limit: 1 })).toMatchObject([
        { action: 'admin.product.update', detail: { productId: p.id } },
      ]);
    });

    it('deletes a product once; a missing one is false and recorded nowhere', async () => {
      const { storage } = await subject();
      const p = productFixture();
      await storage.createProduct(p, entry('admin.product.create'));
      const count = await storage.countProducts();
      const head = await auditHead(storage);
      expect(await storage.deleteProduct(p.id, entry('admin.product.delete'))).toBe(true);
      expect(await storage.getProduct(p.id)).toBeNull();
      expect(await storage.countProducts()).toBe(count - 1);
      expect(await storage.deleteProduct(p.id, entry('admin.product.delete'))).toBe(false);
      expect(await auditHead(storage)).toBe(head + 1);
    });

    it('passes on a row the database refuses as what it is, not as AlreadyExistsError', async () => {
      const { storage } = await subject();
      const head = await auditHead(storage);
      const bad = productFixture({ price: { amount: -1, currency: 'USD' } });
      const error = await storage
        .createProduct(bad, entry('admin.product.create'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(AlreadyExistsError);
      expect(await storage.getProduct(bad.id)).toBeNull();
      expect(await auditHead(storage)).toBe(head);
    });

    it('pages in creation order, then by id, with cursors to the end', async () => {
      const { storage } = await subject();
      const mine = PAGING_TIMES.map((at) => ({ at, p: productFixture() }));
      for (const { at, p } of mine) {
        await storage.createProduct(p, { ...entry('admin.product.create'), at });
      }
      const expected = listingOrder(mine.map(({ at, p }) => ({ at, key: p.id })));

      const all = (await storage.listProducts(1000, null)).items.map((p) => p.id);
      expect(all).toHaveLength(await storage.countProducts());
      expect(all.slice(-mine.length)).toEqual(expected);
      for (const limit of [1, 2, 3]) {
        expect(
          (await followPages((l, c) => storage.listProducts(l, c), limit)).map((p) => p.id),
        ).toEqual(all);
      }

      // A page that ends exactly at the last product has no next page.
      expect((await storage.listProducts(all.length, null)).nextCursor).toBeNull();
      const short = await storage.listProducts(all.length - 1, null);
      expect(short.nextCursor).not.toBeNull();
      expect(await storage.listProducts(5, short.nextCursor)).toMatchObject({
        items: [{ id: expected.at(-1) }],
        nextCursor: null,
      });
      // After the second of two products created at the same instant: the id breaks the tie.
      const tie = encodeCursor({ at: PAGING_TIMES[2] as string, id: expected[2] as string });
      expect((await storage.listProducts(10, tie)).items.map((p) => p.id)).toEqual(
        expected.slice(3),
      );
      // After the last product: an empty last page.
      const end = encodeCursor({ at: PAGING_TIMES[4] as string, id: expected[4] as string });
      expect(await storage.listProducts(10, end)).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('discounts', () => {
    it('keeps a code exactly, and refuses the same code twice', async () => {
      const { storage } = await subject();
      const fixed = discountInput({
        kind: 'fixed',
        value: 500,
        minSubtotal: 2000,
        startsAt: AT,
        endsAt: LATER,
        usageLimit: 3,
        combinable: false,
        currency: 'USD',
      });
      const percent = discountInput({ value: 2500 });
      await expect(
        storage.createDiscount(fixed, entry('admin.discount.create', null, { code: fixed.code })),
      ).resolves.toEqual({ ...fixed, timesUsed: 0 });
      await storage.createDiscount(percent, entry('admin.discount.create'));
      expect(await storage.getDiscount(fixed.code)).toEqual({ ...fixed, timesUsed: 0 });
      expect(await storage.getDiscount(percent.code)).toEqual({ ...percent, timesUsed: 0 });
      expect(await storage.getDiscount('MISSING')).toBeNull();

      const head = await auditHead(storage);
      await expect(
        storage.createDiscount({ ...percent, code: fixed.code }, entry('admin.discount.create')),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await storage.getDiscount(fixed.code)).toEqual({ ...fixed, timesUsed: 0 });
      expect(await auditHead(storage)).toBe(head);
    });

    it('deletes a code once; a missing one is false and recorded nowhere', async () => {
      const { storage } = await subject();
      const d = discountInput();
      await storage.createDiscount(d, entry('admin.discount.create'));
      const head = await auditHead(storage);
      expect(await storage.deleteDiscount(d.code, entry('admin.discount.delete'))).toBe(true);
      expect(await storage.getDiscount(d.code)).toBeNull();
      expect(await storage.deleteDiscount(d.code, entry('admin.discount.delete'))).toBe(false);
      expect(await auditHead(storage)).toBe(head + 1);
      expect(await storage.listAudit({ limit: 1 })).toMatchObject([
        { action: 'admin.discount.delete' },
      ]);
    });

    it('pages in creation order, then by code, with cursors to the end', async () => {
      const { storage } = await subject();
      const mine = PAGING_TIMES.map((at) => ({ at, d: discountInput() }));
      for (const { at, d } of mine) {
        await storage.createDiscount(d, { ...entry('admin.discount.create'), at });
      }
      const expected = listingOrder(mine.map(({ at, d }) => ({ at, key: d.code })));

      const all = (await storage.listDiscounts(1000, null)).items.map((d) => d.code);
      expect(all.slice(-mine.length)).toEqual(expected);
      for (const limit of [1, 2, 3]) {
        expect(
          (await followPages((l, c) => storage.listDiscounts(l, c), limit)).map((d) => d.code),
        ).toEqual(all);
      }
      expect((await storage.listDiscounts(all.length, null)).nextCursor).toBeNull();
      const tie = encodeCursor({ at: PAGING_TIMES[2] as string, id: expected[2] as string });
      expect((await storage.listDiscounts(10, tie)).items.map((d) => d.code)).toEqual(
        expected.slice(3),
      );
      const end = encodeCursor({ at: PAGING_TIMES[4] as string, id: expected[4] as string });
      expect(await storage.listDiscounts(10, end)).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('admin changes with an Idempotency-Key', () => {
    it.each(ADMIN_CHANGES)(
      '%s writes the idempotency record with the change and its audit record',
      async (_, prepare) => {
        const { storage } = await subject();
        const change = await prepare(storage);
        const before = await change.state();
        const head = await auditHead(storage);
        const rec = idempotencyRecord();
        await change.run(rec);
        expect(await change.state()).not.toEqual(before);
        expect(await storage.getIdempotency(rec.id)).toEqual(rec);
        expect(await auditHead(storage)).toBe(head + 1);
      },
    );

    it.each(ADMIN_CHANGES)(
      '%s is rolled back whole when its idempotency record is already taken',
      async (_, prepare) => {
        const { storage } = await subject();
        const change = await prepare(storage);
        const taken = idempotencyRecord();
        await keepIdempotency(storage, taken);
        const before = await change.state();
        const head = await auditHead(storage);
        const error = await change.run({ ...taken, fingerprint: 'other' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteConflictError);
        expect(error).toMatchObject({ reason: 'idempotency', subject: taken.id });
        expect(await change.state()).toEqual(before);
        expect(await auditHead(storage)).toBe(head);
        expect(await storage.getIdempotency(taken.id)).toEqual(taken);
      },
    );

    it('answers a key already committed before the change can fail: the loser of a race replays', async () => {
      // The same request, already answered elsewhere: its sku is taken and its id gone
      // because of that very answer. The caller must learn of the key, not of those.
      const { storage } = await subject();
      const p = productFixture();
      const d = discountInput();
      await storage.createProduct(p, entry('admin.product.create'));
      await storage.createDiscount(d, entry('admin.discount.create'));
      const taken = idempotencyRecord();
      await keepIdempotency(storage, taken);
      const head = await auditHead(storage);
      const attempts = [
        () => storage.createProduct({ ...productFixture(), sku: p.sku }, entry('x'), taken),
        () => storage.updateProduct('missing', inputOf(p), entry('x'), taken),
        () => storage.deleteProduct('missing', entry('x'), taken),
        () => storage.createDiscount(d, entry('x'), taken),
        () => storage.deleteDiscount('MISSING', entry('x'), taken),
      ];
      for (const attempt of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteConflictError);
        expect(error).toMatchObject({ reason: 'idempotency', subject: taken.id });
      }
      expect(await auditHead(storage)).toBe(head);
    });

    it('keeps no idempotency record for a miss or a refusal', async () => {
      const { storage } = await subject();
      const p = productFixture();
      await storage.createProduct(p, entry('admin.product.create'));
      const head = await auditHead(storage);
      const recs = [1, 2, 3, 4].map(() => idempotencyRecord());
      const [a, b, c, d] = recs as [
        IdempotencyRecord,
        IdempotencyRecord,
        IdempotencyRecord,
        IdempotencyRecord,
      ];
      expect(
        await storage.updateProduct('missing', inputOf(p), entry('admin.product.update'), a),
      ).toBeNull();
      expect(await storage.deleteProduct('missing', entry('admin.product.delete'), b)).toBe(false);
      expect(await storage.deleteDiscount('MISSING', entry('admin.discount.delete'), c)).toBe(
        false,
      );
      await expect(
        storage.createProduct(
          { ...productFixture(), sku: p.sku },
          entry('admin.product.create'),
          d,
        ),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      for (const rec of recs) expect(await storage.getIdempotency(rec.id)).toBeNull();
      expect(await auditHead(storage)).toBe(head);
    });
  });
}
