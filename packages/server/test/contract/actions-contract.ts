/**
 * `POST /api/carts/:id/actions`: a batch applied in order, all or nothing, as one
 * version; action ids applied at most once per cart, reported in `appliedActionIds`, and
 * named by a refusal.
 */
import { describe, expect, it } from 'vitest';
import { APPLIED_ACTION_WINDOW, Problem, type Cart } from '@cart/core';
import {
  addLine,
  cartPath,
  createCart,
  createDiscount,
  createProduct,
  expectCart,
  expectInvalidAt,
  expectProblem,
  getCart,
  unique,
  usd,
  type Harness,
  type OpenCart,
} from './harness.ts';

export function defineActionsContract(h: Harness): void {
  const batch = (cart: OpenCart, actions: unknown[]) =>
    h.http.post(cartPath(cart, '/actions'), { token: cart.token, body: { actions } });

  describe('POST /api/carts/:id/actions', () => {
    it('applies every kind of action in order, as one version', async () => {
      const mug = await createProduct(h, { price: usd(1000) });
      const cup = await createProduct(h, { price: usd(400) });
      const discount = await createDiscount(h, { kind: 'fixed', value: 100 });
      const cart = await createCart(h);
      const seeded = await addLine(h, cart, mug.id, 1);
      const mugLine = seeded.lines[0]?.id;
      const after = expectCart(
        await batch(cart, [
          { type: 'setLineQuantity', lineId: mugLine, quantity: 3 },
          { type: 'addLine', productId: cup.id, quantity: 2, attributes: { lid: 'yes' } },
          { type: 'applyDiscount', code: discount.code.toLowerCase() },
          { type: 'setNote', note: 'gift' },
          { type: 'setEmail', email: 'a@b.co' },
        ]),
      );
      expect(after.version).toBe(3);
      expect(after.lines.map((l) => [l.productId, l.quantity])).toEqual([
        [mug.id, 3],
        [cup.id, 2],
      ]);
      expect(after).toMatchObject({
        note: 'gift',
        email: 'a@b.co',
        subtotal: usd(3800),
        discountTotal: usd(100),
      });

      const cupLine = after.lines[1]?.id;
      const next = expectCart(
        await batch(cart, [
          { type: 'removeLine', lineId: cupLine },
          { type: 'removeDiscount', code: discount.code },
          { type: 'setEmail', email: null },
        ]),
      );
      expect(next).toMatchObject({ version: 4, email: null, discounts: [], itemCount: 3 });

      const cleared = expectCart(
        await batch(cart, [{ type: 'applyDiscount', code: discount.code }, { type: 'clear' }]),
      );
      expect(cleared).toMatchObject({ version: 5, lines: [], discounts: [], note: 'gift' });
    });

    it('applies all or nothing: a refused action leaves the cart as it was', async () => {
      const product = await createProduct(h, { stock: 3 });
      const cart = await createCart(h);
      const reply = await batch(cart, [
        { type: 'setNote', note: 'first' },
        { type: 'addLine', productId: product.id, quantity: 4 },
      ]);
      expectProblem(reply, 409, 'OUT_OF_STOCK');
      const missing = await batch(cart, [
        { type: 'addLine', productId: product.id, quantity: 1 },
        { type: 'setNote', note: 'second' },
        { type: 'removeLine', lineId: unique('line') },
      ]);
      expectProblem(missing, 404, 'LINE_NOT_FOUND');
      expectProblem(
        await batch(cart, [
          { type: 'addLine', productId: product.id, quantity: 1 },
          { type: 'addLine', productId: unique('missing'), quantity: 1 },
        ]),
        422,
        'PRODUCT_NOT_FOUND',
      );
      expect(await getCart(h, cart)).toMatchObject({ version: 1, note: '', lines: [] });
    });

    it('names the refused action in a business error: a JSON Pointer under /actions/<i>', async () => {
      const product = await createProduct(h, { stock: 3 });
      const cart = await createCart(h);
      const stock = expectProblem(
        await batch(cart, [
          { type: 'setNote', note: 'first' },
          { type: 'addLine', productId: product.id, quantity: 4 },
        ]),
        409,
        'OUT_OF_STOCK',
      );
      expect(JSON.stringify(stock)).toContain('"/actions/1/quantity"');
      const line = expectProblem(
        await batch(cart, [
          { type: 'setNote', note: 'second' },
          { type: 'clear' },
          { type: 'removeLine', lineId: unique('line') },
        ]),
        404,
        'LINE_NOT_FOUND',
      );
      expect(JSON.stringify(line)).toContain('"/actions/2/lineId"');
    });

    it('points validation errors at the action: /actions/<i>/...', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      expectInvalidAt(
        await batch(cart, [
          { type: 'addLine', productId: product.id, quantity: 1 },
          { type: 'addLine', productId: product.id, quantity: '2' },
        ]),
        '/actions/1/quantity',
      );
      const unknownType = await batch(cart, [{ type: 'setPrice', lineId: 'l1', price: 1 }]);
      const body = expectProblem(unknownType, 400, 'VALIDATION_FAILED');
      expect(body.errors?.some((e) => e.path.startsWith('/actions/0'))).toBe(true);
      const priced = await batch(cart, [
        { type: 'clear' },
        { type: 'addLine', productId: product.id, quantity: 1, unitPrice: usd(1) },
      ]);
      const pricedBody = expectProblem(priced, 400, 'VALIDATION_FAILED');
      expect(pricedBody.errors?.some((e) => e.path.startsWith('/actions/1'))).toBe(true);
      expect(priced.text).toContain('unitPrice');
      expectProblem(await batch(cart, []), 400, 'VALIDATION_FAILED');
      expectProblem(
        await h.http.post(cartPath(cart, '/actions'), {
          token: cart.token,
          body: { actions: [{ type: 'clear' }], version: 1 },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });

    it('takes at most 100 actions per batch (MAX_BATCH_ACTIONS)', async () => {
      const cart = await createCart(h);
      expectProblem(
        await batch(
          cart,
          Array.from({ length: 101 }, () => ({ type: 'clear' })),
        ),
        400,
        'VALIDATION_FAILED',
      );
      expect((await getCart(h, cart)).version).toBe(1);
      const ok = expectCart(
        await batch(
          cart,
          Array.from({ length: 100 }, () => ({ type: 'clear' })),
        ),
      );
      expect(ok.version).toBe(2);
    });

    it('skips actions whose actionId the cart has applied: a replayed batch changes nothing', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const actions = [
        { type: 'addLine', productId: product.id, quantity: 2, actionId: 'a-1' },
        { type: 'setNote', note: 'once', actionId: 'a-2' },
      ];
      const first = expectCart(await batch(cart, actions));
      expect(first).toMatchObject({ version: 2, itemCount: 2, note: 'once' });
      const replay = expectCart(await batch(cart, actions));
      expect(replay.version).toBe(2);
      expect(replay.itemCount).toBe(2);
      expect(replay.lines).toEqual(first.lines);
      expect(replay.appliedActionIds).toEqual(['a-1', 'a-2']);

      // A recomposed batch: the old actions are skipped, the new one applies.
      const recomposed = expectCart(
        await batch(cart, [
          ...actions,
          { type: 'addLine', productId: product.id, quantity: 1, actionId: 'a-3' },
        ]),
      );
      expect(recomposed).toMatchObject({ version: 3, itemCount: 3 });

      // Checked out since: a resend of what was applied before still answers the cart as
      // it is (no new version), listing the actions as applied; a new action is refused.
      const checkout = await h.http.post(cartPath(cart, '/checkout'), { token: cart.token });
      expect(checkout.status).toBe(200);
      const late = expectCart(await batch(cart, actions));
      expect(late).toMatchObject({ version: 4, status: 'checked_out' });
      expect(late.appliedActionIds).toEqual(expect.arrayContaining(['a-1', 'a-2']));
      expectProblem(
        await batch(cart, [{ type: 'setNote', note: 'late', actionId: 'a-4' }]),
        409,
        'CART_CLOSED',
      );
      // Applied and new mixed: refused, with the cart listing what it had applied.
      const mixed = expectProblem(
        await batch(cart, [actions[0], { type: 'setNote', note: 'late', actionId: 'a-5' }]),
        409,
        'CART_CLOSED',
      ) as { cart?: Cart };
      expect(mixed.cart).toMatchObject({ version: 4, status: 'checked_out' });
      expect(mixed.cart?.appliedActionIds).toContain('a-1');
      expect(mixed.cart?.appliedActionIds).not.toContain('a-5');
    });

    it('applies a duplicated actionId once within one batch, and only per cart', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const twice = [
        { type: 'addLine', productId: product.id, quantity: 1, actionId: 'same' },
        { type: 'addLine', productId: product.id, quantity: 1, actionId: 'same' },
      ];
      expect(expectCart(await batch(cart, twice)).itemCount).toBe(1);
      const other = await createCart(h);
      expect(expectCart(await batch(other, twice.slice(0, 1))).itemCount).toBe(1);
      // An id whose action was refused was never applied: it can be used again.
      const limited = await createProduct(h, { stock: 1 });
      expectProblem(
        await batch(cart, [
          { type: 'addLine', productId: limited.id, quantity: 2, actionId: 'retry' },
        ]),
        409,
        'OUT_OF_STOCK',
      );
      const retried = expectCart(
        await batch(cart, [
          { type: 'addLine', productId: limited.id, quantity: 1, actionId: 'retry' },
        ]),
      );
      expect(retried.itemCount).toBe(2);
    });

    it('reports applied action ids, oldest first: fresh and skipped ones move to the end', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      expect(cart.created.appliedActionIds).toEqual([]);
      const first = expectCart(
        await batch(cart, [
          { type: 'addLine', productId: product.id, quantity: 1, actionId: 'w-1' },
          { type: 'setNote', note: 'one', actionId: 'w-2' },
          { type: 'setEmail', email: 'a@b.co', actionId: 'w-3' },
        ]),
      );
      expect(first.appliedActionIds).toEqual(['w-1', 'w-2', 'w-3']);

      // w-1 is resent (skipped: no second unit), an action without id applies, w-4 is new,
      // and w-4's copy is skipped within the batch: each id once, in the order sent.
      const second = expectCart(
        await batch(cart, [
          { type: 'setNote', note: 'two', actionId: 'w-4' },
          { type: 'addLine', productId: product.id, quantity: 1, actionId: 'w-1' },
          { type: 'setEmail', email: null },
          { type: 'setNote', note: 'ignored', actionId: 'w-4' },
        ]),
      );
      expect(second).toMatchObject({ version: 3, itemCount: 1, note: 'two', email: null });
      expect(second.appliedActionIds).toEqual(['w-2', 'w-3', 'w-4', 'w-1']);
      expect((await getCart(h, cart)).appliedActionIds).toEqual(second.appliedActionIds);

      // A batch of skipped actions only: nothing applies, yet the answer says they are.
      const resent = expectCart(
        await batch(cart, [{ type: 'setNote', note: 'one', actionId: 'w-2' }]),
      );
      expect(resent).toMatchObject({ version: 3, note: 'two' });
      expect(resent.appliedActionIds).toEqual(['w-3', 'w-4', 'w-1', 'w-2']);

      // Nothing was written for it; a change without action ids leaves the window as it is.
      const plain = await addLine(h, cart, product.id, 1);
      expect(plain.appliedActionIds).toEqual(second.appliedActionIds);
    });

    it(`keeps the newest ${APPLIED_ACTION_WINDOW} ids, and still skips one pushed out of the window`, async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const ids = Array.from({ length: 130 }, (_, i) => `t-${i}`);
      const add = (actionId: string) => ({
        type: 'addLine',
        productId: product.id,
        quantity: 1,
        actionId,
      });
      expectCart(await batch(cart, ids.slice(0, 65).map(add)));
      const full = expectCart(await batch(cart, ids.slice(65).map(add)));
      expect(full.itemCount).toBe(130);
      expect(full.appliedActionIds).toEqual(ids.slice(130 - APPLIED_ACTION_WINDOW));

      // t-0 left the window long ago, but the cart still knows it applied it.
      const again = expectCart(await batch(cart, [add('t-0'), add('t-new')]));
      expect(again.itemCount).toBe(131);
      expect(again.appliedActionIds).toEqual([
        ...ids.slice(132 - APPLIED_ACTION_WINDOW),
        't-0',
        't-new',
      ]);
    });

    it('names the refused action: its actionId, and its index in the batch as sent', async () => {
      const product = await createProduct(h, { stock: 3 });
      const cart = await createCart(h);
      expectCart(await batch(cart, [{ type: 'setNote', note: 'first', actionId: 'r-1' }]));
      // r-1 is skipped; the refused action is still /actions/1, as the client sent it.
      const refused = expectProblem(
        await batch(cart, [
          { type: 'setNote', note: 'first', actionId: 'r-1' },
          { type: 'addLine', productId: product.id, quantity: 4, actionId: 'r-2' },
        ]),
        409,
        'OUT_OF_STOCK',
      );
      expect(Problem.safeParse(refused).error?.issues ?? []).toEqual([]);
      expect(refused.actionId).toBe('r-2');
      expect(refused.errors?.map((e) => e.path)).toEqual(['/actions/1/quantity']);

      // Several skipped before it, and one without a path of its own.
      const line = expectProblem(
        await batch(cart, [
          { type: 'setNote', note: 'first', actionId: 'r-1' },
          { type: 'setNote', note: 'again', actionId: 'r-3' },
          { type: 'setNote', note: 'again', actionId: 'r-3' },
          { type: 'removeLine', lineId: unique('line'), actionId: 'r-4' },
        ]),
        404,
        'LINE_NOT_FOUND',
      );
      expect(line.actionId).toBe('r-4');
      expect(line.errors?.[0]?.path).toBe('/actions/3/lineId');

      // An action without an id is named by its index only.
      const anonymous = expectProblem(
        await batch(cart, [
          { type: 'setNote', note: 'first', actionId: 'r-1' },
          { type: 'addLine', productId: product.id, quantity: 4 },
        ]),
        409,
        'OUT_OF_STOCK',
      );
      expect(anonymous).not.toHaveProperty('actionId');
      expect(anonymous.errors?.[0]?.path).toBe('/actions/1/quantity');

      // Nothing was applied: r-2, r-3 and r-4 can still be used.
      const after = await getCart(h, cart);
      expect(after).toMatchObject({ version: 2, note: 'first', appliedActionIds: ['r-1'] });
    });
  });
}
