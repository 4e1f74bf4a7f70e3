/**
 * Lines: adding (and merging), setting quantities, removing, and every limit a line is
 * held to: product existence, quantity per line, maxPerOrder, stock, lines per cart,
 * attribute bounds. Prices always come from the catalog.
 */
import { describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import {
  addLine,
  cartPath,
  createCart,
  createProduct,
  expectCart,
  expectInvalidAt,
  expectInvalidField,
  expectProblem,
  getCart,
  productInput,
  unique,
  usd,
  type Harness,
} from './harness.ts';

export function defineLinesContract(h: Harness): void {
  describe('POST /api/carts/:id/lines', () => {
    it('adds a line priced from the catalog and answers the whole cart', async () => {
      const product = await createProduct(h, { price: usd(1250) });
      const cart = await createCart(h);
      const reply = await h.http.post(cartPath(cart, '/lines'), {
        token: cart.token,
        body: { productId: product.id, quantity: 3, attributes: { size: 'M' } },
      });
      const updated = expectCart(reply);
      expect(updated.version).toBe(2);
      expect(updated.lines).toHaveLength(1);
      expect(updated.lines[0]).toMatchObject({
        productId: product.id,
        sku: product.sku,
        name: product.name,
        quantity: 3,
        unitPrice: usd(1250),
        attributes: { size: 'M' },
        discountTotal: usd(0),
        total: usd(3750),
      });
      expect(updated).toMatchObject({ itemCount: 3, subtotal: usd(3750) });
      expect(updated.total.amount).toBe(
        updated.subtotal.amount - updated.discountTotal.amount + updated.taxTotal.amount,
      );
    });

    it('merges the same product and attributes (in any key order) into one line', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 1, { color: 'red', size: 'M' });
      const merged = await addLine(h, cart, product.id, 2, { size: 'M', color: 'red' });
      expect(merged.lines).toHaveLength(1);
      expect(merged.lines[0]?.quantity).toBe(3);
      expect(merged.version).toBe(3);

      const other = await addLine(h, cart, product.id, 1, { size: 'L', color: 'red' });
      expect(other.lines).toHaveLength(2);
      const plain = await addLine(h, cart, product.id, 1);
      expect(plain.lines).toHaveLength(3);
      const plainAgain = await addLine(h, cart, product.id, 4, {});
      expect(plainAgain.lines).toHaveLength(3);
      expect(plainAgain.lines.find((l) => Object.keys(l.attributes).length === 0)?.quantity).toBe(
        5,
      );
      expect(plainAgain.itemCount).toBe(9);
    });

    it('refuses an unknown product with 422 PRODUCT_NOT_FOUND', async () => {
      const cart = await createCart(h);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: unique('missing'), quantity: 1 },
        }),
        422,
        'PRODUCT_NOT_FOUND',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });

    it('validates the quantity: a whole number from 1 to 1000000, never coerced', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const post = (quantity: unknown) =>
        h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity },
        });
      for (const bad of [0, -1, 1.5, 1_000_001, '2', null, true]) {
        expectInvalidAt(await post(bad), '/quantity');
      }
      expectInvalidField(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id },
        }),
        'quantity',
      );
      expectInvalidAt(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: 7, quantity: 1 },
        }),
        '/productId',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });

    it('never takes a price, a version or any other unknown field from the client', async () => {
      const product = await createProduct(h, { price: usd(1000) });
      const cart = await createCart(h);
      const extras: Record<string, unknown> = {
        price: 1,
        unitPrice: usd(1),
        version: 99,
        status: 'checked_out',
        total: usd(0),
      };
      for (const [field, value] of Object.entries(extras)) {
        expectInvalidField(
          await h.http.post(cartPath(cart, '/lines'), {
            token: cart.token,
            body: { productId: product.id, quantity: 1, [field]: value },
          }),
          field,
        );
      }
      expect(await getCart(h, cart)).toMatchObject({ version: 1, lines: [] });
    });

    it('holds attributes to 20 entries, keys of 64 and values of 256 characters, strings only', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const post = (attributes: unknown) =>
        h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1, attributes },
        });
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
      expectInvalidField(await post(many), 'attributes');
      expectInvalidField(await post({ ['k'.repeat(65)]: 'v' }), 'attributes');
      expectInvalidField(await post({ engraving: 'v'.repeat(257) }), 'attributes');
      expectInvalidField(await post({ size: 1 }), 'attributes');
      expect((await getCart(h, cart)).version).toBe(1);

      const ok = Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(256)]),
      );
      const added = expectCart(await post(ok));
      expect(Object.keys(added.lines[0]?.attributes ?? {})).toHaveLength(20);
    });

    it('refuses more than 999 of one line (QUANTITY_LIMIT_EXCEEDED), never clamps', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1000 },
        }),
        422,
        'QUANTITY_LIMIT_EXCEEDED',
      );
      const full = await addLine(h, cart, product.id, 999);
      expect(full.lines[0]?.quantity).toBe(999);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1 },
        }),
        422,
        'QUANTITY_LIMIT_EXCEEDED',
      );
      const read = await getCart(h, cart);
      expect(read.lines[0]?.quantity).toBe(999);
      expect(read.version).toBe(2);
    });

    it("holds a product's maxPerOrder across all its lines", async () => {
      const product = await createProduct(h, { maxPerOrder: 3 });
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 2, { color: 'red' });
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 2, attributes: { color: 'blue' } },
        }),
        422,
        'QUANTITY_LIMIT_EXCEEDED',
      );
      const ok = await addLine(h, cart, product.id, 1, { color: 'blue' });
      expect(ok.itemCount).toBe(3);
      const red = ok.lines.find((l) => l.attributes.color === 'red');
      expectProblem(
        await h.http.patch(cartPath(cart, `/lines/${red?.id}`), {
          token: cart.token,
          body: { quantity: 3 },
        }),
        422,
        'QUANTITY_LIMIT_EXCEEDED',
      );
    });

    it('refuses more than the stock holds with 409 OUT_OF_STOCK', async () => {
      const product = await createProduct(h, { stock: 5 });
      const cart = await createCart(h);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 6 },
        }),
        409,
        'OUT_OF_STOCK',
      );
      const all = await addLine(h, cart, product.id, 5);
      expect(all.lines[0]?.quantity).toBe(5);
      expectProblem(
        await h.http.patch(cartPath(cart, `/lines/${all.lines[0]?.id}`), {
          token: cart.token,
          body: { quantity: 6 },
        }),
        409,
        'OUT_OF_STOCK',
      );
      const sold = await createProduct(h, { stock: 0 });
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: sold.id, quantity: 1 },
        }),
        409,
        'OUT_OF_STOCK',
      );
      // Stock falls under what the cart holds: fewer is always allowed.
      const put = await h.http.put(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: { ...productInput({ sku: product.sku, name: product.name }), stock: 2 },
      });
      expect(put.status, put.text).toBe(200);
      const fewer = expectCart(
        await h.http.patch(cartPath(cart, `/lines/${all.lines[0]?.id}`), {
          token: cart.token,
          body: { quantity: 4 },
        }),
      );
      expect(fewer.lines[0]?.quantity).toBe(4);
    });

    it('refuses a 101st line with 422 CART_LIMIT_EXCEEDED', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const actions = Array.from({ length: 100 }, (_, i) => ({
        type: 'addLine',
        productId: product.id,
        quantity: 1,
        attributes: { n: String(i) },
      }));
      const full = expectCart(
        await h.http.post(cartPath(cart, '/actions'), { token: cart.token, body: { actions } }),
      );
      expect(full.lines).toHaveLength(100);
      expect(full.version).toBe(2);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1, attributes: { n: '100' } },
        }),
        422,
        'CART_LIMIT_EXCEEDED',
      );
      // More of a line already there is not a new line.
      const more = await addLine(h, cart, product.id, 1, { n: '7' });
      expect(more.lines).toHaveLength(100);
      expect(more.itemCount).toBe(101);
    });

    it('keeps the price a line was added at until more of it is added', async () => {
      const product = await createProduct(h, { price: usd(1000) });
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 1);
      const put = await h.http.put(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: productInput({ sku: product.sku, name: product.name, price: usd(1500) }),
      });
      expect(put.status, put.text).toBe(200);
      expect((await getCart(h, cart)).lines[0]?.unitPrice).toEqual(usd(1000));
      const more = await addLine(h, cart, product.id, 1);
      expect(more.lines[0]?.unitPrice).toEqual(usd(1500));
      expect(more.subtotal).toEqual(usd(3000));
    });
  });

  describe('PATCH /api/carts/:id/lines/:lineId', () => {
    it('sets the quantity, and 0 removes the line', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const added = await addLine(h, cart, product.id, 2);
      const lineId = added.lines[0]?.id ?? '';
      const set = expectCart(
        await h.http.patch(cartPath(cart, `/lines/${lineId}`), {
          token: cart.token,
          body: { quantity: 7 },
        }),
      );
      expect(set).toMatchObject({ version: 3, itemCount: 7 });
      expect(set.lines[0]).toMatchObject({ id: lineId, quantity: 7 });
      const removed = expectCart(
        await h.http.patch(cartPath(cart, `/lines/${lineId}`), {
          token: cart.token,
          body: { quantity: 0 },
        }),
      );
      expect(removed).toMatchObject({ version: 4, lines: [], itemCount: 0 });
    });

    it('validates the quantity and the line', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const added = await addLine(h, cart, product.id, 2);
      const path = cartPath(cart, `/lines/${added.lines[0]?.id}`);
      for (const bad of [-1, 2.5, '3', null]) {
        expectInvalidAt(
          await h.http.patch(path, { token: cart.token, body: { quantity: bad } }),
          '/quantity',
        );
      }
      expectInvalidField(
        await h.http.patch(path, { token: cart.token, body: { quantity: 1, unitPrice: usd(1) } }),
        'unitPrice',
      );
      expectProblem(
        await h.http.patch(cartPath(cart, `/lines/${unique('line')}`), {
          token: cart.token,
          body: { quantity: 1 },
        }),
        404,
        'LINE_NOT_FOUND',
      );
      expectProblem(
        await h.http.patch(cartPath(cart, '/lines/bad.id'), {
          token: cart.token,
          body: { quantity: 1 },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await getCart(h, cart)).version).toBe(2);
    });
  });

  describe('DELETE /api/carts/:id/lines/:lineId', () => {
    it('removes the line and answers the cart; a second delete is LINE_NOT_FOUND', async () => {
      const product = await createProduct(h);
      const keep = await createProduct(h);
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 2);
      const two: Cart = await addLine(h, cart, keep.id, 1);
      const lineId = two.lines.find((l) => l.productId === product.id)?.id ?? '';
      const reply = await h.http.delete(cartPath(cart, `/lines/${lineId}`), { token: cart.token });
      const after = expectCart(reply);
      expect(after.version).toBe(4);
      expect(after.lines.map((l) => l.productId)).toEqual([keep.id]);
      expectProblem(
        await h.http.delete(cartPath(cart, `/lines/${lineId}`), { token: cart.token }),
        404,
        'LINE_NOT_FOUND',
      );
      expect((await getCart(h, cart)).version).toBe(4);
    });

    it('leaves a line of a product that left the catalog readable and removable', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const added = await addLine(h, cart, product.id, 1);
      const del = await h.http.delete(`/api/admin/products/${product.id}`, { token: h.adminToken });
      expect(del.status, del.text).toBe(204);
      expect((await getCart(h, cart)).lines).toHaveLength(1);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1 },
        }),
        422,
        'PRODUCT_NOT_FOUND',
      );
      const removed = expectCart(
        await h.http.delete(cartPath(cart, `/lines/${added.lines[0]?.id}`), { token: cart.token }),
      );
      expect(removed.lines).toEqual([]);
    });
  });
}
