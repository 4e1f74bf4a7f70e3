// Over 400 lines on purpose: one describe per monitoring and analytics schema the
// dashboard reads, each with what it accepts and refuses; they change together.
import { describe, expect, it } from 'vitest';
import {
  ALERT_HISTORY,
  ANALYTICS_LOST_DEMAND,
  ANALYTICS_TOP_PRODUCTS,
  AlertEvent,
  AlertsView,
  AlertStatus,
  Analytics,
  AnalyticsEvent,
  AnalyticsEventType,
  AnalyticsWindow,
  AuditChainStatus,
  AuditEntry,
  AuditPage,
  AuditRecord,
  ClientErrorReport,
  ERROR_GROUP_LIMITS,
  ErrorGroup,
  ErrorGroupPage,
  ErrorGroupSummary,
  ErrorSource,
  FunnelStep,
  MonitoringSeries,
  SeriesPoint,
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

  it('names its actor a cart, an admin or the system', () => {
    for (const actorType of ['cart', 'admin', 'system'])
      expect(AuditRecord.parse({ ...record, actorType }).actorType).toBe(actorType);
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

  it('names every event of a cart’s life, as the server records them', () => {
    expect(AnalyticsEventType.options).toEqual([
      'cart_created',
      'line_added',
      'line_removed',
      'quantity_changed',
      'discount_applied',
      'discount_removed',
      'checkout_started',
      'checked_out',
      'cart_merged',
      'cart_abandoned',
      'cart_expired',
    ]);
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

describe('error groups', () => {
  const group: ErrorGroupSummary = {
    fingerprint: '3f2a9c0d14e7b6a8',
    source: 'server',
    errorClass: 'TypeError',
    message: "Cannot read properties of undefined (reading 'id')",
    route: 'POST /api/carts/:cartId/lines',
    topFrame: 'packages/server/src/domain/cart-service.ts:112',
    count: 3,
    firstSeen: '2026-12-07T10:00:00.000Z',
    lastSeen: '2026-12-07T11:00:00.000Z',
    sampleRequestId: 'req-1',
  };

  it('accepts a group as the tracker keeps it, from either source', () => {
    expect(ErrorGroupSummary.parse(group)).toEqual(group);
    expect(ErrorSource.options).toEqual(['server', 'client']);
    const browser = {
      ...group,
      source: 'client',
      route: '/cart',
      topFrame: '',
      sampleRequestId: null,
    };
    expect(ErrorGroupSummary.parse(browser)).toEqual(browser);
  });

  it('takes a fingerprint of 16 to 64 lower-case hex digits, nothing around it', () => {
    for (const fingerprint of ['a'.repeat(16), 'f'.repeat(64)])
      expect(ErrorGroupSummary.safeParse({ ...group, fingerprint }).success).toBe(true);
    for (const fingerprint of [
      'a'.repeat(15),
      'a'.repeat(65),
      `x${'a'.repeat(16)}`,
      `${'a'.repeat(16)}x`,
      'A'.repeat(16),
    ])
      expect(ErrorGroupSummary.safeParse({ ...group, fingerprint }).success).toBe(false);
  });

  it('bounds its texts to what the tracker keeps, and counts at least one occurrence', () => {
    const over = (field: keyof typeof ERROR_GROUP_LIMITS) => ({
      ...group,
      [field]: 'x'.repeat(ERROR_GROUP_LIMITS[field] + 1),
    });
    for (const field of ['errorClass', 'message', 'route', 'topFrame'] as const)
      expect(ErrorGroupSummary.safeParse(over(field)).success, field).toBe(false);
    expect(ErrorGroupSummary.safeParse({ ...group, count: 0 }).success).toBe(false);
    expect(
      ErrorGroupSummary.safeParse({ ...group, sampleRequestId: 'r'.repeat(129) }).success,
    ).toBe(false);
  });

  it('adds the stack for the admin view only, bounded too', () => {
    const detail = { ...group, stack: 'TypeError: …\n    at addLine (cart-service.ts:112:7)' };
    expect(ErrorGroup.parse(detail)).toEqual(detail);
    expect(ErrorGroupSummary.safeParse(detail).success).toBe(false);
    const long = { ...group, stack: 's'.repeat(ERROR_GROUP_LIMITS.stack + 1) };
    expect(ErrorGroup.safeParse(long).success).toBe(false);
  });

  it('pages up to 100 groups with a cursor or null', () => {
    expect(ErrorGroupPage.parse({ items: [group], nextCursor: 'abc' })).toEqual({
      items: [group],
      nextCursor: 'abc',
    });
    const items = Array.from({ length: 101 }, () => group);
    expect(ErrorGroupPage.safeParse({ items, nextCursor: null }).success).toBe(false);
    expect(ErrorGroupPage.safeParse({ items: [], nextCursor: 'c'.repeat(129) }).success).toBe(
      false,
    );
  });
});

describe('ClientErrorReport', () => {
  const report = {
    errorClass: 'TypeError',
    message: 'x is undefined',
    stack: 'at f',
    page: '/cart',
  };
  const refusal = (change: Record<string, unknown>) =>
    ClientErrorReport.safeParse({ ...report, ...change }).error?.issues[0]?.message;

  it('accepts what the web app sends, and fills the class and the stack when missing', () => {
    expect(ClientErrorReport.parse(report)).toEqual(report);
    expect(ClientErrorReport.parse({ message: 'boom', page: '/' })).toEqual({
      errorClass: 'Error',
      message: 'boom',
      stack: '',
      page: '/',
    });
  });

  it('takes an error class name, nothing else', () => {
    for (const errorClass of ['E', '$Error', '_Err.Sub', `E${'x'.repeat(63)}`])
      expect(ClientErrorReport.safeParse({ ...report, errorClass }).success, errorClass).toBe(true);
    for (const errorClass of ['', '1Error', 'Type Error', 'Error!', `E${'x'.repeat(64)}`])
      expect(refusal({ errorClass }), errorClass).toBe('must be an error class name');
  });

  it('bounds the message and the stack', () => {
    expect(refusal({ message: 'm'.repeat(1001) })).toBe('must be at most 1000 characters');
    expect(refusal({ stack: 's'.repeat(8001) })).toBe('must be at most 8000 characters');
  });

  it('takes a page path without query or fragment', () => {
    for (const page of ['/', '/products/p1', `/${'a'.repeat(199)}`])
      expect(ClientErrorReport.safeParse({ ...report, page }).success, page).toBe(true);
    for (const page of ['cart', 'https://shop.test/cart', '/cart x', `/${'a'.repeat(200)}`])
      expect(refusal({ page }), page).toBe('must be a path starting with "/"');
    for (const page of ['/cart?coupon=X', '/cart#top'])
      expect(refusal({ page }), page).toBe('must not hold a query or fragment');
  });
});

describe('Analytics', () => {
  const analytics: Analytics = {
    window: '24h',
    from: '2026-12-06T12:00:00.000Z',
    to: '2026-12-07T12:00:00.000Z',
    currency: 'USD',
    funnel: [
      { step: 'cart_created', carts: 10 },
      { step: 'line_added', carts: 8 },
      { step: 'checkout_started', carts: 4 },
      { step: 'checked_out', carts: 3 },
    ],
    conversionRate: 0.3,
    abandonmentRate: 0.5,
    orders: 3,
    revenue: 7560,
    averageOrderValue: 2520,
    abandonedCarts: 4,
    abandonAfterSeconds: 3600,
    checkouts: {
      attempts: 5,
      succeeded: 3,
      refused: 2,
      refusedByCode: [
        { code: 'OUT_OF_STOCK', count: 1 },
        { code: 'CART_EMPTY', count: 1 },
      ],
    },
    lostDemand: [
      { productId: 'p1', name: 'Blue Mug', reason: 'stock', refusals: 2, units: 5, carts: 2 },
      { productId: 'p2', name: null, reason: 'limit', refusals: 1, units: 9, carts: 1 },
    ],
    topProducts: [
      { productId: 'p1', name: 'Blue Mug', quantityAdded: 12, carts: 5 },
      { productId: 'p2', name: null, quantityAdded: 1, carts: 1 },
    ],
  };

  it('accepts the figures of a window, and a window without orders', () => {
    expect(AnalyticsWindow.options).toEqual(['1h', '24h', '7d', '30d']);
    expect(Analytics.parse(analytics)).toEqual(analytics);
    const quiet = {
      ...analytics,
      funnel: [],
      conversionRate: 0,
      abandonmentRate: 0,
      orders: 0,
      revenue: 0,
      averageOrderValue: null,
      abandonedCarts: 0,
      checkouts: { attempts: 0, succeeded: 0, refused: 0, refusedByCode: [] },
      lostDemand: [],
      topProducts: [],
    };
    expect(Analytics.parse(quiet)).toEqual(quiet);
  });

  it.each([
    ['an unknown window', { window: '12h' }],
    ['a currency that is not 3 letters', { currency: 'US' }],
    ['a rate above 1', { conversionRate: 1.01 }],
    ['a negative rate', { abandonmentRate: -0.1 }],
    ['a negative count', { orders: -1 }],
    ['a fractional revenue', { revenue: 0.5 }],
    ['a negative average', { averageOrderValue: -1 }],
    ['a step that is not a funnel step', { funnel: [{ step: 'cart_merged', carts: 1 }] }],
    ['a step with negative carts', { funnel: [{ step: 'cart_created', carts: -1 }] }],
    [
      'more steps than the funnel has',
      { funnel: Array.from({ length: 5 }, () => analytics.funnel[0]) },
    ],
    [
      'more top products than listed',
      {
        topProducts: Array.from(
          { length: ANALYTICS_TOP_PRODUCTS + 1 },
          () => analytics.topProducts[0],
        ),
      },
    ],
    [
      'a product name over 200 characters',
      { topProducts: [{ ...analytics.topProducts[0], name: 'n'.repeat(201) }] },
    ],
    [
      'a product with negative units',
      { topProducts: [{ ...analytics.topProducts[0], quantityAdded: -1 }] },
    ],
    ['an idle time under a second', { abandonAfterSeconds: 0 }],
    [
      'a refusal code that is not an error code',
      { checkouts: { ...analytics.checkouts, refusedByCode: [{ code: 'NOPE', count: 1 }] } },
    ],
    [
      'a lost-demand reason that is not stock or limit',
      { lostDemand: [{ ...analytics.lostDemand[0], reason: 'price' }] },
    ],
    [
      'a lost-demand row without a refusal',
      { lostDemand: [{ ...analytics.lostDemand[0], refusals: 0 }] },
    ],
    [
      'more lost-demand rows than listed',
      {
        lostDemand: Array.from(
          { length: ANALYTICS_LOST_DEMAND + 1 },
          () => analytics.lostDemand[0],
        ),
      },
    ],
  ])('refuses %s', (_what, change) => {
    expect(Analytics.safeParse({ ...analytics, ...change }).success).toBe(false);
  });
});

describe('MonitoringSeries', () => {
  const point: SeriesPoint = {
    t: 1_765_108_800_000,
    requests: 120,
    errors: 2,
    p50: 3.5,
    p95: 12,
    p99: 40.25,
    rateLimited: 1,
    cartsCreated: 4,
    checkouts: 1,
  };

  it('accepts buckets with traffic and without', () => {
    const idle = {
      ...point,
      requests: 0,
      errors: 0,
      p50: null,
      p95: null,
      p99: null,
      rateLimited: 0,
      cartsCreated: 0,
      checkouts: 0,
    };
    const window = { timed: 120, p50: 3.5, p95: 12, p99: 40.25 };
    const series = { resolutionSeconds: 10, points: [point, idle], window };
    expect(MonitoringSeries.parse(series)).toEqual(series);
    const quiet = { timed: 0, p50: null, p95: null, p99: null };
    expect(MonitoringSeries.parse({ ...series, window: quiet }).window).toEqual(quiet);
  });

  it.each([
    ['negative requests', { requests: -1 }],
    ['negative errors', { errors: -1 }],
    ['negative rate-limited answers', { rateLimited: -1 }],
    ['negative carts created', { cartsCreated: -1 }],
    ['negative checkouts', { checkouts: -1 }],
    ['a fractional start', { t: 0.5 }],
  ])('refuses a point with %s', (_what, change) => {
    expect(SeriesPoint.safeParse({ ...point, ...change }).success).toBe(false);
  });

  it('needs buckets of at least a second', () => {
    const window = { timed: 0, p50: null, p95: null, p99: null };
    expect(MonitoringSeries.safeParse({ resolutionSeconds: 0, points: [], window }).success).toBe(
      false,
    );
  });
});

describe('alerts', () => {
  const status: AlertStatus = {
    rule: 'error-budget-burn',
    severity: 'page',
    state: 'firing',
    since: '2026-12-07T10:00:00.000Z',
    value: 14.4,
    summary: '5xx answers burn the error budget 14.4 times too fast',
  };
  const event: AlertEvent = {
    id: 7,
    rule: 'error-budget-burn',
    state: 'resolved',
    at: '2026-12-07T10:05:00.000Z',
    value: null,
    summary: 'back under the burn rate',
  };

  it('accepts the rules and their history, paging or ticket, firing or not', () => {
    const quiet = { ...status, severity: 'ticket', state: 'ok', since: null, value: null };
    const view = { rules: [status, quiet], history: [event, { ...event, id: 6, state: 'firing' }] };
    expect(AlertsView.parse(view)).toEqual(view);
  });

  it('bounds the texts and the lists', () => {
    expect(AlertStatus.safeParse({ ...status, rule: 'r'.repeat(65) }).success).toBe(false);
    expect(AlertStatus.safeParse({ ...status, summary: 's'.repeat(1001) }).success).toBe(false);
    expect(AlertStatus.safeParse({ ...status, severity: 'email' }).success).toBe(false);
    expect(AlertEvent.safeParse({ ...event, rule: 'r'.repeat(65) }).success).toBe(false);
    expect(AlertEvent.safeParse({ ...event, summary: 's'.repeat(1001) }).success).toBe(false);
    expect(AlertEvent.safeParse({ ...event, state: 'ok' }).success).toBe(false);
    const rules = Array.from({ length: 17 }, () => status);
    expect(AlertsView.safeParse({ rules, history: [] }).success).toBe(false);
    const history = Array.from({ length: ALERT_HISTORY + 1 }, () => event);
    expect(AlertsView.safeParse({ rules: [], history }).success).toBe(false);
  });
});

describe('AuditChainStatus', () => {
  it('says whether the chain is intact, and where it broke', () => {
    const intact = {
      intact: true,
      records: 28,
      brokenAtSeq: null,
      checkedAt: '2026-12-07T12:00:00.000Z',
    };
    const broken = { ...intact, intact: false, brokenAtSeq: 12 };
    expect(AuditChainStatus.parse(intact)).toEqual(intact);
    expect(AuditChainStatus.parse(broken)).toEqual(broken);
    expect(AuditChainStatus.safeParse({ ...intact, records: -1 }).success).toBe(false);
  });
});
