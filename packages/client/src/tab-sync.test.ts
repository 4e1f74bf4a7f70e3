import { describe, expect, it } from 'vitest';
import { TAB_PROTOCOL, readTabMessage, type SharedState } from './tab-sync.ts';

const shared: SharedState = {
  cart: { kind: 'none' },
  outbox: [],
  lineIds: {},
  clock: 1,
  settled: [],
  lastError: null,
  lastOrder: null,
  status: 'idle',
  sync: { kind: 'idle' },
  taxRateBps: 2000,
  taxInclusive: true,
  stock: { p1: 2, p2: null },
};

describe('the state a leading tab shares', () => {
  it('carries the tax rule for carts not made yet', () => {
    const read = readTabMessage({ type: 'state', v: TAB_PROTOCOL, state: shared });
    expect(read).toEqual({ type: 'state', v: TAB_PROTOCOL, state: shared });
  });

  it('reads a tab of the previous version, which sends no taxInclusive, as tax-exclusive', () => {
    const { taxInclusive: _, ...previous } = shared;
    const read = readTabMessage({ type: 'state', v: TAB_PROTOCOL, state: previous });
    expect(read?.type === 'state' && read.state).toMatchObject({
      taxRateBps: 2000,
      taxInclusive: false,
    });
  });

  it('reads a tab of the previous version, which shares no stock levels, as knowing none', () => {
    const { stock: _, ...previous } = shared;
    const read = readTabMessage({ type: 'state', v: TAB_PROTOCOL, state: previous });
    expect(read?.type === 'state' && read.state.stock).toEqual({});
  });

  it('ignores a message whose taxInclusive is not a boolean', () => {
    const state = { ...shared, taxInclusive: 'yes' };
    expect(readTabMessage({ type: 'state', v: TAB_PROTOCOL, state })).toBeNull();
  });
});
