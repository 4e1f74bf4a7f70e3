// Refused adds and checkouts (refusals.ts): recorded apart from the cart, which they leave
// as it was, and counted by GET /api/admin/analytics — checkout attempts against refusals
// and successes, and lost demand per product.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analytics, CreatedCart, Product } from '@cart/core';
import {
  adminAuth,
  addLine,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  type TestApp,
} from '@cart/test-support/test-app.ts';

describe('refusals: lost demand and refused checkouts', () => {
  let t: TestApp;
  let scarce: Product;
  let limited: Product;

  beforeAll(async () => {
    t = await buildTestApp();
    scarce = await createProduct(t.app, { name: 'Scarce Tea', stock: 2 });
    limited = await createProduct(t.app, { name: 'Limited Mug', maxPerOrder: 3 });
  });
  afterAll(() => t.close());

  const add = (cart: CreatedCart, productId: string, quantity: number, key?: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/lines`,
      headers: { ...bearer(cart.token), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { productId, quantity },
    });
  const checkout = (cart: CreatedCart) =>
    t.app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/checkout`,
      headers: bearer(cart.token),
    });
  /** The analytics once the recorder has written what was refused (it does not block answers). */
  const analytics = async (until: (a: Analytics) => boolean) => {
    let last: Analytics | undefined;
    await expect
      .poll(async () => {
        const res = await t.app.inject({
          url: '/api/admin/analytics?window=1h',
          headers: adminAuth,
        });
        last = res.json<Analytics>();
        return until(last);
      })
      .toBe(true);
    if (!last) throw new Error('no analytics');
    return last;
  };

  it('counts refused adds per product and reason, units asked, and leaves the cart as it was', async () => {
    const cart = await createCart(t.app);
    await addLine(t.app, cart, limited.id, 2);
    const before = await t.app.storage.getCart(cart.id);
    expectProblem(await add(cart, scarce.id, 5), 409, 'OUT_OF_STOCK');
    // Raising the line to 4 of a product limited to 3: 2 units more asked.
    expectProblem(await add(cart, limited.id, 2), 422, 'QUANTITY_LIMIT_EXCEEDED');
    // A replay of a refusal under its key is the same refusal: counted once.
    expectProblem(await add(cart, scarce.id, 3, 'key-1'), 409, 'OUT_OF_STOCK');
    const replay = await add(cart, scarce.id, 3, 'key-1');
    expect(replay.statusCode).toBe(409);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await t.app.storage.getCart(cart.id))?.state).toEqual(before?.state);

    const a = await analytics((x) => x.lostDemand.length === 2);
    expect(a.lostDemand).toEqual([
      {
        productId: scarce.id,
        name: 'Scarce Tea',
        reason: 'stock',
        refusals: 2,
        units: 8,
        carts: 1,
      },
      {
        productId: limited.id,
        name: 'Limited Mug',
        reason: 'limit',
        refusals: 1,
        units: 2,
        carts: 1,
      },
    ]);
  });

  it('counts a raised line refused for its limit by the units it was raised by', async () => {
    const mug = await createProduct(t.app, { name: 'Raised Mug', maxPerOrder: 4 });
    const cart = await createCart(t.app);
    const line = (await addLine(t.app, cart, mug.id, 3)).lines[0];
    const raised = await t.app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}/lines/${line?.id ?? ''}`,
      headers: bearer(cart.token),
      payload: { quantity: 9 },
    });
    expectProblem(raised, 422, 'QUANTITY_LIMIT_EXCEEDED');
    const a = await analytics((x) => x.lostDemand.some((p) => p.productId === mug.id));
    expect(a.lostDemand.find((p) => p.productId === mug.id)).toEqual({
      productId: mug.id,
      name: 'Raised Mug',
      reason: 'limit',
      refusals: 1,
      units: 6,
      carts: 1,
    });
  });

  it('counts checkout attempts, refusals by code and successes apart', async () => {
    const empty = await createCart(t.app);
    expectProblem(await checkout(empty), 422, 'CART_EMPTY');
    // Stock taken after the add: refused at checkout for that product.
    const late = await createCart(t.app);
    await addLine(t.app, late, scarce.id, 2);
    const sold = await createCart(t.app);
    await addLine(t.app, sold, scarce.id, 2);
    expect((await checkout(sold)).statusCode).toBe(200);
    expectProblem(await checkout(late), 409, 'OUT_OF_STOCK');
    expect((await t.app.storage.getCart(late.id))?.state.status).toBe('active');

    const a = await analytics((x) => x.checkouts.refused === 2);
    expect(a.checkouts).toEqual({
      attempts: 3,
      succeeded: 1,
      refused: 2,
      refusedByCode: [
        { code: 'CART_EMPTY', count: 1 },
        { code: 'OUT_OF_STOCK', count: 1 },
      ],
    });
    // Three carts asked to check out; one did.
    expect(a.funnel.find((s) => s.step === 'checkout_started')?.carts).toBe(3);
    expect(a.funnel.find((s) => s.step === 'checked_out')?.carts).toBe(1);
    // The checkout refused for stock is lost demand too: 2 units in one more cart.
    expect(a.lostDemand[0]).toMatchObject({
      productId: scarce.id,
      refusals: 3,
      units: 10,
      carts: 2,
    });
    expect(a.abandonAfterSeconds).toBe(t.config.ABANDON_AFTER_SECONDS);
  });
});
