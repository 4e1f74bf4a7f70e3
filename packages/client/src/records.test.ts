import { describe, expect, it } from 'vitest';
import type { Cart, Product } from '@cart/core';
import {
  migrateMeta,
  parseActionRecord,
  readActionRecord,
  readState,
  type ActionRecord,
  type MetaRecord,
} from './records.ts';

const NOW = '2026-11-28T10:00:00.000Z';
const usd = (amount: number) => ({ amount, currency: 'USD' as const });

const cart = (overrides: Partial<Cart> = {}): Cart => ({
  id: 'c1',
  version: 3,
  status: 'active',
  regionId: 'r_us',
  currency: 'USD',
  country: null,
  shippingAddress: null,
  shippingOption: null,
  lines: [],
  discounts: [],
  note: '',
  email: null,
  createdAt: NOW,
  updatedAt: NOW,
  expiresAt: '2026-12-28T10:00:00.000Z',
  appliedActionIds: ['a0'],
  itemCount: 0,
  subtotal: usd(0),
  discountTotal: usd(0),
  shippingTotal: usd(0),
  taxTotal: usd(0),
  total: usd(0),
  shippingOptionId: null,
  taxRateBps: 0,
  taxInclusive: false,
  ...overrides,
});

const mug: Product = {
  id: 'p1',
  sku: 'MUG-1',
  name: 'Mug',
  description: '',
  price: usd(1400),
  prices: [usd(1400)],
  requiresShipping: true,
  stock: 3,
  maxPerOrder: null,
  imageUrl: null,
};

const action = (
  actionId: string,
  seq: string,
  extra: Partial<ActionRecord> = {},
): ActionRecord => ({
  actionId,
  action: { type: 'addLine', productId: 'p1', quantity: 1, attributes: { engraving: 'Jo' } },
  seq,
  createdAt: 1,
  product: mug,
  ...extra,
});

const meta: MetaRecord = {
  v: 2,
  cart: { kind: 'active', id: 'c1', token: 'secret', confirmed: cart() },
  lineIds: { tmp_a: 'L1', tmp_b: null },
  checkout: { key: 'ck', actionIds: ['a1'], version: 3 },
  createKey: null,
  clock: 1_700_000_000_000,
  lastOrder: null,
};

/** A meta record as the first bundle wrote it (no `v`). */
const v1 = (overrides: Record<string, unknown> = {}) => ({
  cartId: 'c1',
  token: 'secret',
  confirmed: cart(),
  lineIds: { tmp_a: 'L1' },
  attempts: [{ key: 'k1', actions: [{ type: 'clear', actionId: 'a' }] }],
  checkoutKey: null,
  ...overrides,
});

