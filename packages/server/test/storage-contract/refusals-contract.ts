/**
 * Refusals (docs/operations.md#lost-demand): refused adds and checkouts recorded apart
 * from any cart change, and counted over a window — refused checkouts by code, the carts
 * that asked to check out (refused, or with a checkout_started event), and lost demand
 * per product and reason. Dated 2006, a year no other part of the suite writes in.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RefusalEvent } from '../../src/storage/port.ts';
import type { OpenedStorage } from './storage-contract.ts';
import { cartState, plan, writes } from './fixtures.ts';

const from = '2006-01-01T00:00:00.000Z';
const to = '2006-01-02T00:00:00.000Z';
const inside = (h: number) => `2006-01-01T${String(h).padStart(2, '0')}:00:00.000Z`;

const refusal = (more: Partial<RefusalEvent> & Pick<RefusalEvent, 'cartId'>): RefusalEvent => ({
  at: inside(1),
  stage: 'add',
  code: 'OUT_OF_STOCK',
  productId: null,
  quantity: null,
  ...more,
});

export function defineRefusalsContract(subject: OpenedStorage): void {
  describe('monitoring: refusals and lost demand', () => {
    it('counts refused checkouts by code, the carts that asked, and lost demand per product', async () => {
      const { storage } = await subject();
      const [p1, p2] = [randomUUID(), randomUUID()].sort();
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      // A cart checked out in the window: it asked too (its checkout_started event).
      const ordered = cartState();
      await storage.mutate(
        plan(ordered.id),
        writes({
          cart: ordered,
          tokenHash: Buffer.alloc(32),
          events: [
            { at: inside(2), type: 'checkout_started', cartId: ordered.id },
            { at: inside(2), type: 'checked_out', cartId: ordered.id, amount: 10, currency: 'USD' },
          ],
        }),
      );
      await storage.recordRefusals([
        // p1 refused for stock: twice in cart a (3 and 2 units), once in b at checkout (4).
        refusal({ cartId: a, productId: p1, quantity: 3 }),
        refusal({ cartId: a, productId: p1, quantity: 2, at: inside(3) }),
        refusal({ cartId: b, productId: p1, quantity: 4, stage: 'checkout' }),
        // p2 refused for its limit once, and for stock once.
        refusal({ cartId: c, productId: p2, quantity: 7, code: 'QUANTITY_LIMIT_EXCEEDED' }),
        refusal({ cartId: c, productId: p2, quantity: 1 }),
        // Checkouts refused for other reasons: no product, no lost demand.
        refusal({ cartId: c, stage: 'checkout', code: 'SHIPPING_REQUIRED' }),
        refusal({ cartId: c, stage: 'checkout', code: 'SHIPPING_REQUIRED', at: inside(4) }),
        // The checked-out cart was refused once before: one cart that asked, not two.
        refusal({ cartId: ordered.id, stage: 'checkout', code: 'CART_EMPTY' }),
        // Outside the window: just before it, and at its (excluded) end.
        refusal({ cartId: a, productId: p2, quantity: 9, at: '2005-12-31T23:59:59.999Z' }),
        refusal({ cartId: a, stage: 'checkout', code: 'CART_EMPTY', at: to }),
      ]);

      expect(await storage.refusalCounts(from, to, 10)).toEqual({
        checkoutsRefused: 4,
        // b, c and the ordered cart.
        checkoutCarts: 3,
        refusedByCode: [
          { code: 'SHIPPING_REQUIRED', count: 2 },
          { code: 'CART_EMPTY', count: 1 },
          { code: 'OUT_OF_STOCK', count: 1 },
        ],
        lostDemand: [
          { productId: p1, reason: 'stock', refusals: 3, units: 9, carts: 2 },
          // Ties on refusals: most units first.
          { productId: p2, reason: 'limit', refusals: 1, units: 7, carts: 1 },
          { productId: p2, reason: 'stock', refusals: 1, units: 1, carts: 1 },
        ],
      });
      // The limit cuts the list, not the totals.
      const cut = await storage.refusalCounts(from, to, 1);
      expect(cut.lostDemand).toHaveLength(1);
      expect(cut.checkoutsRefused).toBe(4);
    });

    it('answers zeros for a window without refusals, and records nothing for none', async () => {
      const { storage } = await subject();
      await storage.recordRefusals([]);
      expect(
        await storage.refusalCounts('1998-01-01T00:00:00.000Z', '1999-01-01T00:00:00.000Z', 10),
      ).toEqual({
        checkoutsRefused: 0,
        checkoutCarts: 0,
        refusedByCode: [],
        lostDemand: [],
      });
    });
  });
}
