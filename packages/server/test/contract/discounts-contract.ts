/**
 * Promo codes on a cart: applying (case-insensitively), removing, the amounts they take,
 * and every reason a code is refused with 422 DISCOUNT_INVALID.
 */
import { describe, expect, it } from 'vitest';
import { AppliedDiscount, outlook, shortfall, toCartState } from '@cart/core';
import {
  addLine,
  cartPath,
  createCart,
  createDiscount,
  createProduct,
  expectCart,
  expectInvalidField,
  expectProblem,
  getCart,
  uniqueCode,
  usd,
  type Harness,
  type OpenCart,
} from './harness.ts';

const HOUR = 3_600_000;

export function defineDiscountsContract(h: Harness): void {
  async function cartWorth(amount: number): Promise<OpenCart> {
    const product = await createProduct(h, { price: usd(amount) });
    const cart = await createCart(h);
    await addLine(h, cart, product.id, 1);
    return cart;
  }

  const apply = (cart: OpenCart, code: string) =>
    h.http.post(cartPath(cart, '/discounts'), { token: cart.token, body: { code } });

  describe('POST /api/carts/:id/discounts', () => {
    it('applies a code case-insensitively, stores it upper-case and prices it', async () => {
      const discount = await createDiscount(h, { kind: 'percent', value: 1000 });
      const cart = await cartWorth(2000);
      const applied = expectCart(await apply(cart, discount.code.toLowerCase()));
      expect(applied.version).toBe(3);
      expect(applied.discounts).toEqual([
        {
          code: discount.code,
          kind: 'percent',
          value: 1000,
          minSubtotal: null,
          combinable: true,
          currency: null,
          amount: usd(200),
          applicable: true,
        },
      ]);
      expect(applied).toMatchObject({ subtotal: usd(2000), discountTotal: usd(200) });
      expect(applied.lines[0]).toMatchObject({ discountTotal: usd(200), total: usd(1800) });
    });

    it('treats applying a code already applied as success', async () => {
      const discount = await createDiscount(h);
      const cart = await cartWorth(2000);
      expectCart(await apply(cart, discount.code));
      const again = expectCart(await apply(cart, discount.code.toLowerCase()));
      expect(again.discounts).toHaveLength(1);
      expect(again.version).toBe(4);
    });

    it('stacks combinable codes against the subtotal, capped at the subtotal', async () => {
      const percent = await createDiscount(h, { kind: 'percent', value: 2000 });
      const fixed = await createDiscount(h, { kind: 'fixed', value: 500 });
      const huge = await createDiscount(h, { kind: 'fixed', value: 100_000 });
      const cart = await cartWorth(1000);
      expectCart(await apply(cart, percent.code));
      const two = expectCart(await apply(cart, fixed.code));
      expect(two.discounts.map((d) => d.amount.amount)).toEqual([200, 500]);
      expect(two.discountTotal).toEqual(usd(700));
      const capped = expectCart(await apply(cart, huge.code));
      expect(capped.discountTotal).toEqual(usd(1000));
      expect(capped.total).toEqual(usd(0));
    });

    it('refuses an unknown code, an expired one and one not yet valid', async () => {
      const cart = await cartWorth(2000);
      const unknown = expectProblem(await apply(cart, uniqueCode('NOPE')), 422, 'DISCOUNT_INVALID');
      // Refused for good: nothing of a code is told (nor whether it exists but expired).
      expect(unknown).not.toHaveProperty('discount');
      const now = Date.now();
      const expired = await createDiscount(h, {
        startsAt: new Date(now - 2 * HOUR).toISOString(),
        endsAt: new Date(now - HOUR).toISOString(),
      });
      const old = expectProblem(await apply(cart, expired.code), 422, 'DISCOUNT_INVALID');
      expect(old).not.toHaveProperty('discount');
      const future = await createDiscount(h, { startsAt: new Date(now + HOUR).toISOString() });
      expectProblem(await apply(cart, future.code), 422, 'DISCOUNT_INVALID');
      const current = await createDiscount(h, {
        startsAt: new Date(now - HOUR).toISOString(),
        endsAt: new Date(now + HOUR).toISOString(),
      });
      expectCart(await apply(cart, current.code));
      expect((await getCart(h, cart)).discounts.map((d) => d.code)).toEqual([current.code]);
    });

    it('refuses a code below its minimum subtotal, and sets it aside when the cart falls under', async () => {
      const discount = await createDiscount(h, { kind: 'fixed', value: 300, minSubtotal: 2000 });
      const product = await createProduct(h, { price: usd(1000) });
      const cart = await createCart(h);
      const one = await addLine(h, cart, product.id, 1);
      // Refused for now: the problem carries the code's public terms, so the device can
      // say how much more the cart needs.
      const below = expectProblem(await apply(cart, discount.code), 422, 'DISCOUNT_INVALID');
      expect((below as { discount?: unknown }).discount).toEqual({
        code: discount.code,
        kind: 'fixed',
        value: 300,
        minSubtotal: 2000,
        combinable: true,
        currency: 'USD',
      });
      const terms = AppliedDiscount.parse((below as { discount?: unknown }).discount);
      expect(shortfall(terms, one.subtotal.amount)).toBe(1000);
      const grown = await addLine(h, cart, product.id, 1);
      // What the device predicts from those terms is what the server then answers.
      const predicted = outlook(toCartState(grown), terms, 5);
      expect(predicted?.shortfall).toBe(0);
      const applied = expectCart(await apply(cart, discount.code));
      expect(applied.discounts[0]).toMatchObject({ amount: usd(300), applicable: true });
      expect(applied.discountTotal.amount).toBe(predicted?.savingWith);
      const lower = expectCart(
        await h.http.patch(cartPath(cart, `/lines/${one.lines[0]?.id}`), {
          token: cart.token,
          body: { quantity: 1 },
        }),
      );
      expect(lower.discounts[0]).toMatchObject({
        code: discount.code,
        amount: usd(0),
        applicable: false,
        minSubtotal: 2000,
      });
      expect(lower.discountTotal).toEqual(usd(0));
    });

    it('refuses to combine a code that is not combinable, either way round', async () => {
      const alone = await createDiscount(h, { combinable: false });
      const social = await createDiscount(h);
      const first = await cartWorth(2000);
      expectCart(await apply(first, social.code));
      const refusedAlone = expectProblem(await apply(first, alone.code), 422, 'DISCOUNT_INVALID');
      // Each refusal carries the terms of the code the request named (the one on the cart
      // is on the cart), so the device can compare the two.
      expect((refusedAlone as { discount?: unknown }).discount).toMatchObject({
        code: alone.code,
        combinable: false,
      });
      const second = await cartWorth(2000);
      expectCart(await apply(second, alone.code));
      const refusedSocial = expectProblem(
        await apply(second, social.code),
        422,
        'DISCOUNT_INVALID',
      );
      expect((refusedSocial as { discount?: unknown }).discount).toMatchObject({
        code: social.code,
        combinable: true,
      });
      expect((await getCart(h, second)).discounts.map((d) => d.code)).toEqual([alone.code]);
    });

    it('refuses a code deleted by the admin', async () => {
      const discount = await createDiscount(h);
      const del = await h.http.delete(`/api/admin/discounts/${discount.code}`, {
        token: h.adminToken,
      });
      expect(del.status, del.text).toBe(204);
      expectProblem(await apply(await cartWorth(1000), discount.code), 422, 'DISCOUNT_INVALID');
    });

    it('validates the body', async () => {
      const cart = await cartWorth(1000);
      for (const code of ['', 'SAVE 10', 'x'.repeat(65), 42]) {
        expectInvalidField(
          await h.http.post(cartPath(cart, '/discounts'), { token: cart.token, body: { code } }),
          'code',
        );
      }
      expectInvalidField(
        await h.http.post(cartPath(cart, '/discounts'), {
          token: cart.token,
          body: { code: 'SAVE', percent: 100 },
        }),
        'percent',
      );
    });
  });

  describe('DELETE /api/carts/:id/discounts/:code', () => {
    it('removes an applied code (any case) and answers the cart', async () => {
      const discount = await createDiscount(h);
      const cart = await cartWorth(2000);
      expectCart(await apply(cart, discount.code));
      const removed = expectCart(
        await h.http.delete(cartPath(cart, `/discounts/${discount.code.toLowerCase()}`), {
          token: cart.token,
        }),
      );
      expect(removed).toMatchObject({ version: 4, discounts: [], discountTotal: usd(0) });
    });

    it('refuses a code that is not applied with 422 DISCOUNT_INVALID', async () => {
      const discount = await createDiscount(h);
      const cart = await cartWorth(2000);
      expectProblem(
        await h.http.delete(cartPath(cart, `/discounts/${discount.code}`), { token: cart.token }),
        422,
        'DISCOUNT_INVALID',
      );
      expect((await getCart(h, cart)).version).toBe(2);
    });
  });
}