describe('readState', () => {
  it('passes valid records through, the queue in order-key order', () => {
    const state = readState({ meta, outbox: [action('b', '2'), action('a', '1')] });
    expect(state).toEqual({
      meta,
      metaIsNewer: false,
      outbox: [action('a', '1'), action('b', '2')],
      setAside: [],
    });
  });

  it('reads an empty store as nothing', () => {
    expect(readState({ meta: null, outbox: [] })).toEqual({
      meta: null,
      metaIsNewer: false,
      outbox: [],
      setAside: [],
    });
  });

  it('sets aside an action of a type this bundle does not know (a newer bundle wrote it)', () => {
    const gift = { ...action('g', '1'), action: { type: 'addGiftCard', amount: 500 } };
    const state = readState({ meta, outbox: [gift, action('a', '2')] });
    expect(state.outbox).toEqual([action('a', '2')]);
    expect(state.setAside).toEqual([
      {
        record: gift,
        reason: expect.stringContaining('"addGiftCard" is not an action type') as string,
      },
    ]);
    expect(state.meta).toEqual(meta);
  });

  it('sets aside an action whose product is not a product, and one with unknown fields', () => {
    const badProduct = action('p', '1', { product: { ...mug, price: 'cheap' } as never });
    const extraField = { ...action('x', '2'), priority: 'high' };
    const { outbox, setAside } = readState({ meta: null, outbox: [badProduct, extraField] });
    expect(outbox).toEqual([]);
    expect(setAside.map((s) => s.record)).toEqual([badProduct, extraField]);
    expect(setAside[0]?.reason).toMatch(/^queued action p: product\.price/);
    expect(setAside[1]?.reason).toContain('priority');
  });

  it('reads an add queued before products had prices and requiresShipping, filling them in', () => {
    const { prices: _p, requiresShipping: _r, ...before } = mug;
    const queued = action('old', '1', { product: before as never });
    const { outbox, setAside } = readState({ meta: null, outbox: [queued] });
    expect(setAside).toEqual([]);
    expect(outbox).toEqual([action('old', '1')]);
    // Only a record with neither field is one of the previous bundle.
    expect(
      parseActionRecord(action('half', '1', { product: { ...before, prices: [] } as never })),
    ).toBeNull();
  });

  it('sets aside an action that carries its own id inside, and a second copy of one', () => {
    const inside = action('i', '1', {
      action: { type: 'clear', actionId: 'i' },
    });
    const { outbox, setAside } = readState({
      meta: null,
      outbox: [inside, action('a', '2'), action('a', '3')],
    });
    expect(outbox).toEqual([action('a', '2')]);
    expect(setAside.map((s) => s.reason)).toEqual([
      expect.stringContaining('action.actionId') as string,
      'action a is queued twice',
    ]);
  });

  it('never throws, whatever storage hands over', () => {
    const garbage: unknown[] = [null, 42, {}, [], 'x', { v: 'two' }, { v: 2 }, { v: 1.5 }];
    for (const g of garbage) {
      const state = readState({ meta: g, outbox: [g, g] });
      expect(state.meta).toBeNull();
      expect(state.outbox).toEqual([]);
      expect(state.setAside.length).toBeGreaterThanOrEqual(g === null ? 2 : 3);
      for (const s of state.setAside) expect(s.reason).toMatch(/^(meta|queued action)/);
    }
    expect(() => readState(null as never)).not.toThrow();
    expect(readState({ meta: undefined, outbox: 42 } as never)).toMatchObject({
      meta: null,
      outbox: [],
    });
    const hostile = Object.defineProperty({}, 'actionId', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(readState({ meta: hostile, outbox: [hostile] }).setAside).toHaveLength(2);
  });

  it('keeps the cart and its token when only the confirmed cart is unreadable', () => {
    const old = { ...cart(), taxRateBps: undefined, lines: 'none' };
    const lastOrder = {
      orderId: 'o1',
      orderNumber: 1,
      cart: { ...cart(), status: 'checked_out', total: 5 },
    };
    const raw = { ...meta, cart: { ...meta.cart, confirmed: old }, lastOrder };
    const state = readState({ meta: raw, outbox: [] });
    expect(state.meta).toEqual({
      ...meta,
      cart: { ...meta.cart, confirmed: null },
      lastOrder: null,
    });
    expect(state.setAside).toEqual([
      {
        record: old,
        reason: expect.stringMatching(
          /^meta: cart\.confirmed\.taxRateBps: .*; cart\.confirmed\.lines: /,
        ) as string,
      },
      {
        record: lastOrder,
        reason: expect.stringMatching(/^meta: lastOrder\.cart\.total: /) as string,
      },
    ]);
  });

  it('drops a confirmed cart that is another cart', () => {
    const raw = { ...meta, cart: { ...meta.cart, confirmed: cart({ id: 'other' }) } };
    const state = readState({ meta: raw, outbox: [] });
    expect(state.meta?.cart).toEqual({ ...meta.cart, confirmed: null });
    expect(state.setAside[0]?.reason).toContain('the confirmed cart is another cart');
  });

  it('sets the meta aside whole when the cart itself is unreadable', () => {
    const raw = {
      ...meta,
      cart: { kind: 'active', id: 'not an id', token: null, confirmed: null },
    };
    const state = readState({ meta: raw, outbox: [] });
    expect(state.meta).toBeNull();
    expect(state.setAside).toEqual([
      { record: raw, reason: expect.stringMatching(/^meta: cart\.id: /) as string },
    ]);
  });

  it('reports a meta record of a newer bundle, and does not use it', () => {
    const newer = { v: 3, whatever: true };
    const state = readState({ meta: newer, outbox: [action('a', '1')] });
    expect(state.meta).toBeNull();
    expect(state.metaIsNewer).toBe(true);
    expect(state.outbox).toEqual([action('a', '1')]);
    expect(state.setAside).toEqual([
      { record: newer, reason: expect.stringContaining('newer') as string },
    ]);
  });
});

describe('migrateMeta', () => {
  it('answers a version-2 record as is, and no record as null', () => {
    expect(migrateMeta(meta)).toEqual(meta);
    expect(migrateMeta(null)).toBeNull();
    expect(migrateMeta(undefined)).toBeNull();
  });

  it('turns a version-1 record into version 2, dropping the attempts', () => {
    expect(migrateMeta(v1())).toEqual({
      v: 2,
      cart: { kind: 'active', id: 'c1', token: 'secret', confirmed: cart() },
      lineIds: { tmp_a: 'L1' },
      checkout: null,
      createKey: null,
      clock: 0,
      lastOrder: null,
    } satisfies MetaRecord);
  });

  it('keeps a pending checkout key, as a checkout of no queued action and no known version', () => {
    expect(migrateMeta(v1({ checkoutKey: 'ck' }))).toMatchObject({
      checkout: { key: 'ck', actionIds: [], version: null },
    });
  });

  it('gives the cart its lifecycle state from the confirmed cart', () => {
    const kind = (status: Cart['status']) => {
      const m = migrateMeta(v1({ confirmed: cart({ status }) }));
      return m !== null && m !== 'newer' ? m.cart.kind : m;
    };
    expect(kind('active')).toBe('active');
    expect(kind('checked_out')).toBe('closed');
    expect(kind('merged')).toBe('closed');
    expect(kind('expired')).toBe('expired');
    expect(migrateMeta(v1({ confirmed: null }))).toMatchObject({
      cart: { kind: 'active', id: 'c1', token: 'secret', confirmed: null },
    });
  });

  it('makes no cart of a version-1 record without one', () => {
    expect(
      migrateMeta(v1({ cartId: null, token: null, confirmed: null, attempts: [] })),
    ).toMatchObject({ cart: { kind: 'none' } });
  });

  it('keeps the cart id and token of a version-1 record whose confirmed cart today is unreadable', () => {
    // Written before carts carried their tax rate: the store fetches the cart again.
    const { taxRateBps: _, ...old } = cart();
    const state = readState({ meta: v1({ confirmed: old }), outbox: [] });
    expect(state.meta?.cart).toEqual({
      kind: 'active',
      id: 'c1',
      token: 'secret',
      confirmed: null,
    });
    expect(state.setAside).toEqual([
      { record: old, reason: expect.stringContaining('taxRateBps') as string },
    ]);
    const another = readState({ meta: v1({ confirmed: cart({ id: 'c2' }) }), outbox: [] });
    expect(another.meta?.cart).toMatchObject({ id: 'c1', confirmed: null });
    expect(another.setAside[0]?.reason).toContain('another cart');
  });

  it('answers newer for a record of a newer bundle, null for one it cannot read', () => {
    expect(migrateMeta({ v: 3 })).toBe('newer');
    expect(migrateMeta({ v: 17, cart: 'anything' })).toBe('newer');
    for (const bad of [42, 'x', {}, [], { v: 0 }, { v: 2 }, v1({ cartId: 'no spaces allowed' })])
      expect(migrateMeta(bad)).toBeNull();
  });
});

describe('parseActionRecord', () => {
  it('answers a valid record from another tab, without sharing it', () => {
    const sent = action('a', '1');
    const got = parseActionRecord(sent);
    expect(got).toEqual(sent);
    expect(got).not.toBe(sent);
  });

  it('answers null for what this bundle cannot use, and says why', () => {
    for (const bad of [
      null,
      42,
      {},
      { ...action('a', '1'), seq: '' },
      { ...action('a', '1'), createdAt: -1 },
    ])
      expect(parseActionRecord(bad)).toBeNull();
    const gift = { ...action('g', '1'), action: { type: 'addGiftCard' } };
    expect(readActionRecord(gift)).toEqual({
      ok: false,
      reason:
        'queued action g: action.type: "addGiftCard" is not an action type this bundle knows (written by a newer one?)',
    });
  });
});
