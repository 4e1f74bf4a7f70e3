import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, applyAll, computeTotals, type CartAction, type Product } from '@cart/core';
import { placeholderCart, showCart, type ViewFacts } from './optimistic-view.ts';
import { tempLineId, type PendingAction } from './outbox.ts';

const product = (id: string, amount: number, stock: number | null = null): Product => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  description: '',
  price: { amount, currency: 'USD' },
  stock,
  maxPerOrder: null,
  imageUrl: null,
});
const catalog = [product('p1', 1999), product('p2', 250), product('p3', 12_345, 4)];
const facts = (taxRateBps = 825): ViewFacts => ({
  product: (id) => catalog.find((p) => p.id === id),
  limits: DEFAULT_LIMITS,
  taxRateBps,
  now: '2026-11-28T10:00:00.000Z',
});
const queue = (actions: CartAction[]): PendingAction[] =>
  actions.map((action, i) => ({ actionId: `act${i}`, action, seq: String(i), createdAt: 0 }));

describe('the cart shown', () => {
  it('prices queued adds exactly as the server reducer would', () => {
    const adds = fc.array(
      fc.record({
        type: fc.constant('addLine' as const),
        productId: fc.constantFrom('p1', 'p2', 'p3'),
        quantity: fc.integer({ min: 1, max: 5 }),
      }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(adds, fc.integer({ min: 0, max: 3000 }), (actions, tax) => {
        const base = placeholderCart('USD', '2026-11-28T10:00:00.000Z');
        const view = showCart(base, queue(actions), {}, facts(tax));
        // The server's way: the batch applied with the reducer, priced with computeTotals;
        // refused actions (stock) are left out one by one, as the view does.
        let state = base;
        let i = 0;
        for (const action of actions) {
          const r = applyAll(state, [action], {
            ...facts(tax),
            newId: () => tempLineId(`act${i}`),
            discount: () => undefined,
          });
          if (r.ok) state = r.value;
          i++;
        }
        const server = computeTotals(state, tax);
        expect(view.cart.total).toEqual(server.total);
        expect(view.cart.lines.map((l) => [l.id, l.quantity, l.total])).toEqual(
          server.lines.map((l) => [l.id, l.quantity, l.total]),
        );
      }),
    );
  });

  it('flags the lines queued actions touch, and leaves out what the reducer refuses', () => {
    const base = placeholderCart('USD', '2026-11-28T10:00:00.000Z');
    const view = showCart(
      base,
      queue([
        { type: 'addLine', productId: 'p3', quantity: 9 }, // only 4 in stock
        { type: 'addLine', productId: 'p1', quantity: 1 },
        { type: 'applyDiscount', code: 'SECRET' },
      ]),
      {},
      facts(),
    );
    expect(view.cart.lines.map((l) => [l.productId, l.pending])).toEqual([['p1', true]]);
    expect([...view.refused.entries()].map(([id, e]) => [id, e.code])).toEqual([
      ['act0', 'OUT_OF_STOCK'],
      ['act2', 'DISCOUNT_INVALID'],
    ]);
  });

  it('takes facts for an unknown product from its line, and from a queued add', () => {
    const base = {
      ...placeholderCart('USD', '2026-11-28T10:00:00.000Z'),
      lines: [
        {
          id: 'L1',
          productId: 'gone-from-catalog',
          sku: 'OLD-1',
          name: 'Old',
          quantity: 1,
          unitPrice: { amount: 500, currency: 'USD' as const },
          attributes: {},
        },
      ],
    };
    const carried: PendingAction = {
      actionId: 'x',
      action: { type: 'addLine', productId: 'new-one', quantity: 2 },
      seq: '1',
      createdAt: 0,
      product: product('new-one', 100),
    };
    const view = showCart(
      base,
      [...queue([{ type: 'setLineQuantity', lineId: 'L1', quantity: 3 }]), carried],
      {},
      facts(0),
    );
    expect(view.cart.lines.map((l) => [l.name, l.quantity])).toEqual([
      ['Old', 3],
      ['Product new-one', 2],
    ]);
    expect(view.cart.total.amount).toBe(1700);
  });
});
