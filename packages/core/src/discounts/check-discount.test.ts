import { describe, it, expect } from 'vitest';
import type { AppliedDiscount } from '../schemas/cart.ts';
import { cart, discount, NOW } from '../../test/support/fixtures.ts';
import { checkDiscountForCart, checkDiscountUsable } from './check-discount.ts';

const applied = (code: string, combinable = true): AppliedDiscount => ({
  code,
  kind: 'fixed',
  value: 100,
  minSubtotal: null,
  combinable,
  currency: 'USD',
});
const terms = (over: Partial<AppliedDiscount> = {}): AppliedDiscount => ({
  code: 'SAVE10',
  kind: 'percent',
  value: 1000,
  minSubtotal: null,
  combinable: true,
  currency: null,
  ...over,
});
const codeOf = (r: { ok: boolean; error?: { code: string; message: string } }) =>
  r.ok ? 'OK' : r.error?.message;

describe('checkDiscountUsable', () => {
  const window = { startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2026-12-01T00:00:00.000Z' };

  it('is valid from startsAt (inclusive) until endsAt (exclusive)', () => {
    const d = discount(window);
    expect(codeOf(checkDiscountUsable(d, '2026-10-31T23:59:59.999Z'))).toBe(
      'The code SAVE10 is not valid yet.',
    );
    expect(codeOf(checkDiscountUsable(d, '2026-11-01T00:00:00.000Z'))).toBe('OK');
    expect(codeOf(checkDiscountUsable(d, '2026-11-30T23:59:59.999Z'))).toBe('OK');
    expect(codeOf(checkDiscountUsable(d, '2026-12-01T00:00:00.000Z'))).toBe(
      'The code SAVE10 has expired.',
    );
  });

  it('is used up at its usage limit', () => {
    expect(checkDiscountUsable(discount({ usageLimit: 3, timesUsed: 2 }), NOW).ok).toBe(true);
    expect(codeOf(checkDiscountUsable(discount({ usageLimit: 3, timesUsed: 3 }), NOW))).toBe(
      'The code SAVE10 has been used up.',
    );
    expect(checkDiscountUsable(discount({ usageLimit: null, timesUsed: 1_000_000 }), NOW).ok).toBe(
      true,
    );
  });

  it('returns the discount, with the code and /code path on failure', () => {
    const d = discount();
    expect(checkDiscountUsable(d, NOW)).toEqual({ ok: true, value: d });
    expect(checkDiscountUsable(discount({ endsAt: NOW }), NOW)).toEqual({
      ok: false,
      error: { code: 'DISCOUNT_INVALID', message: 'The code SAVE10 has expired.', path: '/code' },
    });
  });
});

describe('checkDiscountForCart', () => {
  const check = (state = cart(), d = discount(), subtotal = 10_000, max = 5) =>
    checkDiscountForCart(state, d, subtotal, NOW, max);

  it('copies the pricing terms of a code that can join', () => {
    const code = discount({ minSubtotal: 100, combinable: false, currency: 'USD' });
    expect(check(cart(), code)).toEqual({
      ok: true,
      value: {
        code: 'SAVE10',
        kind: 'percent',
        value: 1000,
        minSubtotal: 100,
        combinable: false,
        currency: 'USD',
      },
    });
  });

  it('refuses a code tied to another currency than the cart’s; one tied to none fits any', () => {
    expect(codeOf(check(cart(), discount({ kind: 'fixed', value: 500, currency: 'GBP' })))).toBe(
      'The code SAVE10 is for carts in GBP, not USD.',
    );
    expect(check(cart({ currency: 'GBP' }), discount({ currency: null })).ok).toBe(true);
  });

  it('needs the minimum subtotal, formatted in the cart currency', () => {
    expect(check(cart(), discount({ minSubtotal: 10_000 }), 10_000).ok).toBe(true);
    expect(codeOf(check(cart(), discount({ minSubtotal: 10_000 }), 9_999))).toBe(
      'The code SAVE10 needs a subtotal of at least $100.00.',
    );
    expect(codeOf(check(cart({ currency: 'JPY' }), discount({ minSubtotal: 5000 }), 10))).toBe(
      'The code SAVE10 needs a subtotal of at least ¥5,000.',
    );
  });

  it('lets a non-combinable code stand alone', () => {
    expect(check(cart(), discount({ combinable: false })).ok).toBe(true);
    expect(check(cart({ discounts: [applied('A')] }), discount({ combinable: false }))).toEqual({
      ok: false,
      error: {
        code: 'DISCOUNT_INVALID',
        message: 'The code SAVE10 cannot be combined with other codes.',
        path: '/code',
        discount: terms({ combinable: false }),
      },
    });
    expect(check(cart({ discounts: [applied('ALONE', false)] }), discount())).toEqual({
      ok: false,
      error: {
        code: 'DISCOUNT_INVALID',
        message: 'The code ALONE cannot be combined with other codes.',
        path: '/code',
        discount: terms(),
      },
    });
    expect(check(cart({ discounts: [applied('A'), applied('B')] }), discount()).ok).toBe(true);
  });

  it('carries the terms of a code refused for now, and only then', () => {
    const refused = check(cart(), discount({ minSubtotal: 5000, currency: 'USD' }), 4999);
    expect(refused.ok ? null : refused.error.discount).toEqual(
      terms({ minSubtotal: 5000, currency: 'USD' }),
    );
    const expired = check(cart(), discount({ endsAt: NOW, minSubtotal: 5000, currency: 'USD' }), 1);
    expect(expired.ok ? null : expired.error).not.toHaveProperty('discount');
    const full = check(cart(), discount(), 10_000, 0);
    expect(full.ok ? null : full.error).not.toHaveProperty('discount');
  });

  it('holds the cart to the most codes', () => {
    const three = cart({ discounts: [applied('A'), applied('B'), applied('C')] });
    expect(check(three, discount(), 10_000, 4).ok).toBe(true);
    expect(codeOf(check(three, discount(), 10_000, 3))).toBe('A cart can hold at most 3 codes.');
    expect(codeOf(check(cart(), discount(), 10_000, 0))).toBe('A cart can hold at most 0 codes.');
  });

  it('checks usability first', () => {
    expect(
      codeOf(check(cart(), discount({ usageLimit: 1, timesUsed: 1, minSubtotal: 1_000_000 }))),
    ).toBe('The code SAVE10 has been used up.');
  });
});
