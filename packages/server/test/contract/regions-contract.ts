/**
 * Regions, shipping and currencies over HTTP: the public list, a cart moving between
 * countries (re-priced, or refused whole), the shipping options and what each costs, the
 * address and option a shipped order needs at checkout, and their admin CRUD. The
 * default test server has one region (from CURRENCY and TAX_RATE_BPS, no countries); this
 * section makes its own, with countries no other section uses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  Address,
  CartShippingOptions,
  CheckoutResult,
  Product,
  Region,
  RegionInput,
  RegionList,
  ShippingOption,
  ShippingOptionInput,
} from '@cart/core';
import {
  addLine,
  cartPath,
  createCart,
  createDiscount,
  createProduct,
  expectCart,
  expectProblem,
  getCart,
  unique,
  usd,
  type Harness,
  type OpenCart,
} from './harness.ts';

const gbp = (amount: number) => ({ amount, currency: 'GBP' as const });

const UK_ADDRESS: Address = {
  name: 'Ada Lovelace',
  line1: '10 Downing Street',
  line2: '',
  city: 'London',
  postalCode: 'SW1A 2AA',
  province: '',
  country: 'GB',
};

export function defineRegionsContract(h: Harness): void {
  describe('regions, shipping and currencies', () => {
    let uk: Region;
    let standard: ShippingOption;
    let express: ShippingOption;
    /** Sold in dollars and pounds, shipped. */
    let mug: Product;
    /** Sold in dollars only. */
    let hat: Product;

    const admin = <T>(method: 'post' | 'put' | 'delete', path: string, body?: unknown) =>
      h.http[method]<T>(path, { token: h.adminToken, ...(body === undefined ? {} : { body }) });
    const patch = (cart: OpenCart, body: unknown) =>
      h.http.patch(cartPath(cart), { token: cart.token, body });
    const choose = (cart: OpenCart, shippingOptionId: string | null) =>
      h.http.put(cartPath(cart, '/shipping-option'), {
        token: cart.token,
        body: { shippingOptionId },
      });
    const checkout = (cart: OpenCart) =>
      h.http.post<CheckoutResult>(cartPath(cart, '/checkout'), { token: cart.token });

    beforeAll(async () => {
      const input: RegionInput = {
        name: 'United Kingdom',
        currency: 'GBP',
        countries: ['GB', 'IM'],
        taxRateBps: 2000,
        taxInclusive: true,
        default: false,
      };
      const created = await admin<Region>('post', '/api/admin/regions', input);
      expect(created.status, created.text).toBe(201);
      uk = created.body;
      const option = async (body: ShippingOptionInput) => {
        const reply = await admin<ShippingOption>('post', '/api/admin/shipping-options', body);
        expect(reply.status, reply.text).toBe(201);
        return reply.body;
      };
      standard = await option({
        regionId: uk.id,
        name: 'Standard',
        amount: gbp(399),
        freeOverSubtotal: 4000,
        taxable: true,
      });
      express = await option({
        regionId: uk.id,
        name: 'Express',
        amount: gbp(995),
        freeOverSubtotal: null,
        taxable: true,
      });
      mug = await createProduct(h, {
        price: usd(1200),
        prices: [gbp(1000)],
        requiresShipping: true,
      });
      hat = await createProduct(h, { price: usd(2500), requiresShipping: true });
    });

    it('lists the regions for everyone, the default first', async () => {
      const reply = await h.http.get<RegionList>('/api/regions');
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.items[0]?.default).toBe(true);
      expect(reply.body.items).toContainEqual(uk);
      expect(mug.prices).toEqual([usd(1200), gbp(1000)]);
    });

    it('moves a cart to the country chosen: currency, prices and tax follow', async () => {
      const cart = await createCart(h);
      expect(cart.created).toMatchObject({ currency: 'USD', country: null, shippingTotal: usd(0) });
      await addLine(h, cart, mug.id, 2);
      const moved = expectCart(await patch(cart, { country: 'GB' }));
      expect(moved).toMatchObject({
        regionId: uk.id,
        currency: 'GBP',
        country: 'GB',
        taxRateBps: 2000,
        taxInclusive: true,
        subtotal: gbp(2000),
        total: gbp(2000),
        taxTotal: gbp(333), // 2000 × 2000 / 12000 = 333.3: the tax the prices contain
      });
      expect(moved.lines[0]?.unitPrice).toEqual(gbp(1000));
    });

    it('refuses a move whole when a line is not sold there, or the country is not served', async () => {
      const cart = await createCart(h);
      await addLine(h, cart, mug.id, 1);
      await addLine(h, cart, hat.id, 1);
      const before = await getCart(h, cart);
      const refused = expectProblem(
        await patch(cart, { country: 'GB' }),
        422,
        'PRODUCT_NOT_AVAILABLE',
      );
      expect(refused.detail).toContain(hat.name);
      expectProblem(await patch(cart, { country: 'JP' }), 422, 'COUNTRY_NOT_SERVED');
      expect(await getCart(h, cart)).toEqual(before);
      // A product with no price in the cart's currency cannot be added to it.
      const inUk = await createCart(h);
      expectCart(await patch(inUk, { country: 'GB' }));
      expectProblem(
        await h.http.post(cartPath(inUk, '/lines'), {
          token: inUk.token,
          body: { productId: hat.id, quantity: 1 },
        }),
        422,
        'PRODUCT_NOT_AVAILABLE',
      );
    });

    it("lists the region's options with what each costs this cart, and takes one", async () => {
      const cart = await createCart(h);
      await addLine(h, cart, mug.id, 2);
      expectCart(await patch(cart, { shippingAddress: UK_ADDRESS }));
      const listed = await h.http.get<CartShippingOptions>(cartPath(cart, '/shipping-options'), {
        token: cart.token,
      });
      expect(listed.status, listed.text).toBe(200);
      expect(listed.body.items).toEqual([
        { ...standard, cost: gbp(399) },
        { ...express, cost: gbp(995) },
      ]);
      const chosen = expectCart(await choose(cart, express.id));
      expect(chosen).toMatchObject({
        shippingOptionId: express.id,
        shippingTotal: gbp(995),
        total: gbp(2995),
        taxTotal: gbp(499), // 2995 / 6 = 499.17
      });
      // Over £40.00 the standard option is free.
      await addLine(h, cart, mug.id, 3);
      const more = await h.http.get<CartShippingOptions>(cartPath(cart, '/shipping-options'), {
        token: cart.token,
      });
      expect(more.body.items[0]?.cost).toEqual(gbp(0));
    });

    it('refuses an option of another region, and drops the chosen one when the cart moves', async () => {
      const cart = await createCart(h);
      await addLine(h, cart, mug.id, 1);
      expectProblem(await choose(cart, express.id), 422, 'SHIPPING_OPTION_UNAVAILABLE');
      expectCart(await patch(cart, { country: 'GB' }));
      expect(expectCart(await choose(cart, standard.id)).shippingOptionId).toBe(standard.id);
      const back = expectCart(await patch(cart, { country: 'IM' }));
      expect(back.shippingOptionId).toBe(standard.id); // IM is in the same region
    });

    it('checks out a shipped cart only with an address and an option', async () => {
      const cart = await createCart(h);
      await addLine(h, cart, mug.id, 2);
      expectCart(await patch(cart, { country: 'GB' }));
      const noAddress = expectProblem(await checkout(cart), 422, 'SHIPPING_REQUIRED');
      expect(noAddress.errors).toEqual([
        { path: '/shippingAddress', message: 'Enter the address to ship to.' },
      ]);
      expectCart(await patch(cart, { shippingAddress: UK_ADDRESS }));
      expectProblem(await checkout(cart), 422, 'SHIPPING_REQUIRED');
      const before = await getCart(h, cart);
      expect(before.status).toBe('active');
      expectCart(await choose(cart, express.id));
      const done = await checkout(cart);
      expect(done.status, done.text).toBe(200);
      expect(done.body.cart).toMatchObject({
        status: 'checked_out',
        shippingAddress: UK_ADDRESS,
        shippingTotal: gbp(995),
        total: gbp(2995),
      });
    });

    it("re-prices at checkout when the chosen option's amount changed since", async () => {
      const option = await admin<ShippingOption>('post', '/api/admin/shipping-options', {
        regionId: uk.id,
        name: 'Courier',
        amount: gbp(500),
        freeOverSubtotal: null,
        taxable: false,
      });
      expect(option.status, option.text).toBe(201);
      const cart = await createCart(h);
      await addLine(h, cart, mug.id, 1);
      expectCart(await patch(cart, { shippingAddress: UK_ADDRESS }));
      expectCart(await choose(cart, option.body.id));
      const { id: _id, ...terms } = option.body;
      const raised = await admin('put', `/api/admin/shipping-options/${option.body.id}`, {
        ...terms,
        amount: gbp(700),
      });
      expect(raised.status, raised.text).toBe(200);
      const changed = expectProblem(await checkout(cart), 409, 'PRICES_CHANGED');
      expect(changed.detail).toBe('Courier shipping now costs £7.00 (was £5.00).');
      expect(changed.cart?.shippingTotal).toEqual(gbp(700));
      expect((await checkout(cart)).status).toBe(200);
    });

    it('keeps codes tied to a currency in it', async () => {
      const five = await createDiscount(h, { kind: 'fixed', value: 500 });
      expect(five.currency).toBe('USD');
      const cart = await createCart(h);
      await addLine(h, cart, mug.id, 1);
      expectCart(
        await h.http.post(cartPath(cart, '/discounts'), {
          token: cart.token,
          body: { code: five.code },
        }),
      );
      expectProblem(await patch(cart, { country: 'GB' }), 422, 'DISCOUNT_INVALID');
    });

    describe('admin', () => {
      it('refuses a country another region lists, and an option priced in another currency', async () => {
        expectProblem(
          await admin('post', '/api/admin/regions', {
            name: unique('Britain'),
            currency: 'GBP',
            countries: ['GB'],
            taxRateBps: 0,
            taxInclusive: false,
            default: false,
          }),
          409,
          'ALREADY_EXISTS',
        );
        const wrong = expectProblem(
          await admin('post', '/api/admin/shipping-options', {
            regionId: uk.id,
            name: 'Dollar post',
            amount: usd(100),
            freeOverSubtotal: null,
            taxable: true,
          }),
          400,
          'VALIDATION_FAILED',
        );
        expect(wrong.errors?.[0]?.path).toBe('/amount/currency');
      });

      it('refuses to delete the default region, or one with options; deletes an empty one', async () => {
        const list = await h.http.get<RegionList>('/api/regions');
        const fallback = list.body.items.find((r) => r.default);
        expectProblem(
          await admin('delete', `/api/admin/regions/${fallback?.id}`),
          409,
          'REGION_IN_USE',
        );
        expectProblem(await admin('delete', `/api/admin/regions/${uk.id}`), 409, 'REGION_IN_USE');
        const empty = await admin<Region>('post', '/api/admin/regions', {
          name: 'Iceland',
          currency: 'ISK',
          countries: ['IS'],
          taxRateBps: 2400,
          taxInclusive: true,
          default: false,
        });
        expect(empty.status, empty.text).toBe(201);
        expect((await admin('delete', `/api/admin/regions/${empty.body.id}`)).status).toBe(204);
        expectProblem(
          await admin('delete', `/api/admin/regions/${empty.body.id}`),
          404,
          'NOT_FOUND',
        );
      });
    });
  });
}
