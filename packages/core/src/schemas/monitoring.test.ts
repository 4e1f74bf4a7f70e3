import { describe, expect, it } from 'vitest';
import {
  AnalyticsEvent,
  AnalyticsEventType,
  AuditEntry,
  AuditPage,
  AuditRecord,
  FunnelStep,
} from './monitoring.ts';

const record: AuditRecord = {
  seq: 28,
  at: '2026-12-07T11:53:20.113Z',
  actorType: 'cart',
  actorId: 'c_1',
  requestId: 'bcc09812-bd9c-4d33-bfa7-48c98d4e3509',
  clientAddress: '127.0.0.1',
  action: 'cart.checkout',
  cartId: 'c_1',
  beforeVersion: 3,
  afterVersion: 4,
  detail: { total: 2520, codes: ['WELCOME10'] },
  prevHash: '4e18695df738ed75655060030cb64e66eb140eca4bdf5345ba091224521a8de5',
  hash: '3e574839985d52b49922cef34a44b073471a8bd213b34e324fbc4e7568ccd1ea',
  keyId: 'k20261207-8ce4',
};

describe('AuditRecord', () => {
  it('accepts a record as the server writes it', () => {
    expect(AuditRecord.parse(record)).toEqual(record);
  });

  it('accepts a system record with no actor, cart or key', () => {
    const legacy = {
      ...record,
      actorType: 'system',
      actorId: null,
      requestId: null,
      clientAddress: null,
      cartId: null,
      beforeVersion: null,
      afterVersion: null,
      detail: {},
      keyId: null,
    };
    expect(AuditRecord.safeParse(legacy).success).toBe(true);
  });

  it.each([
    ['seq 0', { seq: 0 }],
    ['a fractional seq', { seq: 1.5 }],
    ['an unknown actor type', { actorType: 'robot' }],
    ['a timestamp with an offset', { at: '2026-12-07T12:53:20.113+01:00' }],
    ['an actor id over 128 characters', { actorId: 'a'.repeat(129) }],
    ['a request id over 128 characters', { requestId: 'r'.repeat(129) }],
    ['a client address over 64 characters', { clientAddress: '1'.repeat(65) }],
    ['an action over 64 characters', { action: 'a'.repeat(65) }],
    ['a cart id that is not an id', { cartId: 'not an id' }],
    ['a detail key over 64 characters', { detail: { ['k'.repeat(65)]: 1 } }],
    ['a hash over 64 characters', { hash: 'a'.repeat(65) }],
    ['a previous hash over 64 characters', { prevHash: 'a'.repeat(65) }],
    ['a key id over 32 characters', { keyId: 'k'.repeat(33) }],
    ['an unknown key', { email: 'x@example.com' }],
  ])('rejects %s', (_what, change) => {
    expect(AuditRecord.safeParse({ ...record, ...change }).success).toBe(false);
  });

  it('rejects a record missing a field', () => {
    const { keyId: _keyId, ...missing } = record;
    expect(AuditRecord.safeParse(missing).success).toBe(false);
  });
});

describe('AuditPage', () => {
  it('accepts a page with a cursor and the last page', () => {
    expect(AuditPage.safeParse({ items: [record], nextCursor: '28' }).success).toBe(true);
    expect(AuditPage.safeParse({ items: [], nextCursor: null }).success).toBe(true);
  });

  it('accepts 100 records and rejects 101', () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ ...record, seq: i + 1 }));
    expect(AuditPage.safeParse({ items: items(100), nextCursor: null }).success).toBe(true);
    expect(AuditPage.safeParse({ items: items(101), nextCursor: null }).success).toBe(false);
  });

  it('rejects a cursor over 32 characters, a bad record and an unknown key', () => {
    expect(AuditPage.safeParse({ items: [], nextCursor: '1'.repeat(33) }).success).toBe(false);
    expect(AuditPage.safeParse({ items: [{ seq: 1 }], nextCursor: null }).success).toBe(false);
    expect(AuditPage.safeParse({ items: [], nextCursor: null, total: 0 }).success).toBe(false);
  });
});

describe('AuditEntry', () => {
  it('is a record before the chain gives it its place', () => {
    const { seq: _seq, prevHash: _prev, hash: _hash, keyId: _key, ...entry } = record;
    expect(AuditEntry.parse(entry)).toEqual(entry);
    expect(AuditEntry.safeParse(record).success).toBe(false);
  });
});

describe('AnalyticsEvent', () => {
  const event = { at: '2026-12-07T10:00:00.000Z', type: 'line_added', cartId: 'c1' } as const;

  it('takes every event type, with or without the line and money facts', () => {
    for (const type of AnalyticsEventType.options)
      expect(AnalyticsEvent.safeParse({ ...event, type }).success).toBe(true);
    const full = { ...event, productId: 'p1', quantity: 2, amount: 2800, currency: 'USD' };
    expect(AnalyticsEvent.parse(full)).toEqual(full);
  });

  it('refuses an unknown type, a fractional amount, an unknown currency and personal data', () => {
    expect(AnalyticsEvent.safeParse({ ...event, type: 'page_view' }).success).toBe(false);
    expect(AnalyticsEvent.safeParse({ ...event, amount: 1.5 }).success).toBe(false);
    expect(AnalyticsEvent.safeParse({ ...event, currency: 'XYZ' }).success).toBe(false);
    expect(AnalyticsEvent.safeParse({ ...event, email: 'a@b.c' }).success).toBe(false);
  });

  it('counts the funnel in event types, in order', () => {
    expect(FunnelStep.options).toEqual([
      'cart_created',
      'line_added',
      'checkout_started',
      'checked_out',
    ]);
    for (const step of FunnelStep.options) expect(AnalyticsEventType.options).toContain(step);
  });
});
