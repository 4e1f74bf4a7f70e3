import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CURRENCY_EXPONENTS, CurrencyCode, currencyExponent } from './currency.ts';
import {
  CurrencyMismatchError,
  Money,
  MoneyOverflowError,
  add,
  applyBasisPoints,
  divideHalfEven,
  formatMoney,
  moneyFormat,
  money,
  multiply,
  subtract,
  sum,
  zero,
} from './money.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const BIG_MAX = BigInt(MAX);
const usd = (amount: number): Money => ({ amount, currency: 'USD' });

/**
 * Reference rounding, written differently from the code under test: compare the two
 * integer candidates around n/d by their exact distance, ties to the even one.
 */
function referenceHalfEven(n: bigint, d: bigint): bigint {
  const floor = n / d;
  const ceil = floor * d === n ? floor : floor + 1n;
  const below = n - floor * d; // distance to floor, times d
  const above = ceil * d - n; // distance to ceil, times d
  if (below < above) return floor;
  if (above < below) return ceil;
  return floor % 2n === 0n ? floor : ceil;
}

const safeAmount = fc.maxSafeNat();
const currency = fc.constantFrom(...CurrencyCode.options);

describe('money()', () => {
  it('builds money from a non-negative safe integer', () => {
    expect(money(1999, 'USD')).toEqual({ amount: 1999, currency: 'USD' });
    expect(money(0, 'JPY')).toEqual(zero('JPY'));
    expect(money(MAX, 'USD').amount).toBe(MAX);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1])('refuses %s', (amount) => {
    expect(() => money(amount, 'USD')).toThrow(
      new RangeError(`money amount must be a non-negative safe integer, got ${amount}`),
    );
  });
});

describe('currencies', () => {
  it('knows the ISO 4217 minor-unit exponents', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KRW')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('BHD')).toBe(3);
  });

  it('accepts only the listed three-letter codes', () => {
    expect(CurrencyCode.options).toEqual(Object.keys(CURRENCY_EXPONENTS));
    for (const bad of ['usd', 'US', 'USDX', 'XXX', '', 840]) {
      expect(CurrencyCode.safeParse(bad).success).toBe(false);
    }
  });
});

