// The applied-action window a change leaves on its cart (cart-change.ts); the change
// itself is tested through the routes (routes/*.test.ts, test/contract/).
import { describe, expect, it } from 'vitest';
import { APPLIED_ACTION_WINDOW } from '@cart/core';
import { appliedWindow } from './cart-change.ts';

describe('appliedWindow', () => {
  const ids = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `a-${from + i}`);

  it("appends the request's ids in order, each once, after the rest of the window", () => {
    expect(appliedWindow([], [])).toEqual([]);
    expect(appliedWindow([], ['x', 'y'])).toEqual(['x', 'y']);
    expect(appliedWindow(['x', 'y', 'z'], [])).toEqual(['x', 'y', 'z']);
    // y was applied before (skipped now) and is named again: it moves to the end.
    expect(appliedWindow(['x', 'y', 'z'], ['w', 'y', 'w'])).toEqual(['x', 'z', 'w', 'y']);
  });

  it(`keeps the newest ${APPLIED_ACTION_WINDOW}`, () => {
    expect(appliedWindow(ids(0, 99), ['n'])).toEqual([...ids(0, 99), 'n']);
    expect(appliedWindow(ids(0, 100), ['n'])).toEqual([...ids(1, 100), 'n']);
    expect(appliedWindow(ids(0, 100), ids(50, 60))).toEqual([
      ...ids(0, 50),
      ...ids(60, 100),
      ...ids(50, 60),
    ]);
  });

  it('keeps every id of a request that names more than the window', () => {
    const many = ids(1000, 1000 + APPLIED_ACTION_WINDOW + 20);
    expect(appliedWindow(ids(0, 100), many)).toEqual(many);
  });
});
