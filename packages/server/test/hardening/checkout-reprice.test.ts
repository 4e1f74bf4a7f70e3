/**
 * Issue 10, finding 12: checkout never re-priced. A line kept the price it was added at
 * and a code the terms it was applied with, and a cart lives as long as it is touched,
 * so a mispriced item checked out at the wrong price long after the catalog was fixed.
 * Now checkout compares both with the catalog, in its transaction; when either changed
 * it takes nothing, writes the re-priced cart and answers 409 PRICES_CHANGED with it.
 *
 * The real application on a real socket over SQLite (the contract suite runs the main
 * cases on PostgreSQL too: merge-checkout-contract.ts); the database file is read
 * directly to see that no order and no usage event came of a refusal.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, CheckoutResult, Product } from '@cart/core';
import {
  addLine,
  cartPath,
  createCart,
  createDiscount,
  createProduct,
  expectCart,
  expectProblem,
  getCart,
  usd,
  type Harness,
  type OpenCart,
} from '../contract/harness.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

let server: TestServer;
let db: Database.Database;
const h: Harness = {
  get url() {
    return server.url;
  },
  get http() {
    return new HttpClient(server.url);
  },
  get adminToken() {
    return server.adminToken;
  },
};

beforeAll(async () => {
  server = await startTestServer();
  db = new Database(server.databasePath, { readonly: true, fileMustExist: true });
});
afterAll(async () => {
  db.close();
  await server.close();
});

const checkout = (cart: OpenCart, headers: Record<string, string> = {}) =>
  h.http.post<CheckoutResult>(cartPath(cart, '/checkout'), { token: cart.token, headers });

async function updateProduct(product: Product, change: Partial<Product>): Promise<void> {
  // Without `prices` the product is sold in the currency of its (new) price only: the
  // prices it was answered with would contradict a new price, or keep it sold in dollars.
  const { id: _id, prices: _prices, ...input } = { ...product, ...change };
  const put = await h.http.put(`/api/admin/products/${product.id}`, {
    token: h.adminToken,
    body: input,
  });
  expect(put.status, put.text).toBe(200);
}

const count = (sql: string, cartId: string) => (db.prepare(sql).get(cartId) as { n: number }).n;
const ordersOf = (cart: OpenCart) =>
  count('SELECT COUNT(*) AS n FROM orders WHERE cart_id = ?', cart.id);
const eventsOf = (cart: OpenCart) =>
  count('SELECT COUNT(*) AS n FROM analytics_events WHERE cart_id = ?', cart.id);
const stockOf = async (product: Product) =>
  (await h.http.get<Product>(`/api/products/${product.id}`)).body.stock;

async function auditOf(cart: OpenCart, action: string) {
  const reply = await h.http.get<{
    items: { action: string; beforeVersion: number; afterVersion: number; detail: unknown }[];
  }>(`/api/admin/audit?cartId=${cart.id}&action=${action}`, { token: h.adminToken });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items;
}

describe('checkout re-prices the cart (issue 10, finding 12)', () => {
  it('refuses a cart priced before a correction: 409 with the re-priced cart, no order, no stock, no usage events', async () => {
    const mispriced = await createProduct(h, { price: usd(100), stock: 50 }); // meant $100.00
    const fine = await createProduct(h, { price: usd(500) });
    const cart = await createCart(h);
    await addLine(h, cart, mispriced.id, 3);
    await addLine(h, cart, fine.id, 1);
    await updateProduct(mispriced, { price: usd(10_000) });
    const events = eventsOf(cart);

    const refused = await checkout(cart);
    const problem = expectProblem(refused, 409, 'PRICES_CHANGED');
    expect(problem.detail).toBe(`${mispriced.name} now costs $100.00 (was $1.00).`);
    const repriced = problem.cart as Cart;
    expect(repriced).toMatchObject({ status: 'active', version: 4, itemCount: 4 });
    expect(repriced.lines.map((l) => l.unitPrice.amount)).toEqual([10_000, 500]);
    expect(repriced.total).toEqual(usd(30_500));
    expect(refused.headers.get('etag')).toBe('"4"');
    expect(await getCart(h, cart)).toEqual(repriced);

    expect(ordersOf(cart)).toBe(0);
    expect(await stockOf(mispriced)).toBe(50);
    expect(eventsOf(cart)).toBe(events);
    const [record] = await auditOf(cart, 'cart.reprice');
    expect(record).toMatchObject({
      beforeVersion: 3,
      afterVersion: 4,
      detail: {
        lines: [{ productId: mispriced.id, from: 100, to: 10_000 }],
        discounts: [],
        totalBefore: 800,
        totalAfter: 30_500,
        currency: 'USD',
      },
    });

    // Confirming (checking out again) places the order at the total shown.
    const done = await checkout(cart, { 'if-match': '"4"' });
    expect(done.status, done.text).toBe(200);
    expect(done.body.cart.total).toEqual(usd(30_500));
    expect(ordersOf(cart)).toBe(1);
    expect(await stockOf(mispriced)).toBe(47);
  });

  it('re-prices a price that went down too, and names at most three lines in the detail', async () => {
    const products = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => createProduct(h, { price: usd(1000 * i) })),
    );
    const cart = await createCart(h);
    for (const p of products) await addLine(h, cart, p.id, 1);
    for (const p of products) await updateProduct(p, { price: usd(p.price.amount - 100) });

    const problem = expectProblem(await checkout(cart), 409, 'PRICES_CHANGED');
    expect(problem.detail).toContain(`${products[0]?.name} now costs $9.00 (was $10.00).`);
    expect(problem.detail).toContain('2 more items have new prices.');
    expect(problem.detail).not.toContain(products[3]?.name as string);
    expect(problem.cart?.subtotal).toEqual(usd(15_000 - 500));
  });

  it('stores the refusal under its Idempotency-Key: the same key replays it, a new key confirms', async () => {
    const product = await createProduct(h, { price: usd(2000), stock: 5 });
    const cart = await createCart(h);
    await addLine(h, cart, product.id, 1);
    await updateProduct(product, { price: usd(2500) });
    const key = randomUUID();

    const first = await checkout(cart, { 'idempotency-key': key });
    expectProblem(first, 409, 'PRICES_CHANGED');
    const again = await checkout(cart, { 'idempotency-key': key });
    expect(again.status, again.text).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.body).toEqual(first.body);
    // The replay re-priced nothing a second time and placed no order.
    expect((await getCart(h, cart)).version).toBe(3);
    expect(await auditOf(cart, 'cart.reprice')).toHaveLength(1);
    expect(ordersOf(cart)).toBe(0);

    const confirmed = await checkout(cart, { 'idempotency-key': randomUUID() });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.cart.total).toEqual(usd(2500));
    expect(await stockOf(product)).toBe(4);
  });

  it('keeps the answers it had for a product gone, a product now sold in another currency, and a code made stand-alone', async () => {
    // Gone (even though another line's price changed too): 422 PRODUCT_NOT_FOUND.
    const gone = await createProduct(h);
    const dearer = await createProduct(h, { price: usd(1000) });
    const first = await createCart(h);
    await addLine(h, first, gone.id, 1);
    await addLine(h, first, dearer.id, 1);
    await updateProduct(dearer, { price: usd(1100) });
    const removed = await h.http.delete(`/api/admin/products/${gone.id}`, {
      token: h.adminToken,
    });
    expect(removed.status, removed.text).toBe(204);
    expectProblem(await checkout(first), 422, 'PRODUCT_NOT_FOUND');
    expect(await getCart(h, first)).toMatchObject({ version: 3, status: 'active' });

    // Now priced in euros only: it cannot be re-priced into a dollar cart. Since regions
    // came, a product that exists but has no price in the cart's currency says so.
    const euro = await createProduct(h, { price: usd(1000) });
    const second = await createCart(h);
    await addLine(h, second, euro.id, 1);
    await updateProduct(euro, { price: { amount: 900, currency: 'EUR' } });
    const refused = expectProblem(await checkout(second), 422, 'PRODUCT_NOT_AVAILABLE');
    expect(refused.detail).toContain(euro.name);
    expect(await getCart(h, second)).toMatchObject({ version: 2, subtotal: usd(1000) });

    // A code replaced by a stand-alone one while it shares the cart with another.
    const a = await createDiscount(h);
    const b = await createDiscount(h);
    const third = await createCart(h);
    await addLine(h, third, dearer.id, 1);
    for (const code of [a.code, b.code]) {
      expectCart(
        await h.http.post(cartPath(third, '/discounts'), { token: third.token, body: { code } }),
      );
    }
    const dropped = await h.http.delete(`/api/admin/discounts/${b.code}`, {
      token: h.adminToken,
    });
    expect(dropped.status, dropped.text).toBe(204);
    await createDiscount(h, { code: b.code, combinable: false });
    const alone = expectProblem(await checkout(third), 422, 'DISCOUNT_INVALID');
    expect(alone.detail).toContain(`The code ${b.code} cannot be combined`);
    expect(await getCart(h, third)).toMatchObject({ version: 4, status: 'active' });
    for (const c of [first, second, third]) expect(ordersOf(c)).toBe(0);
  });

  it('answers the If-Match of the cart before re-pricing with 412 once it is re-priced', async () => {
    const product = await createProduct(h, { price: usd(700) });
    const cart = await createCart(h);
    await addLine(h, cart, product.id, 1);
    await updateProduct(product, { price: usd(800) });
    expectProblem(await checkout(cart, { 'if-match': '"2"' }), 409, 'PRICES_CHANGED');
    expectProblem(await checkout(cart, { 'if-match': '"2"' }), 412, 'VERSION_CONFLICT');
    const done = await checkout(cart, { 'if-match': '"3"' });
    expect(done.status, done.text).toBe(200);
    expect(done.body.cart.total).toEqual(usd(800));
  });
});
