/**
 * Splits `total` over `weights` in proportion, in integers that add up to exactly
 * `total` (largest-remainder / Hamilton method). Each share is first floored; the units
 * left over go one each to the shares with the largest remainders, ties broken by
 * position (earlier first), so the result is deterministic.
 *
 * Used to spread a cart-level discount over its lines: no cent is lost or invented.
 * When every weight is zero the split is even by the same rule.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0)
    throw new RangeError('total must be a non-negative safe integer');
  if (weights.length === 0) {
    if (total === 0) return [];
    throw new RangeError('cannot allocate a non-zero total over no weights');
  }
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0)
      throw new RangeError('weights must be non-negative safe integers');
  }
  const effective = weights.every((w) => w === 0) ? weights.map(() => 1) : weights;
  const totalWeight = effective.reduce((a, b) => a + BigInt(b), 0n);
  const big = BigInt(total);
  const shares = effective.map((w) => {
    const n = big * BigInt(w);
    return { floor: n / totalWeight, remainder: n % totalWeight };
  });
  let left = big - shares.reduce((a, s) => a + s.floor, 0n);
  // Largest remainder first; equal remainders keep their order, as sort is stable. The
  // difference may be past 2^53: Number() keeps its sign, which is all sort reads.
  const order = shares
    .map((s, index) => ({ index, remainder: s.remainder }))
    .sort((a, b) => Number(b.remainder - a.remainder));
  const result = shares.map((s) => s.floor);
  for (const { index } of order) {
    if (left === 0n) break;
    result[index] = (result[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return result.map(Number);
}
