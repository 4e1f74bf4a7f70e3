import { expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import type { PendingAction, PersistedMeta, StorageAdapter } from '../../src/index.ts';

const item = (actionId: string, seq: string): PendingAction => ({
  actionId,
  action: { type: 'addLine', productId: 'p1', quantity: 1, attributes: { engraving: 'Jo' } },
  seq,
  createdAt: 1,
});

const meta: PersistedMeta = {
  cartId: 'c1',
  token: null,
  confirmed: { id: 'c1', version: 3 } as Cart,
  lineIds: { tmp_a: 'L1', tmp_b: null },
  attempts: [{ key: 'k1', actions: [{ type: 'clear', actionId: 'a' }] }],
  checkoutKey: 'ck',
};

/**
 * What every StorageAdapter must do (memory, IndexedDB, or one of your own): keep the
 * queue by action, in seq order, and the meta record, across instances on one store.
 * `open` makes a new adapter instance on the same underlying store (a reload).
 */
export function storageContract(open: () => StorageAdapter): void {
  it('starts empty', async () => {
    expect(await open().load()).toEqual({ meta: null, outbox: [] });
  });

  it('round-trips the queue in seq order and the meta record, across a reload', async () => {
    const s = open();
    await s.putActions([item('b', '2'), item('a', '1')]);
    await s.putActions([item('c', '3')]);
    await s.saveMeta(meta);
    await s.deleteActions(['b']);
    s.close?.();
    const loaded = await open().load();
    expect(loaded.meta).toEqual(meta);
    expect(loaded.outbox).toEqual([item('a', '1'), item('c', '3')]);
  });

  it('puts by action id (a second put replaces) and ignores unknown deletes', async () => {
    const s = open();
    await s.putActions([item('a', '1')]);
    await s.putActions([{ ...item('a', '1'), createdAt: 2 }]);
    await s.deleteActions(['nope']);
    await s.putActions([]);
    await s.deleteActions([]);
    expect((await s.load()).outbox.map((i) => i.createdAt)).toEqual([2]);
  });

  it('shares nothing with the caller', async () => {
    const s = open();
    const mine = item('a', '1');
    await s.putActions([mine]);
    mine.seq = 'changed';
    const loaded = await s.load();
    expect(loaded.outbox[0]?.seq).toBe('1');
  });

  it('clears everything', async () => {
    const s = open();
    await s.putActions([item('a', '1')]);
    await s.saveMeta(meta);
    await s.clear();
    expect(await s.load()).toEqual({ meta: null, outbox: [] });
  });
}
