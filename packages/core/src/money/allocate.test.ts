import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { allocate } from './allocate.ts';

const weightsArb = fc.array(fc.oneof(fc.nat({ max: 1000 }), fc.nat(), fc.constant(0)), {
  minLength: 1,
  maxLength: 12,
});
const totalArb = fc.oneof(fc.nat({ max: 10_000 }), fc.maxSafeNat());

describe('allocate', () => {
  it('splits by largest remainder, ties to the earlier share', () => {
    expect(allocate(100, [333, 333, 334])).toEqual([33, 33, 34]);
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(1, [1, 1])).toEqual([1, 0]);
    expect(allocate(2, [1, 2, 3])).toEqual([0, 1, 1]);
    expect(allocate(23, [231])).toEqual([23]);
    expect(allocate(0, [5, 7])).toEqual([0, 0]);
    expect(allocate(7, [0, 3, 0])).toEqual([0, 7, 0]);
  });

  it('splits evenly when every weight is zero', () => {
    expect(allocate(10, [0, 0, 0])).toEqual([4, 3, 3]);
    expect(allocate(2, [0, 0, 0])).toEqual([1, 1, 0]);
    expect(allocate(0, [0, 0])).toEqual([0, 0]);
  });

  it('handles no weights only for a zero total', () => {
    expect(allocate(0, [])).toEqual([]);
    expect(() => allocate(1, [])).toThrow(
      new RangeError('cannot allocate a non-zero total over no weights'),
    );
  });

  it('refuses bad totals and weights', () => {
    // The messages say which argument: a bad weight would otherwise surface as BigInt's
    // own RangeError, or as a division by zero.
    const badTotal = new RangeError('total must be a non-negative safe integer');
    const badWeights = new RangeError('weights must be non-negative safe integers');
    expect(() => allocate(-1, [1])).toThrow(badTotal);
    expect(() => allocate(1.5, [1])).toThrow(badTotal);
    expect(() => allocate(Number.MAX_SAFE_INTEGER + 1, [1])).toThrow(badTotal);
    expect(() => allocate(1, [1, -1])).toThrow(badWeights);
    expect(() => allocate(1, [0.5])).toThrow(badWeights);
    expect(() => allocate(1, [Number.NaN])).toThrow(badWeights);
    expect(() => allocate(1, [1, Number.MAX_SAFE_INTEGER + 1])).toThrow(badWeights);
  });

  it('is exact even where a float product would not be', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(allocate(max, [max, max])).toEqual([(max + 1) / 2, (max - 1) / 2]);
    const shares = allocate(max, [1, 2, 3]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(max);
  });

  describe('properties', () => {
    it('always sums exactly to the total', () => {
      fc.assert(
        fc.property(totalArb, weightsArb, (total, weights) => {
          const shares = allocate(total, weights);
          expect(shares).toHaveLength(weights.length);
          expect(shares.reduce((a, b) => a + BigInt(b), 0n)).toBe(BigInt(total));
          for (const s of shares) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
        }),
      );
    });

    it('keeps each share within 1 of the exact proportional share', () => {
      fc.assert(
        fc.property(totalArb, weightsArb, (total, weights) => {
          const shares = allocate(total, weights);
          const allZero = weights.every((w) => w === 0);
          const effective = allZero ? weights.map(() => 1) : weights;
          const W = effective.reduce((a, b) => a + BigInt(b), 0n);
          effective.forEach((w, i) => {
            // |share − total·w/W| < 1  ⇔  |share·W − total·w| < W
            const diff = BigInt(shares[i] ?? -1) * W - BigInt(total) * BigInt(w);
            expect(diff < W && -diff < W).toBe(true);
          });
          if (!allZero) {
            weights.forEach((w, i) => {
              if (w === 0) expect(shares[i]).toBe(0);
            });
          }
        }),
      );
    });

    it('is deterministic and does not touch its input', () => {
      fc.assert(
        fc.property(totalArb, weightsArb, (total, weights) => {
          const copy = [...weights];
          const first = allocate(total, Object.freeze(weights));
          expect(allocate(total, copy)).toEqual(first);
          expect(weights).toEqual(copy);
        }),
      );
    });

    it('splits all-zero weights evenly, extras to the first shares', () => {
      fc.assert(
        fc.property(fc.nat({ max: 1_000_000 }), fc.integer({ min: 1, max: 20 }), (total, n) => {
          const shares = allocate(total, Array<number>(n).fill(0));
          const base = Math.floor(total / n);
          const extra = total % n;
          expect(shares).toEqual(shares.map((_, i) => (i < extra ? base + 1 : base)));
        }),
      );
    });

    it('gives equal weights shares that differ by at most 1', () => {
      fc.assert(
        fc.property(
          fc.nat({ max: 1_000_000 }),
          fc.integer({ min: 1, max: 1000 }),
          fc.integer({ min: 1, max: 20 }),
          (total, w, n) => {
            const shares = allocate(total, Array<number>(n).fill(w));
            expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
          },
        ),
      );
    });
  });
});
