import { describe, expect, it } from 'vitest';
import { Cart, computeTotals, type Product } from '@cart/core';
import { placeholderCart } from './optimistic-view.ts';
import { readTolerant } from './tolerant.ts';

const NOW = '2026-12-07T10:00:00.000Z';

function cartWithALine(): Cart {
  const state = placeholderCart('USD', { taxRateBps: 0, taxInclusive: false }, NOW);
  const mug: Pick<Product, 'id' | 'sku' | 'name'> = { id: 'p1', sku: 'MUG-1', name: 'Mug' };
  state.id = 'c1';
  state.version = 3;
  state.lines = [
    {
      id: 'l1',
      productId: mug.id,
      sku: mug.sku,
      name: mug.name,
      quantity: 2,
      attributes: {},
      unitPrice: { amount: 1250, currency: 'USD' },
      requiresShipping: true,
    },
  ];
  return computeTotals(state);
}

describe('readTolerant', () => {
  it('reads what the schema knows exactly as safeParse does', () => {
    const cart = cartWithALine();
    expect(readTolerant(Cart, cart)).toEqual(Cart.safeParse(cart));
  });

  it('drops fields a newer server added, on the cart and inside its lines, and keeps the rest', () => {
    const cart = cartWithALine();
    const newer = {
      ...cart,
      giftMessage: { to: 'Jo' },
      lines: cart.lines.map((line) => ({ ...line, giftWrap: { paper: 'red' } })),
    };
    const read = readTolerant(Cart, newer);
    expect(read.success && read.data).toEqual(cart);
    // The caller's value is not changed.
    expect(newer.giftMessage).toEqual({ to: 'Jo' });
    expect(newer.lines[0]).toHaveProperty('giftWrap');
  });

  it('still refuses a broken answer, even with an unknown field beside the fault', () => {
    const cart = cartWithALine();
    expect(readTolerant(Cart, { ...cart, total: 'lots' }).success).toBe(false);
    expect(readTolerant(Cart, { ...cart, extra: 1, version: -1 }).success).toBe(false);
    const { lines: _dropped, ...noLines } = cart;
    expect(readTolerant(Cart, { ...noLines, extra: 1 }).success).toBe(false);
    expect(readTolerant(Cart, 'not a cart').success).toBe(false);
  });
});
