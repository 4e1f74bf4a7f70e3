/**
 * The two ways a cart closes: merging a guest cart into another, and checkout (stock
 * reserved atomically, codes counted). A closed cart stays readable and refuses change.
 */
import { describe, expect, it } from 'vitest';
import type { Cart, CheckoutResult, Discount, Product } from '@cart/core';
import {
  addLine,
  cartPath,
  createCart,
  createDiscount,
  createProduct,
  expectCart,
  expectProblem,
  getCart,
  listAll,
  usd,
  type Harness,
  type OpenCart,
} from './harness.ts';

export function defineMergeCheckoutContract(h: Harness): void {
  const merge = (target: OpenCart, source: OpenCart, sourceToken = source.token) =>
    h.http.post(cartPath(target, '/merge'), {
      token: target.token,
      body: { sourceCartId: source.id, sourceToken },
    });
  const checkout = (cart: OpenCart) =>
    h.http.post<CheckoutResult>(cartPath(cart, '/checkout'), { token: cart.token });
  const stockOf = async (product: Product) => {
    const reply = await h.http.get<Product>(`/api/products/${product.id}`);
    expect(reply.status, reply.text).toBe(200);
    return reply.body.stock;
  };

  describe('POST /api/carts/:id/merge', () => {
    it('moves the lines of the source in, keeping the larger quantity, and closes the source', async () => {
      const a = await createProduct(h);
      const b = await createProduct(h);
      const c = await createProduct(h);
      const target = await createCart(h);
      const source = await createCart(h);
      await addLine(h, target, a.id, 2);
      await addLine(h, target, c.id, 5);
      await addLine(h, source, a.id, 4);
      await addLine(h, source, b.id, 1, { size: 'S' });
      await addLine(h, source, c.id, 3);
      const sourceBefore = await getCart(h, source);

      const merged = expectCart(await merge(target, source));
      expect(merged.version).toBe(4);
      const quantities = Object.fromEntries(merged.lines.map((l) => [l.productId, l.quantity]));
      expect(quantities).toEqual({ [a.id]: 4, [b.id]: 1, [c.id]: 5 });
      expect(merged.lines.find((l) => l.productId === b.id)?.attributes).toEqual({ size: 'S' });

      const closed = await getCart(h, source);
      expect(closed.status).toBe('merged');
      expect(closed.version).toBe(sourceBefore.version + 1);
      expectProblem(
        await h.http.post(cartPath(source, '/lines'), {
          token: source.token,
          body: { productId: a.id, quantity: 1 },
        }),
        409,
        'CART_CLOSED',
      );
      const other = await createCart(h);
      expectProblem(await merge(other, source), 409, 'CART_CLOSED');
    });

    it('answers a wrong source token or an unknown source like an unknown cart (404)', async () => {
      const target = await createCart(h);
      const source = await createCart(h);
      const stranger = await createCart(h);
      expectProblem(await merge(target, source, stranger.token), 404, 'CART_NOT_FOUND');
      expectProblem(
        await merge(target, { ...stranger, id: `${stranger.id.slice(0, -2)}zz` }),
        404,
        'CART_NOT_FOUND',
      );
      expect((await getCart(h, source)).status).toBe('active');
      expect((await getCart(h, target)).version).toBe(1);
    });

    it('refuses to merge a cart into itself (400) and validates the body', async () => {
      const cart = await createCart(h);
      expectProblem(await merge(cart, cart), 400, 'VALIDATION_FAILED');
      expectProblem(
        await h.http.post(cartPath(cart, '/merge'), {
          token: cart.token,
          body: { sourceCartId: 'a.b', sourceToken: 't' },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(
        await h.http.post(cartPath(cart, '/merge'), {
          token: cart.token,
          body: { sourceCartId: cart.id },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await getCart(h, cart)).status).toBe('active');
    });

    it('refuses the whole merge when a limit would be passed, and leaves both carts as they were', async () => {
      const scarce = await createProduct(h, { maxPerOrder: 3 });
      const target = await createCart(h);
      const source = await createCart(h);
      await addLine(h, target, scarce.id, 2, { color: 'red' });
      await addLine(h, source, scarce.id, 2, { color: 'blue' });
      expectProblem(await merge(target, source), 422, 'QUANTITY_LIMIT_EXCEEDED');
      expect((await getCart(h, source)).status).toBe('active');
      expect((await getCart(h, target)).itemCount).toBe(2);
    });
  });

  describe('POST /api/carts/:id/checkout', () => {
    it('closes the cart, answers {orderId, cart} and takes the stock', async () => {
      const product = await createProduct(h, { stock: 10 });
      const unlimited = await createProduct(h);
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 3);
      await addLine(h, cart, unlimited.id, 2);
      const reply = await checkout(cart);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.orderId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(reply.body.cart).toMatchObject({ id: cart.id, status: 'checked_out', version: 4 });
      expect(reply.headers.get('etag')).toBe('"4"');
      expect(await stockOf(product)).toBe(7);
      expect(await stockOf(unlimited)).toBeNull();

      const read = await getCart(h, cart);
      expect(read).toMatchObject({ status: 'checked_out', version: 4, itemCount: 5 });
      // Asked again (an answer lost, its key forgotten): the same order, nothing taken twice.
      const again = await checkout(cart);
      expect(again.status, again.text).toBe(200);
      expect(again.body).toMatchObject({
        orderId: reply.body.orderId,
        orderNumber: reply.body.orderNumber,
        cart: { id: cart.id, status: 'checked_out', version: 4 },
      });
      expect(await stockOf(product)).toBe(7);
      expectProblem(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'late' } }),
        409,
        'CART_CLOSED',
      );
      expectProblem(
        await h.http.delete(cartPath(cart, `/lines/${read.lines[0]?.id}`), { token: cart.token }),
        409,
        'CART_CLOSED',
      );
      expectProblem(
        await h.http.post(cartPath(cart, '/actions'), {
          token: cart.token,
          body: { actions: [{ type: 'clear' }] },
        }),
        409,
        'CART_CLOSED',
      );
      expect(await getCart(h, cart)).toMatchObject({ status: 'checked_out', version: 4 });
      expect(await stockOf(product)).toBe(7);
    });

    it('numbers orders for people: a short number, unique and increasing, kept with the order', async () => {
      const product = await createProduct(h);
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) {
        const cart = await createCart(h);
        await addLine(h, cart, product.id, 1);
        const reply = await checkout(cart);
        expect(reply.status, reply.text).toBe(200);
        expect(Number.isSafeInteger(reply.body.orderNumber)).toBe(true);
        expect(reply.body.orderNumber).toBeGreaterThan(0);
        numbers.push(reply.body.orderNumber);
        // Asked again, the order keeps its number.
        expect((await checkout(cart)).body.orderNumber).toBe(reply.body.orderNumber);
      }
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(3);
      // A checkout refused takes no number from the orders placed after it on SQLite; on
      // PostgreSQL it may leave a gap (a sequence), never a repeat.
      const empty = await createCart(h);
      expectProblem(await checkout(empty), 422, 'CART_EMPTY');
      const later = await createCart(h);
      await addLine(h, later, product.id, 1);
      const after = await checkout(later);
      expect(after.body.orderNumber).toBeGreaterThan(numbers[2] ?? Infinity);
    });

    it('refuses an empty cart with 422 CART_EMPTY', async () => {
      const cart = await createCart(h);
      expectProblem(await checkout(cart), 422, 'CART_EMPTY');
      expect(await getCart(h, cart)).toMatchObject({ status: 'active', version: 1 });
    });

    it('checks stock again at checkout: 409 OUT_OF_STOCK when it fell under the cart', async () => {
      const product = await createProduct(h, { stock: 5 });
      const cart = await createCart(h);
      const filled = await addLine(h, cart, product.id, 4);
      const put = await h.http.put(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: {
          sku: product.sku,
          name: product.name,
          description: product.description,
          price: product.price,
          stock: 3,
          maxPerOrder: product.maxPerOrder,
          imageUrl: product.imageUrl,
        },
      });
      expect(put.status, put.text).toBe(200);
      const problem = expectProblem(await checkout(cart), 409, 'OUT_OF_STOCK');
      // The line is named, so that a client can mark it.
      expect(problem.errors).toEqual([
        { path: `/lines/${filled.lines[0]?.id}`, message: 'only 3 left' },
      ]);
      expect((await getCart(h, cart)).status).toBe('active');
      expect(await stockOf(product)).toBe(3);
    });

    it('lets exactly one of two carts racing for the last unit check out', async () => {
      const product = await createProduct(h, { stock: 1 });
      const first = await createCart(h);
      const second = await createCart(h);
      await addLine(h, first, product.id, 1);
      await addLine(h, second, product.id, 1);
      const replies = await Promise.all([checkout(first), checkout(second)]);
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses, replies.map((r) => r.text).join('\n')).toEqual([200, 409]);
      const loser = replies.find((r) => r.status === 409);
      if (loser) expectProblem(loser, 409, 'OUT_OF_STOCK');
      expect(await stockOf(product)).toBe(0);
      const carts: Cart[] = [await getCart(h, first), await getCart(h, second)];
      expect(carts.map((c) => c.status).sort()).toEqual(['active', 'checked_out']);
    });

    it('counts a code with usageLimit 1 once: a second checkout with it is DISCOUNT_INVALID', async () => {
      const discount = await createDiscount(h, { usageLimit: 1 });
      const product = await createProduct(h);
      const first = await createCart(h);
      const second = await createCart(h);
      for (const cart of [first, second]) {
        await addLine(h, cart, product.id, 1);
        expectCart(
          await h.http.post(cartPath(cart, '/discounts'), {
            token: cart.token,
            body: { code: discount.code },
          }),
        );
      }
      const done = await checkout(first);
      expect(done.status, done.text).toBe(200);
      expect(done.body.cart.discountTotal).toEqual(usd(100));
      expectProblem(await checkout(second), 422, 'DISCOUNT_INVALID');
      expect((await getCart(h, second)).status).toBe('active');

      const third = await createCart(h);
      await addLine(h, third, product.id, 1);
      expectProblem(
        await h.http.post(cartPath(third, '/discounts'), {
          token: third.token,
          body: { code: discount.code },
        }),
        422,
        'DISCOUNT_INVALID',
      );
      const all = await listAll<Discount>(h, '/api/admin/discounts', h.adminToken);
      expect(all.find((d) => d.code === discount.code)?.timesUsed).toBe(1);
    });

    // A line keeps the price it was added at and a code its terms; checkout compares them
    // with the catalog and makes the shopper confirm a changed total (issue 10, finding 12).
    const setPrice = async (product: Product, amount: number) => {
      const put = await h.http.put<Product>(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: {
          sku: product.sku,
          name: product.name,
          description: product.description,
          price: usd(amount),
          stock: product.stock,
          maxPerOrder: product.maxPerOrder,
          imageUrl: product.imageUrl,
        },
      });
      expect(put.status, put.text).toBe(200);
    };
    const repriceRecords = async (cart: OpenCart) => {
      const reply = await h.http.get<{ items: { beforeVersion: number; afterVersion: number }[] }>(
        `/api/admin/audit?cartId=${cart.id}&action=cart.reprice`,
        { token: h.adminToken },
      );
      expect(reply.status, reply.text).toBe(200);
      return reply.body.items;
    };

    it('answers 409 PRICES_CHANGED with the re-priced cart when a price changed, taking nothing; the next checkout is at the new total', async () => {
      const product = await createProduct(h, { stock: 10, price: usd(1000) });
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 2);
      await setPrice(product, 1250);

      const refused = await checkout(cart);
      const problem = expectProblem(refused, 409, 'PRICES_CHANGED');
      expect(problem.detail).toContain('now costs $12.50 (was $10.00)');
      const repriced = problem.cart as Cart;
      expect(repriced).toMatchObject({ id: cart.id, status: 'active', version: 3 });
      expect(repriced.lines.map((l) => l.unitPrice)).toEqual([usd(1250)]);
      expect(repriced.subtotal).toEqual(usd(2500));
      expect(refused.headers.get('etag')).toBe('"3"');
      expect(await getCart(h, cart)).toEqual(repriced);
      expect(await stockOf(product)).toBe(10);
      expect(await repriceRecords(cart)).toMatchObject([{ beforeVersion: 2, afterVersion: 3 }]);

      const done = await checkout(cart);
      expect(done.status, done.text).toBe(200);
      expect(done.body.cart).toMatchObject({ status: 'checked_out', version: 4 });
      expect(done.body.cart.subtotal).toEqual(usd(2500));
      expect(done.body.cart.total).toEqual(repriced.total);
      expect(await stockOf(product)).toBe(8);
    });

    it("answers 409 PRICES_CHANGED when an applied code's value changed, with the code's new terms", async () => {
      const discount = await createDiscount(h, { value: 1000, usageLimit: 5 });
      const product = await createProduct(h, { price: usd(1000) });
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 2);
      const applied = expectCart(
        await h.http.post(cartPath(cart, '/discounts'), {
          token: cart.token,
          body: { code: discount.code },
        }),
      );
      expect(applied.discountTotal).toEqual(usd(200));
      // Codes have no edit: the admin replaces one by deleting and creating it again.
      const removed = await h.http.delete(`/api/admin/discounts/${discount.code}`, {
        token: h.adminToken,
      });
      expect(removed.status, removed.text).toBe(204);
      await createDiscount(h, { code: discount.code, value: 2500, usageLimit: 5 });

      const refused = await checkout(cart);
      const problem = expectProblem(refused, 409, 'PRICES_CHANGED');
      expect(problem.detail).toContain(`The code ${discount.code} now takes 25% off (was 10% off)`);
      const repriced = problem.cart as Cart;
      expect(repriced.version).toBe(applied.version + 1);
      expect(repriced.discounts).toMatchObject([{ code: discount.code, value: 2500 }]);
      expect(repriced.discountTotal).toEqual(usd(500));
      expect((await getCart(h, cart)).discountTotal).toEqual(usd(500));
      let all = await listAll<Discount>(h, '/api/admin/discounts', h.adminToken);
      expect(all.find((d) => d.code === discount.code)?.timesUsed).toBe(0);

      const done = await checkout(cart);
      expect(done.status, done.text).toBe(200);
      expect(done.body.cart.discountTotal).toEqual(usd(500));
      expect(done.body.cart.total).toEqual(repriced.total);
      all = await listAll<Discount>(h, '/api/admin/discounts', h.adminToken);
      expect(all.find((d) => d.code === discount.code)?.timesUsed).toBe(1);
    });

    it('checks out as before when nothing that prices the cart changed (a new name alone does not count)', async () => {
      const product = await createProduct(h, { stock: 5, price: usd(1000) });
      const discount = await createDiscount(h);
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 1);
      expectCart(
        await h.http.post(cartPath(cart, '/discounts'), {
          token: cart.token,
          body: { code: discount.code },
        }),
      );
      const renamed = await h.http.put(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: {
          sku: product.sku,
          name: `${product.name} (new)`,
          description: product.description,
          price: product.price,
          stock: product.stock,
          maxPerOrder: product.maxPerOrder,
          imageUrl: product.imageUrl,
        },
      });
      expect(renamed.status, renamed.text).toBe(200);
      const done = await checkout(cart);
      expect(done.status, done.text).toBe(200);
      expect(done.body.cart).toMatchObject({ status: 'checked_out', version: 4 });
      expect(done.body.cart.total).toEqual(usd(900));
      expect(await stockOf(product)).toBe(4);
      expect(await repriceRecords(cart)).toEqual([]);
    });
  });
}
