/**
 * Behaviour that depends on configuration, each on a server started with its own
 * environment: tax (TAX_RATE_BPS), cart expiry (CART_TTL_SECONDS) and the limits.
 */
import { describe, expect, it } from 'vitest';
import { Cart, computeTotals, toCartState } from '@cart/core';
import { sleep } from '@cart/test-support/http.ts';
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
  useServer,
  type StartServer,
} from './harness.ts';

function expectConsistentTotals(cart: Cart): void {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  expect(cart.subtotal.amount).toBe(sum(cart.lines.map((l) => l.unitPrice.amount * l.quantity)));
  expect(cart.total.amount).toBe(
    cart.subtotal.amount - cart.discountTotal.amount + cart.taxTotal.amount,
  );
  expect(sum(cart.lines.map((l) => l.total.amount))).toBe(
    cart.subtotal.amount - cart.discountTotal.amount,
  );
  expect(sum(cart.lines.map((l) => l.discountTotal.amount))).toBe(cart.discountTotal.amount);
  expect(sum(cart.discounts.map((d) => d.amount.amount))).toBe(cart.discountTotal.amount);
  expect(cart.itemCount).toBe(sum(cart.lines.map((l) => l.quantity)));
  for (const line of cart.lines) {
    expect(line.total.amount).toBe(
      line.unitPrice.amount * line.quantity - line.discountTotal.amount,
    );
  }
}

