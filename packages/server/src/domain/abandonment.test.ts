import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CartState } from '@cart/core';
import {
  cartState,
  createCart,
  line,
  next,
  plan,
  productFixture,
  writes,
} from '../../test/storage-contract/fixtures.ts';
import type { AnalyticsEvent } from '../storage/port.ts';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { sweepAbandoned, type AbandonmentSweep } from './abandonment.ts';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const IDLE_SECONDS = 3600;
const LONG_AGO = '2026-11-28T09:00:00.000Z';
const JUST_NOW = '2026-11-28T11:59:00.000Z';

/** What the sweep needs of a priced cart: its total (the sum of its lines) and currency. */
const view = (state: CartState, _now: Date): Cart =>
  ({
    total: {
      amount: state.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice.amount, 0),
      currency: state.currency,
    },
    currency: state.currency,
  }) as unknown as Cart;

/** A cart with `units` units of one 10.00 product, last changed at `updatedAt`. */
const withItems = (updatedAt: string, units = 1) =>
  cartState({ createdAt: updatedAt, updatedAt, lines: [line(productFixture(), units)] });

describe('sweepAbandoned', () => {
  let storage: SqliteStorage;
  let calls: Record<'findIdleCarts' | 'getCart' | 'markAbandoned', number>;
  let seen: AnalyticsEvent[];
  let sweep: AbandonmentSweep;

  beforeEach(() => {
    storage = new SqliteStorage(':memory:');
    calls = { findIdleCarts: 0, getCart: 0, markAbandoned: 0 };
    for (const name of Object.keys(calls) as (keyof typeof calls)[]) {
      const original = storage[name].bind(storage) as (...args: unknown[]) => unknown;
      Object.assign(storage, {
        [name]: (...args: unknown[]) => {
          calls[name] += 1;
          return original(...args);
        },
      });
    }
    seen = [];
    sweep = {
      storage,
      service: { view },
      observer: { committed: (events) => seen.push(...events) },
      idleSeconds: IDLE_SECONDS,
    };
  });

  afterEach(async () => {
    await storage.close();
  });

  it('reads the idle carts in one query and marks each once, with its total', async () => {
    const idle = [
      await createCart(storage, withItems(LONG_AGO, 1)),
      await createCart(storage, withItems(LONG_AGO, 3)),
    ];
    await createCart(storage, withItems(JUST_NOW));
    await createCart(storage, cartState({ createdAt: LONG_AGO, updatedAt: LONG_AGO }));

    expect(await sweepAbandoned(sweep, NOW)).toBe(2);
    expect(calls).toEqual({ findIdleCarts: 1, getCart: 0, markAbandoned: 2 });
    expect(seen.toSorted((a, b) => (a.amount ?? 0) - (b.amount ?? 0))).toEqual(
      idle.map((cart, i) => ({
        at: NOW.toISOString(),
        type: 'cart_abandoned',
        cartId: cart.id,
        amount: [1000, 3000][i],
        currency: 'USD',
      })),
    );
    // Marked: not counted again until it changes.
    expect(await sweepAbandoned(sweep, NOW)).toBe(0);
    expect(seen).toHaveLength(2);
  });

  it('handles at most `batch` carts a sweep; the rest wait for the next', async () => {
    for (let i = 0; i < 3; i++) await createCart(storage, withItems(LONG_AGO));
    const batched = { ...sweep, batch: 2 };
    expect(await sweepAbandoned(batched, NOW)).toBe(2);
    expect(await sweepAbandoned(batched, NOW)).toBe(1);
    expect(await sweepAbandoned(batched, NOW)).toBe(0);
  });

  it('leaves a cart that changed after it was found, and tells no one about it', async () => {
    const changed = await createCart(storage, withItems(LONG_AGO));
    const other = await createCart(storage, withItems(LONG_AGO));
    const find = storage.findIdleCarts.bind(storage);
    storage.findIdleCarts = async (idleBefore, limit) => {
      const found = await find(idleBefore, limit);
      // The shopper comes back between the read and the mark.
      const w = next(changed);
      await storage.mutate(
        plan(changed.id),
        writes({ ...w, cart: { ...w.cart, updatedAt: NOW.toISOString() } }),
      );
      return found;
    };
    expect(await sweepAbandoned(sweep, NOW)).toBe(1);
    expect(seen.map((e) => e.cartId)).toEqual([other.id]);
  });
});