describe('add / subtract / multiply / sum', () => {
  it('computes exactly in minor units', () => {
    expect(add(usd(1999), usd(1))).toEqual(usd(2000));
    expect(subtract(usd(2000), usd(1))).toEqual(usd(1999));
    expect(subtract(usd(5), usd(5))).toEqual(usd(0));
    expect(multiply(usd(33), 7)).toEqual(usd(231));
    expect(multiply(usd(33), 0)).toEqual(usd(0));
    expect(sum([usd(1), usd(2), usd(3)], 'USD')).toEqual(usd(6));
    expect(sum([], 'EUR')).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('throws MoneyOverflowError past MAX_SAFE_INTEGER, never a rounded number', () => {
    expect(add(usd(MAX - 1), usd(1))).toEqual(usd(MAX));
    expect(() => add(usd(MAX), usd(1))).toThrow(MoneyOverflowError);
    expect(() => add(usd(MAX), usd(MAX))).toThrow(MoneyOverflowError);
    expect(() => multiply(usd(2 ** 52), 2)).toThrow(MoneyOverflowError);
    expect(() => multiply(usd(MAX), MAX)).toThrow(MoneyOverflowError);
    expect(() => sum([usd(MAX), usd(0), usd(1)], 'USD')).toThrow(MoneyOverflowError);
    const error = (() => {
      try {
        add(usd(MAX), usd(1));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ name: 'MoneyOverflowError' });
    expect(String(error)).toContain('addition overflows Number.MAX_SAFE_INTEGER');
    expect(() => multiply(usd(MAX), 2)).toThrow(
      'money multiplication overflows Number.MAX_SAFE_INTEGER',
    );
  });

  it('refuses to mix currencies', () => {
    const eur: Money = { amount: 1, currency: 'EUR' };
    expect(() => add(usd(1), eur)).toThrow(CurrencyMismatchError);
    expect(() => subtract(usd(1), eur)).toThrow(CurrencyMismatchError);
    expect(() => sum([usd(1), eur], 'USD')).toThrow(CurrencyMismatchError);
    expect(() => sum([eur], 'USD')).toThrow('cannot combine USD with EUR');
    expect(() => add(usd(1), eur)).toThrow(TypeError);
    expect(() => add(usd(1), eur)).toThrow(
      expect.objectContaining({ name: 'CurrencyMismatchError' }),
    );
  });

  it('every sum refuses two currencies, wherever the stranger stands (property)', () => {
    const moneyIn = (currency: CurrencyCode) =>
      fc.nat({ max: 1_000_000 }).map((amount): Money => ({ amount, currency }));
    const twoCurrencies = fc
      .uniqueArray(fc.constantFrom(...CurrencyCode.options), { minLength: 2, maxLength: 2 })
      .map(([a, b]) => [a!, b!] as const);
    fc.assert(
      fc.property(
        twoCurrencies.chain(([a, b]) =>
          fc.record({
            a: fc.constant(a),
            items: fc.array(moneyIn(a), { maxLength: 5 }),
            stranger: moneyIn(b),
            at: fc.nat(),
          }),
        ),
        ({ a, items, stranger, at }) => {
          const mixed = [...items];
          mixed.splice(at % (items.length + 1), 0, stranger);
          expect(() => sum(mixed, a)).toThrow(CurrencyMismatchError);
          expect(() => add(items[0] ?? zero(a), stranger)).toThrow(CurrencyMismatchError);
          expect(() => subtract(stranger, zero(a))).toThrow(CurrencyMismatchError);
          // One currency throughout is fine.
          expect(sum(items, a).currency).toBe(a);
        },
      ),
    );
  });

  it('refuses a negative difference and a bad quantity', () => {
    expect(() => subtract(usd(1), usd(2))).toThrow(
      new RangeError('money subtraction would be negative'),
    );
    for (const q of [-1, 1.5, Number.NaN, MAX + 1]) {
      expect(() => multiply(usd(1), q)).toThrow(
        new RangeError(`quantity must be a non-negative safe integer, got ${q}`),
      );
    }
  });

  it('add is exact or throws MoneyOverflowError (property)', () => {
    fc.assert(
      fc.property(safeAmount, safeAmount, (a, b) => {
        const exact = BigInt(a) + BigInt(b);
        if (exact > BIG_MAX) {
          expect(() => add(usd(a), usd(b))).toThrow(MoneyOverflowError);
        } else {
          expect(BigInt(add(usd(a), usd(b)).amount)).toBe(exact);
          expect(subtract(add(usd(a), usd(b)), usd(b))).toEqual(usd(a));
        }
      }),
    );
  });

  it('multiply is exact or throws MoneyOverflowError (property)', () => {
    const factor = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.maxSafeNat());
    fc.assert(
      fc.property(
        fc.oneof(safeAmount, fc.integer({ min: 0, max: 10_000_000_000 })),
        factor,
        (a, q) => {
          const exact = BigInt(a) * BigInt(q);
          if (exact > BIG_MAX) {
            expect(() => multiply(usd(a), q)).toThrow(MoneyOverflowError);
          } else {
            expect(BigInt(multiply(usd(a), q).amount)).toBe(exact);
          }
        },
      ),
    );
  });

  it('sum is exact or throws MoneyOverflowError (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(), safeAmount), { maxLength: 8 }), (amounts) => {
        const exact = amounts.reduce((s, a) => s + BigInt(a), 0n);
        // A running sum can pass the limit only if the final one does: amounts are >= 0.
        if (exact > BIG_MAX) {
          expect(() => sum(amounts.map(usd), 'USD')).toThrow(MoneyOverflowError);
        } else {
          expect(BigInt(sum(amounts.map(usd), 'USD').amount)).toBe(exact);
        }
      }),
    );
  });
});

describe('divideHalfEven', () => {
  it('rounds ties to the even neighbour', () => {
    expect(divideHalfEven(5n, 2n)).toBe(2n); // 2.5 → 2
    expect(divideHalfEven(7n, 2n)).toBe(4n); // 3.5 → 4
    expect(divideHalfEven(125n, 10n)).toBe(12n); // 12.5 → 12
    expect(divideHalfEven(135n, 10n)).toBe(14n); // 13.5 → 14
    expect(divideHalfEven(126n, 10n)).toBe(13n);
    expect(divideHalfEven(124n, 10n)).toBe(12n);
    expect(divideHalfEven(1n, 2n)).toBe(0n);
    expect(divideHalfEven(0n, 7n)).toBe(0n);
    expect(divideHalfEven(10n, 5n)).toBe(2n);
  });

  it('matches the reference rounding (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 80n }),
        fc.bigInt({ min: 1n, max: 2n ** 40n }),
        (n, d) => {
          expect(divideHalfEven(n, d)).toBe(referenceHalfEven(n, d));
        },
      ),
    );
  });
});