export function defineConfigContract(start: StartServer): void {
  describe('TAX_RATE_BPS=825', () => {
    const h = useServer(start, { TAX_RATE_BPS: '825', MAX_QUANTITY_PER_LINE: '1000000' });

    it('prices a worked example to the cent', async () => {
      const a = await createProduct(h, { price: usd(1999) });
      const b = await createProduct(h, { price: usd(1250) });
      const tenPercent = await createDiscount(h, { kind: 'percent', value: 1000 });
      const cart = await createCart(h);
      await addLine(h, cart, a.id, 3);
      await addLine(h, cart, b.id, 1);
      const priced = expectCart(
        await h.http.post(cartPath(cart, '/discounts'), {
          token: cart.token,
          body: { code: tenPercent.code },
        }),
      );
      // subtotal 3 × 1999 + 1250 = 7247; 10 % = 724.7 → 725.
      // 725 over the lines by largest remainder: 725 × 5997 / 7247 = 599.95 → 599 + 1,
      // 725 × 1250 / 7247 = 125.05 → 125; lines 5997 − 600 = 5397 and 1250 − 125 = 1125.
      // Tax on 6522 at 8.25 % = 538.065 → 538; total 6522 + 538 = 7060.
      expect(priced.subtotal).toEqual(usd(7247));
      expect(priced.discountTotal).toEqual(usd(725));
      expect(priced.lines.map((l) => [l.discountTotal.amount, l.total.amount])).toEqual([
        [600, 5397],
        [125, 1125],
      ]);
      expect(priced.taxTotal).toEqual(usd(538));
      expect(priced.total).toEqual(usd(7060));
      expectConsistentTotals(priced);
    });

    it('rounds the tax half to even: 16.5 → 16 and 115.5 → 116', async () => {
      const cheap = await createProduct(h, { price: usd(200) });
      const cart = await createCart(h);
      const one = await addLine(h, cart, cheap.id, 1);
      expect(one.taxTotal).toEqual(usd(16));
      expect(one.total).toEqual(usd(216));
      const seven = await addLine(h, cart, cheap.id, 6);
      expect(seven.subtotal).toEqual(usd(1400));
      expect(seven.taxTotal).toEqual(usd(116));
    });

    it('keeps total = subtotal − discountTotal + taxTotal and Σ line.total = subtotal − discountTotal', async () => {
      const prices = [1, 99, 333, 1999, 4999, 12_345];
      const products = await Promise.all(prices.map((p) => createProduct(h, { price: usd(p) })));
      const percent = await createDiscount(h, { kind: 'percent', value: 1337 });
      const fixed = await createDiscount(h, { kind: 'fixed', value: 777 });
      const cart = await createCart(h);
      for (const [i, product] of products.entries()) {
        expectConsistentTotals(await addLine(h, cart, product.id, ((i * 7) % 5) + 1));
      }
      for (const code of [percent.code, fixed.code]) {
        expectConsistentTotals(
          expectCart(
            await h.http.post(cartPath(cart, '/discounts'), { token: cart.token, body: { code } }),
          ),
        );
      }
      const read = await getCart(h, cart);
      expectConsistentTotals(read);
      expect(read.discountTotal.amount).toBeGreaterThan(777);
      expect(read.taxTotal.amount).toBeGreaterThan(0);
    });

    it('says its tax rate on every cart answer, so a client prices exactly as the server', async () => {
      const product = await createProduct(h, { price: usd(500), stock: 10 });
      const cart = await createCart(h);
      const { token: _token, ...created } = cart.created;
      const answers: Cart[] = [created];
      answers.push(await addLine(h, cart, product.id, 1));
      answers.push(
        expectCart(
          await h.http.post(cartPath(cart, '/actions'), {
            token: cart.token,
            body: { actions: [{ type: 'addLine', productId: product.id, quantity: 1 }] },
          }),
        ),
      );
      answers.push(await getCart(h, cart));
      const stale = expectProblem(
        await h.http.patch(cartPath(cart), {
          token: cart.token,
          body: { note: 'stale' },
          headers: { 'if-match': '"1"' },
        }),
        412,
        'VERSION_CONFLICT',
      );
      answers.push(stale.cart as Cart);
      const put = await h.http.put(`/api/admin/products/${product.id}`, {
        token: h.adminToken,
        body: {
          sku: product.sku,
          name: product.name,
          description: product.description,
          price: usd(510),
          requiresShipping: product.requiresShipping,
          stock: product.stock,
          maxPerOrder: product.maxPerOrder,
          imageUrl: product.imageUrl,
        },
      });
      expect(put.status, put.text).toBe(200);
      const repriced = expectProblem(
        await h.http.post(cartPath(cart, '/checkout'), { token: cart.token }),
        409,
        'PRICES_CHANGED',
      );
      answers.push(repriced.cart as Cart);
      const done = await h.http.post<{ cart: Cart }>(cartPath(cart, '/checkout'), {
        token: cart.token,
      });
      expect(done.status, done.text).toBe(200);
      answers.push(done.body.cart);
      for (const answer of answers) {
        expect(Cart.safeParse(answer).error?.issues ?? []).toEqual([]);
        expect(answer.taxRateBps).toBe(825);
        // What the SDK does before the server answers: the same reducer state, the same rate.
        expect(computeTotals(toCartState(answer))).toEqual(answer);
      }
      // 2 × $5.10 at 8.25 %: 84.15 → 84.
      expect(done.body.cart.taxTotal).toEqual(usd(84));
    });

    it('refuses a cart whose totals would not be exact (422 AMOUNT_TOO_LARGE)', async () => {
      const dear = await createProduct(h, { price: usd(10_000_000_000) });
      const cart = await createCart(h);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: dear.id, quantity: 1_000_000 },
        }),
        422,
        'AMOUNT_TOO_LARGE',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });
  });

  describe('CART_TTL_SECONDS=1', () => {
    const h = useServer(start, { CART_TTL_SECONDS: '1' });

    it('expires a cart untouched for longer than the TTL: readable, but every change is 410 CART_EXPIRED', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 1);
      const fresh = await getCart(h, cart);
      expect(fresh.status).toBe('active');
      expect(Date.parse(fresh.expiresAt) - Date.parse(fresh.updatedAt)).toBeGreaterThan(0);
      expect(Date.parse(fresh.expiresAt) - Date.parse(fresh.updatedAt)).toBeLessThanOrEqual(1000);
      await sleep(1500);
      const expired = await getCart(h, cart);
      expect(expired.status).toBe('expired');
      expect(expired.lines).toHaveLength(1);
      const guest = await createCart(h);
      // The first change finds it past its expiry (and stores it expired), the others
      // find it stored expired: the same answer either way.
      const replies = [
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1 },
        }),
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'late' } }),
        await h.http.post(cartPath(cart, '/actions'), {
          token: cart.token,
          body: { actions: [{ type: 'setNote', note: 'late', actionId: 'late-1' }] },
        }),
        await h.http.post(cartPath(cart, '/merge'), {
          token: cart.token,
          body: { sourceCartId: guest.id, sourceToken: guest.token },
        }),
        await h.http.post(cartPath(cart, '/checkout'), { token: cart.token }),
      ];
      for (const reply of replies) {
        const problem = expectProblem(reply, 410, 'CART_EXPIRED');
        expect(problem.detail).toBe(
          'Your cart expired, so we started a new one. Add what you want again.',
        );
        // The cart is the cause, not an action; like CART_CLOSED, no cart is attached.
        expect(problem).not.toHaveProperty('actionId');
        expect(problem).not.toHaveProperty('errors');
        expect(problem).not.toHaveProperty('cart');
      }
      expect(await getCart(h, cart)).toMatchObject({
        status: 'expired',
        version: expired.version + 1,
        note: '',
        itemCount: 1,
      });
    });

    it('refuses to merge an expired guest cart with 409 CART_CLOSED, not as if the target expired', async () => {
      const guest = await createCart(h);
      await sleep(1500);
      const target = await createCart(h);
      const problem = expectProblem(
        await h.http.post(cartPath(target, '/merge'), {
          token: target.token,
          body: { sourceCartId: guest.id, sourceToken: guest.token },
        }),
        409,
        'CART_CLOSED',
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(['/sourceCartId']);
      expect((await getCart(h, target)).status).toBe('active');
    });

    it('keeps a cart that is being changed alive', async () => {
      const cart = await createCart(h);
      await sleep(700);
      expectCart(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'still here' } }),
      );
      await sleep(450);
      // Past the first expiry (creation + 1 s), inside the second (change + 1 s).
      expect((await getCart(h, cart)).status).toBe('active');
    });
  });

  describe('small limits (MAX_* settings)', () => {
    const h = useServer(start, {
      MAX_LINES_PER_CART: '2',
      MAX_QUANTITY_PER_LINE: '5',
      MAX_BODY_BYTES: '1024',
      MAX_BATCH_ACTIONS: '3',
      MAX_DISCOUNTS_PER_CART: '1',
    });

    it('MAX_LINES_PER_CART and MAX_QUANTITY_PER_LINE', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 6 },
        }),
        422,
        'QUANTITY_LIMIT_EXCEEDED',
      );
      await addLine(h, cart, product.id, 5, { n: '1' });
      await addLine(h, cart, product.id, 1, { n: '2' });
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1, attributes: { n: '3' } },
        }),
        422,
        'CART_LIMIT_EXCEEDED',
      );
      const source = await createCart(h);
      await addLine(h, source, product.id, 1, { n: '3' });
      expectProblem(
        await h.http.post(cartPath(cart, '/merge'), {
          token: cart.token,
          body: { sourceCartId: source.id, sourceToken: source.token },
        }),
        422,
        'CART_LIMIT_EXCEEDED',
      );
      expect((await getCart(h, source)).status).toBe('active');
      expect(await getCart(h, cart)).toMatchObject({ version: 3, itemCount: 6 });
    });

    it('MAX_BODY_BYTES and MAX_BATCH_ACTIONS', async () => {
      const cart = await createCart(h);
      expectCart(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'x'.repeat(900) } }),
      );
      expectProblem(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'y'.repeat(1100) } }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      const clear = { type: 'clear' };
      expectProblem(
        await h.http.post(cartPath(cart, '/actions'), {
          token: cart.token,
          body: { actions: [clear, clear, clear, clear] },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expectCart(
        await h.http.post(cartPath(cart, '/actions'), {
          token: cart.token,
          body: { actions: [clear, clear, clear] },
        }),
      );
      expect(await getCart(h, cart)).toMatchObject({ version: 3, note: 'x'.repeat(900) });
    });

    it('MAX_DISCOUNTS_PER_CART', async () => {
      const product = await createProduct(h);
      const first = await createDiscount(h);
      const second = await createDiscount(h);
      const cart = await createCart(h);
      await addLine(h, cart, product.id, 1);
      const apply = (code: string) =>
        h.http.post(cartPath(cart, '/discounts'), { token: cart.token, body: { code } });
      expectCart(await apply(first.code));
      expectProblem(await apply(second.code), 422, 'DISCOUNT_INVALID');
    });
  });

  describe('MAX_CART_BYTES=16384', () => {
    const h = useServer(start, { MAX_CART_BYTES: '16384' });

    it('refuses the change that would make the cart larger, whole, with 422 CART_TOO_LARGE', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      // About 6.5 KB a line as answered: the third passes 16 KiB.
      const attributes = (n: number) =>
        Object.fromEntries(
          Array.from({ length: 20 }, (_, a) => [`${n}-${a}`.padEnd(64, 'k'), 'v'.repeat(256)]),
        );
      await addLine(h, cart, product.id, 1, attributes(1));
      await addLine(h, cart, product.id, 1, attributes(2));
      const full = await getCart(h, cart);
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: product.id, quantity: 1, attributes: attributes(3) },
        }),
        422,
        'CART_TOO_LARGE',
      );
      expect(await getCart(h, cart)).toEqual(full);
      // Changes that keep it within the bound still pass.
      expectCart(
        await h.http.patch(cartPath(cart), { token: cart.token, body: { note: 'small' } }),
      );
    });
  });
}
