import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditPage, Region } from '@cart/core';
import { adminAuth } from '@cart/test-support/test-app.ts';
import { MemoryStorage } from '../src/index.ts';
import { ACTIONS, openShop, verdict, type Shop } from './support/shop.ts';

/**
 * A country change is an action like any other: queued on the device while offline,
 * kept over a reload, and applied exactly once however often it is sent, even when the
 * answer to the request that applied it is lost.
 */
describe('a country change made offline', () => {
  let shop: Shop;
  let uk: Region;

  beforeEach(async () => {
    shop = await openShop();
    const res = await shop.t.app.inject({
      method: 'POST',
      url: '/api/admin/regions',
      headers: adminAuth,
      payload: {
        name: 'United Kingdom',
        currency: 'GBP',
        countries: ['GB'],
        taxRateBps: 2000,
        taxInclusive: true,
        default: false,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    uk = res.json<Region>();
  });
  afterEach(async () => {
    await shop.close();
  });

  it('is shown at once, survives a reload, and is applied once though its answer is lost', async () => {
    const mug = await shop.product({
      price: { amount: 1200, currency: 'USD' },
      prices: [{ amount: 1000, currency: 'GBP' }],
    });
    const storage = new MemoryStorage();
    const first = shop.store({ storage });
    await first.start();
    first.rememberRegions([...(await first.loadRegions()).items.filter((r) => r.id !== uk.id), uk]);
    const cart = await first.createCart();
    expect(verdict(await shop.settle(first.addLine(mug, 2)))).toBe('ok');

    // Offline: the move is shown at once, in pounds.
    shop.net.isDown = true;
    const moved = first.setCountry('GB');
    expect(first.getSnapshot().cart).toMatchObject({
      currency: 'GBP',
      country: 'GB',
      total: { amount: 2000, currency: 'GBP' },
      taxInclusive: true,
    });
    await shop.quiet();
    expect(first.getSnapshot().pendingCount).toBe(1);
    first.dispose();
    void moved;

    // A reload with the network back, whose answer to the move is lost after the commit.
    shop.net.isDown = false;
    shop.net.loseAnswers(ACTIONS, 1);
    const second = shop.store({ storage });
    await second.start();
    // The page reads the regions and shows its products again, as the storefront does on
    // every load: with both known the queued move is priced on the device.
    await second.loadRegions();
    second.rememberProducts([mug]);
    expect(second.getSnapshot().cart?.currency).toBe('GBP');
    await shop.drive(() => second.getSnapshot().pendingCount === 0, { maxMs: 60_000 });

    const onServer = await shop.cartOnServer(cart.id);
    expect(onServer).toMatchObject({ regionId: uk.id, currency: 'GBP', country: 'GB' });
    expect(onServer.lines.map((l) => [l.quantity, l.unitPrice.amount])).toEqual([[2, 1000]]);
    expect(second.getSnapshot().cart).toMatchObject({ currency: 'GBP', version: onServer.version });
    // Sent at least twice (the lost answer), applied once: one audited change carries it.
    expect(shop.net.matching(ACTIONS).length).toBeGreaterThanOrEqual(2);
    const audit = await shop.t.app.inject({
      url: `/api/admin/audit?cartId=${cart.id}`,
      headers: adminAuth,
    });
    const moves = audit
      .json<AuditPage>()
      .items.filter(
        (r) =>
          JSON.stringify(r.detail).includes('"type":"setCountry"') &&
          !JSON.stringify(r.detail).includes('"skipped":1'),
      );
    expect(moves).toHaveLength(1);
    second.dispose();
  });
});
