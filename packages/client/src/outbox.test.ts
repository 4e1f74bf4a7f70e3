import { describe, expect, it } from 'vitest';
import type { Cart, CartAction } from '@cart/core';
import { CartApiError } from './errors.ts';
import {
  composeBatch,
  insertPending,
  learnLineIds,
  pruneLineIds,
  refusedIndex,
  tempLineId,
  type PendingAction,
} from './outbox.ts';

let n = 0;
const item = (
  action: CartAction,
  actionId = `a${++n}`,
  seq = String(n).padStart(4, '0'),
): PendingAction => ({
  actionId,
  action,
  seq,
  createdAt: 0,
});
const add = (productId: string, id?: string) =>
  item({ type: 'addLine', productId, quantity: 1 }, id);

describe('composeBatch', () => {
  it('takes the queue in order, each action with its own actionId, up to the limit', () => {
    const q = [add('p1', 'x1'), add('p2', 'x2'), add('p3', 'x3')];
    const batch = composeBatch(q, {}, 2);
    expect(batch.actions).toEqual([
      { type: 'addLine', productId: 'p1', quantity: 1, actionId: 'x1' },
      { type: 'addLine', productId: 'p2', quantity: 1, actionId: 'x2' },
    ]);
    expect(batch.items.map((i) => i.actionId)).toEqual(['x1', 'x2']);
  });

  it('stops before a change to a line whose add the server has not answered', () => {
    const created = add('p1', 'new');
    const change = item({ type: 'setLineQuantity', lineId: tempLineId('new'), quantity: 4 });
    const after = add('p2');
    const batch = composeBatch([created, change, after], {}, 100);
    expect(batch.items).toEqual([created]);
    expect(batch.orphans).toEqual([]);
  });

  it('rewrites it with the server’s line id once known', () => {
    const change = item({ type: 'removeLine', lineId: tempLineId('new') }, 'r1');
    const batch = composeBatch([change], { [tempLineId('new')]: 'real-line' }, 100);
    expect(batch.actions).toEqual([{ type: 'removeLine', lineId: 'real-line', actionId: 'r1' }]);
  });

  it('sets apart changes to lines that will never exist', () => {
    const dead = item({ type: 'removeLine', lineId: tempLineId('refused') });
    const unknown = item({ type: 'removeLine', lineId: tempLineId('never-queued') });
    const fine = add('p');
    const batch = composeBatch([dead, unknown, fine], { [tempLineId('refused')]: null }, 100);
    expect(batch.orphans).toEqual([dead, unknown]);
    expect(batch.items).toEqual([fine]);
  });
});

describe('learnLineIds and pruneLineIds', () => {
  const cart = (lines: { id: string; productId: string; attributes?: Record<string, string> }[]) =>
    ({ lines: lines.map((l) => ({ attributes: {}, ...l })) }) as unknown as Cart;

  it('finds the line an add made by product and attributes', () => {
    const plain = add('p1', 'a');
    const engraved = item(
      { type: 'addLine', productId: 'p1', quantity: 1, attributes: { engraving: 'Jo' } },
      'b',
    );
    const missing = add('p9', 'c');
    const ids = learnLineIds(
      {},
      [plain, engraved, missing],
      cart([
        { id: 'L1', productId: 'p1' },
        { id: 'L2', productId: 'p1', attributes: { engraving: 'Jo' } },
      ]),
    );
    expect(ids).toEqual({ tmp_a: 'L1', tmp_b: 'L2', tmp_c: null });
  });

  it('forgets what no queued action and no line needs', () => {
    const ids = { tmp_a: 'L1', tmp_b: 'L2', tmp_c: null, tmp_d: null };
    const queue = [item({ type: 'removeLine', lineId: 'tmp_d' })];
    expect(pruneLineIds(ids, queue, cart([{ id: 'L1', productId: 'p' }]))).toEqual({
      tmp_a: 'L1',
      tmp_d: null,
    });
  });
});

describe('insertPending', () => {
  it('orders by seq but never ahead of what was sent, and keeps one copy', () => {
    const [a, b, c] = [
      item({ type: 'clear' }, 'a', '1'),
      item({ type: 'clear' }, 'b', '3'),
      item({ type: 'clear' }, 'c', '2'),
    ];
    expect(insertPending([a, b], c, 0).map((i) => i.actionId)).toEqual(['a', 'c', 'b']);
    expect(insertPending([a, b], c, 2).map((i) => i.actionId)).toEqual(['a', 'b', 'c']);
    expect(insertPending([a, b], b, 0).map((i) => i.actionId)).toEqual(['a', 'b']);
  });
});

describe('refusedIndex', () => {
  const error = (paths: string[]) =>
    new CartApiError({
      code: 'OUT_OF_STOCK',
      status: 409,
      errors: paths.map((path) => ({ path, message: '' })),
    });
  it('reads the index of /actions/<i>', () => {
    expect(refusedIndex(error(['/actions/3/quantity']))).toBe(3);
    expect(refusedIndex(error(['/actions/0']))).toBe(0);
    expect(refusedIndex(error(['/actions']))).toBeNull();
    expect(refusedIndex(error(['/quantity']))).toBeNull();
    expect(refusedIndex(error([]))).toBeNull();
  });
});
