import { describe, it, expect } from 'vitest';
import type { AppliedDiscount } from '../schemas/cart.ts';
import {
  cart,
  clone,
  context,
  deepFreeze,
  discount,
  expectOk,
  line,
  product,
} from '../../test/support/fixtures.ts';
import { mergeInto } from './merge.ts';

const mug = product({ id: 'mug', name: 'Blue Mug' });
const tea = product({
  id: 'tea',
  sku: 'TEA',
  name: 'Tea',
  price: { amount: 450, currency: 'USD' },
});
const mugLine = (id: string, quantity: number, attributes: Record<string, string> = {}) =>
  line(id, quantity, 1000, { productId: 'mug', sku: 'SKU-1', name: 'Blue Mug', attributes });
const applied = (code: string, more: Partial<AppliedDiscount> = {}): AppliedDiscount => ({
  code,
  kind: 'percent',
  value: 1000,
  minSubtotal: null,
  combinable: true,
  currency: null,
  ...more,
});

describe('mergeInto', () => {
  const ctx = (more = {}) => context({ products: [mug, tea], ...more });

  it('keeps the larger quantity of a product + attributes in both carts, in any key order', () => {
    const target = cart({ lines: [mugLine('t1', 2, { size: 'L', color: 'red' })] });
    const source = cart({ id: 'guest', lines: [mugLine('s1', 3, { color: 'red', size: 'L' })] });
    const merged = expectOk(mergeInto(target, source, ctx()));
    expect(merged.lines).toHaveLength(1);
    expect(merged.lines[0]).toMatchObject({ id: 't1', quantity: 3 });

    const smaller = cart({ id: 'guest', lines: [mugLine('s1', 1, { size: 'L', color: 'red' })] });
    expect(expectOk(mergeInto(target, smaller, ctx())).lines).toEqual(target.lines);
  });

  it('adds the lines only the guest cart has, with new ids', () => {
    const target = cart({ lines: [mugLine('t1', 1)] });
    const source = cart({
      id: 'guest',
      lines: [
        mugLine('s1', 2, { size: 'M' }),
        line('s2', 4, 450, { productId: 'tea', attributes: {} }),
      ],
    });
    const merged = expectOk(mergeInto(target, source, ctx()));
    expect(merged.lines.map((l) => [l.id, l.productId, l.quantity, l.attributes])).toEqual([
      ['t1', 'mug', 1, {}],
      ['line-1', 'mug', 2, { size: 'M' }],
      ['line-2', 'tea', 4, {}],
    ]);
  });

  it('adds the guest codes it can and drops the ones no longer valid', () => {
    const target = cart({ lines: [mugLine('t1', 1)], discounts: [applied('MINE')] });
    const source = cart({
      id: 'guest',
      discounts: [applied('EXPIRED'), applied('GUEST', { kind: 'fixed', value: 100 })],
    });
    const merged = expectOk(
      mergeInto(
        target,
        source,
        ctx({
          discounts: [
            discount({ code: 'EXPIRED', endsAt: '2026-01-01T00:00:00.000Z' }),
            discount({ code: 'GUEST', kind: 'fixed', value: 100 }),
          ],
        }),
      ),
    );
    expect(merged.discounts.map((d) => d.code)).toEqual(['MINE', 'GUEST']);
  });

  it('keeps the note and email of the target unless it has none', () => {
    const source = cart({ id: 'guest', note: 'guest note', email: 'guest@example.com' });
    const withBoth = expectOk(
      mergeInto(cart({ note: 'mine', email: 'me@example.com' }), source, ctx()),
    );
    expect([withBoth.note, withBoth.email]).toEqual(['mine', 'me@example.com']);
    const withNone = expectOk(mergeInto(cart(), source, ctx()));
    expect([withNone.note, withNone.email]).toEqual(['guest note', 'guest@example.com']);
  });

  it('refuses the whole merge when a line would pass a limit', () => {
    const target = cart({ lines: [mugLine('t1', 1)] });
    const source = cart({
      id: 'guest',
      lines: [line('s1', 1, 450, { productId: 'tea' }), mugLine('s2', 5)],
    });
    const result = mergeInto(
      target,
      source,
      ctx({ products: [product({ ...mug, stock: 4 }), tea] }),
    );
    expect(result).toEqual({
      ok: false,
      error: { code: 'OUT_OF_STOCK', message: 'Only 4 of Blue Mug left.', path: '/quantity' },
    });
    const full = mergeInto(target, source, ctx({ limits: { maxLines: 1 } }));
    expect(full.ok ? undefined : full.error.code).toBe('CART_LIMIT_EXCEEDED');
  });

  it('refuses the merge when a code would take the cart past the safe range', () => {
    const target = cart({ lines: [line('t1', 2, Number.MAX_SAFE_INTEGER)] });
    const source = cart({ id: 'guest', discounts: [applied('SAVE10')] });
    const result = mergeInto(target, source, ctx({ discounts: [discount()] }));
    expect(result.ok ? undefined : result.error.code).toBe('AMOUNT_TOO_LARGE');
  });

  it('CART_CLOSED when either cart is closed', () => {
    const target = cart();
    const source = cart({ id: 'guest' });
    expect(mergeInto({ ...target, status: 'checked_out' }, source, ctx())).toEqual({
      ok: false,
      error: { code: 'CART_CLOSED', message: 'This cart is checked out and can no longer change.' },
    });
    expect(mergeInto(target, { ...source, status: 'merged' }, ctx())).toEqual({
      ok: false,
      error: {
        code: 'CART_CLOSED',
        message: 'The cart being merged is merged.',
        path: '/sourceCartId',
      },
    });
    expect(mergeInto(target, { ...source, status: 'checked_out' }, ctx())).toEqual({
      ok: false,
      error: {
        code: 'CART_CLOSED',
        message: 'The cart being merged is checked out.',
        path: '/sourceCartId',
      },
    });
  });

  it('CART_EXPIRED when the target expired, CART_CLOSED when the guest cart did', () => {
    const target = cart();
    const source = cart({ id: 'guest' });
    expect(mergeInto({ ...target, status: 'expired' }, source, ctx())).toEqual({
      ok: false,
      error: {
        code: 'CART_EXPIRED',
        message: 'Your cart expired, so we started a new one. Add what you want again.',
      },
    });
    expect(mergeInto(target, { ...source, status: 'expired' }, ctx())).toEqual({
      ok: false,
      error: {
        code: 'CART_CLOSED',
        message: 'The cart being merged is expired.',
        path: '/sourceCartId',
      },
    });
  });

  it("brings a guest cart of another currency in at the target's prices, or refuses it whole", () => {
    const both = product({
      id: 'both',
      name: 'Tin',
      price: { amount: 800, currency: 'USD' },
      prices: [
        { amount: 800, currency: 'USD' },
        { amount: 700, currency: 'EUR' },
      ],
    });
    const euros = cart({
      id: 'guest',
      regionId: 'eu',
      currency: 'EUR',
      lines: [line('s1', 2, 700, { productId: 'both' }, 'EUR')],
      discounts: [applied('FIVE', { kind: 'fixed', value: 500, currency: 'EUR' })],
    });
    const merged = expectOk(mergeInto(cart(), euros, ctx({ products: [both] })));
    expect(merged.lines.map((l) => [l.productId, l.quantity, l.unitPrice])).toEqual([
      ['both', 2, { amount: 800, currency: 'USD' }],
    ]);
    expect(merged.discounts).toEqual([]);
    const onlyEuros = product({ id: 'both', price: { amount: 700, currency: 'EUR' } });
    expect(mergeInto(cart(), euros, ctx({ products: [onlyEuros] }))).toMatchObject({
      ok: false,
      error: { code: 'PRODUCT_NOT_AVAILABLE', path: '/productId' },
    });
  });

  it('never mutates either cart and is deterministic', () => {
    const target = deepFreeze(cart({ lines: [mugLine('t1', 1)] }));
    const source = deepFreeze(
      cart({ id: 'guest', lines: [mugLine('s1', 2), line('s2', 1, 450, { productId: 'tea' })] }),
    );
    const before = clone([target, source]);
    const first = mergeInto(target, source, ctx());
    expect(mergeInto(target, source, ctx())).toEqual(first);
    expect([target, source]).toEqual(before);
  });
});
