import { expect, it } from 'vitest';
import type { ActionRecord, MetaRecord } from '../../src/records.ts';
import type { StorageAdapter } from '../../src/storage.ts';

/** A queued addLine, with the product facts it keeps for showing the line. */
export const actionRecord = (actionId: string, seq: string, createdAt = 1): ActionRecord => ({
  actionId,
  action: { type: 'addLine', productId: 'p1', quantity: 1, attributes: { engraving: 'Jo' } },
  seq,
  createdAt,
  product: {
    id: 'p1',
    sku: 'MUG-1',
    name: 'Mug',
    description: '',
    price: { amount: 1400, currency: 'USD' },
    prices: [{ amount: 1400, currency: 'USD' }],
    requiresShipping: true,
    stock: 3,
    maxPerOrder: null,
    imageUrl: null,
  },
});

export const metaRecord = (clock = 1_700_000_000_000): MetaRecord => ({
  v: 2,
  cart: { kind: 'active', id: 'c1', token: 'secret', confirmed: null },
  lineIds: { tmp_a: 'L1', tmp_b: null },
  checkout: { key: 'ck', actionIds: ['a'], version: 3 },
  createKey: null,
  clock,
  lastOrder: null,
});

/**
 * What every StorageAdapter must do (memory, IndexedDB, or one of your own): save each
 * step of the state machine whole, keep the queue by action in seq order and the meta
 * record, across instances on one store. `open` makes a new adapter instance on the same
 * underlying store (a reload); each test starts on an empty store.
 */
export function storageContract(open: () => StorageAdapter): void {
  const item = actionRecord;

  it('starts empty', async () => {
    expect(await open().load()).toEqual({ meta: null, outbox: [] });
  });

  it('saves meta, puts and deletes as one step, and keeps them across a reload', async () => {
    const s = open();
    await s.save({ put: [item('b', '2'), item('a', '1')] });
    await s.save({ meta: metaRecord(), put: [item('c', '3')], delete: ['b'] });
    s.close?.();
    const reloaded = open();
    expect(await reloaded.load()).toEqual({
      meta: metaRecord(),
      outbox: [item('a', '1'), item('c', '3')],
    });
    reloaded.close?.();
  });

  it('keeps the queue in seq order, whatever order it was put in', async () => {
    const s = open();
    await s.save({ put: [item('x', '0005'), item('y', '0001')] });
    await s.save({ put: [item('z', '0003'), item('w', '0010')] });
    expect((await s.load()).outbox.map((i) => (i as ActionRecord).actionId)).toEqual([
      'y',
      'z',
      'x',
      'w',
    ]);
  });

  it('puts by action id (a second put replaces), ignores unknown deletes and empty steps', async () => {
    const s = open();
    await s.save({ meta: metaRecord(1), put: [item('a', '1')] });
    await s.save({ put: [item('a', '1', 2)] });
    await s.save({ delete: ['nope'] });
    await s.save({});
    await s.save({ put: [], delete: [] });
    expect(await s.load()).toEqual({ meta: metaRecord(1), outbox: [item('a', '1', 2)] });
  });

  it('keeps the meta record through steps without one, and replaces it with the next', async () => {
    const s = open();
    await s.save({ meta: metaRecord(1) });
    await s.save({ put: [item('a', '1')] });
    expect((await s.load()).meta).toEqual(metaRecord(1));
    await s.save({ meta: metaRecord(2) });
    expect((await s.load()).meta).toEqual(metaRecord(2));
  });

  it('applies a step puts first, then deletes', async () => {
    const s = open();
    await s.save({ put: [item('a', '1'), item('b', '2')], delete: ['a'] });
    expect((await s.load()).outbox).toEqual([item('b', '2')]);
  });

  it('shares nothing with the caller', async () => {
    const s = open();
    const mine = item('a', '1');
    const meta = metaRecord();
    await s.save({ meta, put: [mine] });
    mine.seq = 'changed';
    meta.lineIds = {};
    const loaded = await s.load();
    expect(loaded).toEqual({ meta: metaRecord(), outbox: [item('a', '1')] });
    (loaded.outbox[0] as ActionRecord).createdAt = 99;
    (loaded.meta as MetaRecord).clock = 99;
    expect(await s.load()).toEqual({ meta: metaRecord(), outbox: [item('a', '1')] });
  });

  it('clears everything', async () => {
    const s = open();
    await s.save({ meta: metaRecord(), put: [item('a', '1')] });
    await s.clear();
    expect(await s.load()).toEqual({ meta: null, outbox: [] });
    s.close?.();
    expect(await open().load()).toEqual({ meta: null, outbox: [] });
  });
}