describe('applyBasisPoints', () => {
  it('takes a share in basis points, rounding half to even', () => {
    expect(applyBasisPoints(231, 1000)).toBe(23); // 23.1
    expect(applyBasisPoints(250, 500)).toBe(12); // 12.5 → 12
    expect(applyBasisPoints(270, 500)).toBe(14); // 13.5 → 14
    expect(applyBasisPoints(1, 5000)).toBe(0); // 0.5 → 0
    expect(applyBasisPoints(3, 5000)).toBe(2); // 1.5 → 2
    expect(applyBasisPoints(1999, 10_000)).toBe(1999);
    expect(applyBasisPoints(1999, 0)).toBe(0);
    expect(applyBasisPoints(MAX, 10_000)).toBe(MAX);
  });

  it('refuses bad input and overflowing results', () => {
    const badAmount = new RangeError('amount must be a non-negative safe integer');
    const badRate = new RangeError('basis points must be a non-negative safe integer');
    expect(() => applyBasisPoints(-1, 100)).toThrow(badAmount);
    expect(() => applyBasisPoints(1.5, 100)).toThrow(badAmount);
    expect(() => applyBasisPoints(100, -1)).toThrow(badRate);
    expect(() => applyBasisPoints(100, 0.5)).toThrow(badRate);
    expect(() => applyBasisPoints(MAX, 10_001)).toThrow(MoneyOverflowError);
    expect(() => applyBasisPoints(MAX, 10_001)).toThrow(
      'money basis points overflows Number.MAX_SAFE_INTEGER',
    );
  });

  it('equals an exact BigInt reference with half-even rounding (property)', () => {
    const bps = fc.oneof(
      fc.integer({ min: 0, max: 10_000 }),
      fc.constantFrom(5, 50, 500, 825, 1250, 5000, 20_000),
      fc.integer({ min: 0, max: 1_000_000 }),
    );
    const amount = fc.oneof(fc.integer({ min: 0, max: 100_000 }), safeAmount);
    fc.assert(
      fc.property(amount, bps, (a, b) => {
        const exact = referenceHalfEven(BigInt(a) * BigInt(b), 10_000n);
        if (exact > BIG_MAX) {
          expect(() => applyBasisPoints(a, b)).toThrow(MoneyOverflowError);
        } else {
          expect(applyBasisPoints(a, b)).toBe(Number(exact));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatMoney', () => {
  it('formats with the currency exponent', () => {
    expect(formatMoney(usd(1999))).toBe('$19.99');
    expect(formatMoney(usd(5))).toBe('$0.05');
    expect(formatMoney({ amount: 0, currency: 'EUR' })).toBe('€0.00');
    expect(formatMoney({ amount: 1999, currency: 'JPY' })).toBe('¥1,999');
    expect(formatMoney({ amount: 1234, currency: 'KWD' })).toMatch(/^KWD\s1\.234$/);
    expect(formatMoney({ amount: 1999, currency: 'EUR' }, 'de-DE')).toMatch(/^19,99\s€$/);
  });

  it('makes one formatter per currency and locale, and keeps it', () => {
    expect(moneyFormat('USD')).toBe(moneyFormat('USD', 'en-US'));
    expect(moneyFormat('USD')).not.toBe(moneyFormat('EUR'));
    expect(moneyFormat('EUR', 'de-DE')).not.toBe(moneyFormat('EUR'));
    expect(moneyFormat('JPY').resolvedOptions().maximumFractionDigits).toBe(0);
  });

  it('formats a negative amount (a refund, a discount shown as an amount)', () => {
    expect(formatMoney(usd(-500))).toBe('-$5.00');
  });

  it('is exact for amounts a float quotient would round', () => {
    expect(formatMoney(usd(MAX))).toBe('$90,071,992,547,409.91');
    expect(formatMoney({ amount: MAX, currency: 'JPY' })).toBe('¥9,007,199,254,740,991');
    expect(formatMoney({ amount: MAX, currency: 'KWD' })).toMatch(/^KWD\s9,007,199,254,740\.991$/);
  });

  it('writes every digit of every amount (property)', () => {
    fc.assert(
      fc.property(safeAmount, currency, (amount, c) => {
        const digits = formatMoney({ amount, currency: c }).replace(/\D/g, '');
        const e = currencyExponent(c);
        expect(digits).toBe(String(amount).padStart(e + 1, '0'));
      }),
    );
  });

  it('still prints something readable for values that are not valid money', () => {
    expect(formatMoney(usd(-5))).toBe('-$0.05');
    expect(formatMoney(usd(1.5))).toBe('$0.02');
  });
});

describe('Money schema', () => {
  it('accepts integer minor units only', () => {
    expect(Money.safeParse(usd(0)).success).toBe(true);
    expect(Money.safeParse(usd(MAX)).success).toBe(true);
    for (const bad of [
      { amount: 1.5, currency: 'USD' },
      { amount: -1, currency: 'USD' },
      { amount: MAX + 1, currency: 'USD' },
      { amount: '100', currency: 'USD' },
      { amount: Number.NaN, currency: 'USD' },
      { amount: 100, currency: 'usd' },
      { amount: 100, currency: 'XYZ' },
      { amount: 100 },
      { amount: 100, currency: 'USD', extra: true },
    ]) {
      expect(Money.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
