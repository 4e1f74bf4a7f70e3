import { describe, it, expect } from 'vitest';
import { discount } from '../../test/support/fixtures.ts';
import { Discount, DiscountCode, DiscountInput } from './discount.ts';

describe('DiscountCode', () => {
  it('is matched case-insensitively: trimmed and stored upper-case', () => {
    expect(DiscountCode.parse('save10')).toBe('SAVE10');
    expect(DiscountCode.parse('  Black-Friday_2026 ')).toBe('BLACK-FRIDAY_2026');
  });

  it('refuses anything but 1–64 letters, digits, "_" and "-"', () => {
    for (const bad of ['', '   ', 'a b', 'x'.repeat(65), 'ÉTÉ', 'a.b', 10]) {
      expect(DiscountCode.safeParse(bad).success, String(bad)).toBe(false);
    }
    expect(DiscountCode.safeParse('a b').error?.issues[0]?.message).toBe(
      'must be 1–64 letters, digits, "_" or "-"',
    );
  });
});

describe('Discount', () => {
  it('accepts a stored code', () => {
    expect(Discount.parse(discount())).toEqual(discount());
    const windowed = discount({
      startsAt: '2026-11-01T00:00:00.000Z',
      endsAt: '2026-12-01T00:00:00.000Z',
      usageLimit: 10,
      minSubtotal: 5000,
      kind: 'fixed',
      value: 500,
      currency: 'USD',
    });
    expect(Discount.parse(windowed)).toEqual(windowed);
  });

  it('holds percent codes to 1–10000 basis points', () => {
    expect(Discount.safeParse(discount({ value: 10_000 })).success).toBe(true);
    const over = Discount.safeParse(discount({ value: 10_001 }));
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.path).toEqual(['value']);
    expect(over.error?.issues[0]?.message).toBe('a percent value is basis points, at most 10000');
    expect(Discount.safeParse(discount({ value: 0 })).success).toBe(false);
    expect(
      Discount.safeParse(discount({ kind: 'fixed', value: 10_001, currency: 'USD' })).success,
    ).toBe(true);
  });

  it('needs a currency for a fixed value or a minimum subtotal, not for a plain percent', () => {
    for (const d of [discount({ kind: 'fixed', value: 5 }), discount({ minSubtotal: 100 })]) {
      expect(Discount.safeParse(d).error?.issues).toMatchObject([
        { path: ['currency'], message: 'a fixed value or a minimum subtotal needs a currency' },
      ]);
      expect(Discount.safeParse({ ...d, currency: 'EUR' }).success).toBe(true);
    }
    expect(Discount.safeParse(discount({ currency: 'EUR' })).success).toBe(true);
    // Input may leave it out (the server gives the default region's), but not send null.
    const { timesUsed: _t, ...input } = discount({ kind: 'fixed', value: 5 });
    const { currency: _c, ...withoutCurrency } = input;
    expect(DiscountInput.safeParse(withoutCurrency).success).toBe(true);
    expect(DiscountInput.safeParse(input).success).toBe(false);
  });

  it('needs endsAt after startsAt', () => {
    const at = '2026-11-01T00:00:00.000Z';
    const bad = Discount.safeParse(discount({ startsAt: at, endsAt: at }));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['endsAt']);
    expect(bad.error?.issues[0]?.message).toBe('endsAt must be after startsAt');
    expect(Discount.safeParse(discount({ startsAt: at })).success).toBe(true);
    expect(Discount.safeParse(discount({ endsAt: at })).success).toBe(true);
  });

  it.each([
    ['a float value', { value: 10.5 }],
    ['a string value', { value: '1000' }],
    ['an unknown kind', { kind: 'bogo' }],
    ['a negative minSubtotal', { minSubtotal: -1 }],
    ['a zero usageLimit', { usageLimit: 0 }],
    ['a negative timesUsed', { timesUsed: -1 }],
    ['a zoned startsAt', { startsAt: '2026-11-01T00:00:00+01:00' }],
    ['an unknown key', { stackable: true }],
  ])('rejects %s', (_what, overrides) => {
    expect(Discount.safeParse({ ...discount(), ...overrides }).success).toBe(false);
  });
});

describe('DiscountInput', () => {
  it('fills the defaults', () => {
    expect(DiscountInput.parse({ code: 'welcome', kind: 'fixed', value: 500 })).toEqual({
      code: 'WELCOME',
      kind: 'fixed',
      value: 500,
      minSubtotal: null,
      usageLimit: null,
      combinable: true,
      startsAt: null,
      endsAt: null,
    });
  });

  it('takes instants with a zone, in order', () => {
    const input = {
      code: 'X',
      kind: 'percent',
      value: 500,
      startsAt: '2026-11-01T00:00:00+01:00',
      endsAt: '2026-11-01T00:00:00Z',
    };
    expect(DiscountInput.safeParse(input).success).toBe(true);
    expect(DiscountInput.safeParse({ ...input, timesUsed: 3 }).success).toBe(false);
  });

  it('says which field breaks a rule across fields, and why, as Discount does', () => {
    const input = { code: 'X', kind: 'percent', value: 500, startsAt: '2026-11-01T00:00:00Z' };
    const unordered = DiscountInput.safeParse({ ...input, endsAt: '2026-10-31T23:00:00Z' });
    expect(unordered.error?.issues[0]).toMatchObject({
      path: ['endsAt'],
      message: 'endsAt must be after startsAt',
    });
    const over = DiscountInput.safeParse({ ...input, value: 20_000 });
    expect(over.error?.issues[0]).toMatchObject({
      path: ['value'],
      message: 'a percent value is basis points, at most 10000',
    });
  });
});
