// Over 400 lines on purpose: one property (every action applied exactly once) with the
// fault model it draws from (lost answers, reloads, tabs, clock steps) and the oracle that
// judges a run; the three only make sense read together.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, CheckoutResult, Product } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import {
  CartApiError,
  MemoryStorage,
  type ActionRecord,
  type ActionResult,
  type CartStore,
  type FetchLike,
} from '../src/index.ts';
import { serverRecord, startRun, type ShopRun } from './support/shop-run.ts';
import { stepWallClock } from './support/wall-clock.ts';

/**
 * What the shopper and the world do, one step at a time. Every add names its own line
 * (a `tag` attribute no other add uses), so the lines the server ends with reveal the
 * fate of every add and of every change made to its line.
 */
type Step =
  /** Adds a product (3 is the scarce one: the page shows stock the server no longer has). */
  | { kind: 'add'; product: number; quantity: number }
  /** Sets the quantity of the n-th line shown (0 removes it). */
  | { kind: 'set'; line: number; quantity: number }
  | { kind: 'remove'; line: number }
  /** The server handles the next `answers` requests of this kind, and the answers are lost. */
  | { kind: 'lose'; what: keyof typeof LOSABLE; answers: number }
  | { kind: 'down' }
  | { kind: 'up' }
  /** Time passes: timers due run (backoffs end). */
  | { kind: 'tick'; ms: number }
  /** The device's wall clock is corrected (back or forward); timers keep counting elapsed time. */
  | { kind: 'clock-step'; ms: number }
  /** The page reloads: the store is disposed and a new one starts on the same storage. */
  | { kind: 'reload' }
  /** A tab running the next release queues an action this bundle cannot read, in the shared storage. */
  | { kind: 'other-bundle' }
  /** The server's sweep a month on: every cart made so far expires (and stored answers are forgotten). */
  | { kind: 'expire' }
  /** The credential stops opening the cart for the next `requests` requests (a lost cookie). */
  | { kind: 'lose-credential'; requests: number }
  /** Checks out (at most once a run; later checkout steps do nothing). */
  | { kind: 'checkout' };

const LOSABLE = {
  actions: /^POST \/api\/carts\/[^/]+\/actions$/,
  create: /^POST \/api\/carts$/,
  checkout: /^POST \/api\/carts\/[^/]+\/checkout$/,
  read: /^GET \/api\/carts\/[^/?]+$/,
  any: /./,
} as const;

const steps: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      product: fc.integer({ min: 0, max: 3 }),
      quantity: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      line: fc.nat(9),
      quantity: fc.integer({ min: 0, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), line: fc.nat(9) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('lose' as const),
      what: fc.constantFrom(...(Object.keys(LOSABLE) as (keyof typeof LOSABLE)[])),
      answers: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'down' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'up' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 1_000, max: 120_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('clock-step' as const),
      ms: fc.constantFrom(-3_600_000, -60_000, 3_600_000),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'reload' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'other-bundle' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('lose-credential' as const),
      requests: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkout' as const }) },
);

/** A change the shopper made, and what the store told them about it. */
interface Op {
  /** Its place in the shopper's order. */
  n: number;
  kind: 'add' | 'set' | 'remove';
  /** The line it is about (the tag of the add that made it). */
  tag: string;
  quantity: number;
  /** The store it was made in. */
  store: CartStore;
  result?: ActionResult;
  /** The result came when its store was disposed. */
  atDispose?: boolean;
}

type CheckoutOutcome =
  | { state: 'pending' }
  | { state: 'ordered'; order: CheckoutResult }
  | { state: 'refused'; error: CartApiError }
  | { state: 'failed'; error: unknown };

const isUnavailable = (r: ActionResult) => !r.ok && r.error.code === 'UNAVAILABLE';

/** The quantity a tag's line has after `ops`, applied once each in order (0: no line). */
function fold(ops: readonly Op[]): number {
  let quantity = 0;
  for (const op of ops) {
    if (op.kind === 'add') quantity += op.quantity;
    else if (op.kind === 'set') quantity = op.quantity;
    else quantity = 0;
  }
  return quantity;
}

const describeOp = (op: Op) =>
  `#${op.n} ${op.kind} ${op.tag}${op.kind === 'remove' ? '' : ` ×${op.quantity}`} → ${
    op.result === undefined
      ? 'unsettled'
      : op.result.ok
        ? `ok in ${op.result.cart?.id ?? '?'}`
        : `${op.result.error.code}${op.atDispose ? ' (at dispose)' : ''}`
  }`;

/**
 * README "Exactly once", checked against the real application. Whatever happens —
 * answers lost after the commit, the network down, reloads mid-flight, the clock
 * corrected backwards, a newer bundle's record in the shared storage, carts expiring,
 * the credential lost for a while, refusals, a checkout — every change the shopper makes
 * is told once, ok or refused (or, for a change still on its way when its page was
 * closed, a retryable UNAVAILABLE), and the server's record agrees: a change told ok is
 * applied, once, in the cart it was told of; a change told refused is not in any cart
 * the shopper still has (the current one, the one ordered); a change whose page closed
 * is applied at most once there. In every cart, each line is what the changes the
 * server applied to it make, each applied once. And the store ends showing the
 * server's cart. The second property plays the same worlds and asks only that, once
 * the network is back, the store gets there by itself, without the shopper's retry().
 */
describe('exactly once, under any faults', () => {
  let t: TestApp;
  let runs = 0;

  beforeAll(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const product = async (stock: number | null): Promise<Product> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: adminAuth,
      payload: productInput({ stock }),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Product>();
  };

  /**
   * Plays `plan`, heals the world, then checks. `told`: with retry() once healed (it lifts
   * a stop only the shopper can lift), every invariant of the fates told and the server's
   * record. `unaided`: without retry(), only that the store gets there by itself.
   */
  const play = async (plan: Step[], mode: 'told' | 'unaided'): Promise<void> => {
    const run = ++runs;
    // Fresh products each run: stock taken by one run's order is not the next one's.
    const products = [await product(null), await product(null), await product(null)];
    const scarce = await product(2);
    // The page still shows the stock the scarce product had: only the server refuses.
    const shown = [...products, { ...scarce, stock: 99 }];

    // The credential is dropped from the next `dropAuth` requests to a cart; the
    // carts that lost a request that way are the ones the store may rightly give up.
    let dropAuth = 0;
    const credentialLost = new Set<string>();
    const through =
      (inner: FetchLike): FetchLike =>
      async (input, init) => {
        const m = /^\/api\/carts\/([^/]+)/.exec(new URL(input).pathname);
        if (m && dropAuth > 0) {
          dropAuth--;
          credentialLost.add(decodeURIComponent(m[1] as string));
          const headers = new Headers(init.headers);
          headers.delete('authorization');
          return inner(input, { ...init, headers });
        }
        return inner(input, init);
      };
    const r: ShopRun = startRun(t.app, { through });
    const storage = new MemoryStorage();
    const persistErrors: string[] = [];
    const announced = new Map<string, number>();
    const disposed = new Set<CartStore>();
    /** Records of a newer bundle written to storage, and whether a store has started since. */
    const aliens: { actionId: string; readSince: boolean }[] = [];

    const open = async (): Promise<CartStore> => {
      const s = r.store({
        storage,
        onPersistError: (e) => persistErrors.push(String(e)),
      });
      s.onRefusal((report) => {
        if (report.actionId !== null)
          announced.set(report.actionId, (announced.get(report.actionId) ?? 0) + 1);
      });
      await r.settle(s.start());
      return s;
    };

    const ops: Op[] = [];
    /** The one checkout of the run: whether asked, in which store, and how it ended. */
    const checkout: { asked: boolean; store: CartStore | null; outcome: CheckoutOutcome } = {
      asked: false,
      store: null,
      outcome: { state: 'pending' },
    };
    let store = await open();
    await r.settle(store.createCart());

    const track = (op: Omit<Op, 'n' | 'store'>, promise: Promise<ActionResult>) => {
      const entry: Op = { ...op, n: ops.length, store };
      ops.push(entry);
      void promise.then((result) => {
        entry.result = result;
        entry.atDispose = disposed.has(entry.store);
      });
    };

    try {
      for (const s of plan) {
        switch (s.kind) {
          case 'add': {
            const tag = `r${run}-a${ops.length}`;
            const p = shown[s.product] as Product;
            track(
              { kind: 'add', tag, quantity: s.quantity },
              store.addLine(p, s.quantity, { tag }),
            );
            break;
          }
          case 'set':
          case 'remove': {
            const lines = store.getSnapshot().cart?.lines ?? [];
            const line = lines[s.line % Math.max(1, lines.length)];
            if (!line) break;
            const tag = line.attributes.tag as string;
            if (s.kind === 'set')
              track(
                { kind: 'set', tag, quantity: s.quantity },
                store.setQuantity(line.id, s.quantity),
              );
            else track({ kind: 'remove', tag, quantity: 0 }, store.removeLine(line.id));
            break;
          }
          case 'lose':
            r.net.loseAnswers(LOSABLE[s.what], s.answers);
            break;
          case 'down':
            r.net.isDown = true;
            break;
          case 'up':
            r.net.isDown = false;
            break;
          case 'tick':
            r.clock.tick(s.ms);
            break;
          case 'clock-step':
            stepWallClock(r.clock, s.ms);
            break;
          case 'reload':
            disposed.add(store);
            store.dispose();
            for (const a of aliens) a.readSince = true;
            store = await open();
            break;
          case 'other-bundle': {
            const actionId = `newer-bundle-${run}-${aliens.length}`;
            aliens.push({ actionId, readSince: false });
            // The record format this bundle writes, with an action it does not know.
            const alien = {
              actionId,
              action: { type: 'giftWrap', lineId: 'any', paper: 'gold' },
              seq: '0',
              createdAt: r.clock.now(),
            };
            await storage.save({ put: [alien as unknown as ActionRecord] });
            break;
          }
          case 'expire':
            // A month later: the server has also forgotten the answers it kept for replay
            // (24 h); a checkout still unanswered learns its order all the same (checkout
            // is idempotent by cart).
            await t.app.sweep(new Date(Date.now() + 31 * 24 * 3600 * 1000));
            break;
          case 'lose-credential':
            dropAuth = s.requests;
            break;
          case 'checkout': {
            if (checkout.asked) break;
            checkout.asked = true;
            checkout.store = store;
            store.checkout().then(
              (order) => (checkout.outcome = { state: 'ordered', order }),
              (error: unknown) =>
                (checkout.outcome =
                  error instanceof CartApiError
                    ? { state: 'refused', error }
                    : { state: 'failed', error }),
            );
            break;
          }
        }
        await r.quiet();
      }

      // The world heals: the network, the answers and the credential come back.
      r.net.isDown = false;
      r.net.loseAnswers(/$^/, 0);
      dropAuth = 0;
      const mine = () => ops.filter((o) => o.store === store);
      const done = () => {
        const snap = store.getSnapshot();
        return (
          snap.pendingCount === 0 &&
          snap.status === 'idle' &&
          mine().every((o) => o.result !== undefined) &&
          (checkout.store !== store || checkout.outcome.state !== 'pending')
        );
      };
      if (mode === 'unaided') {
        // The backoff ends within 30 s and the next attempt goes through; only a stop
        // that asks the shopper (status `error`: the cart kept getting lost while the
        // credential was) waits for retry().
        await r.drive(() => done() || store.getSnapshot().status === 'error', {
          stepMs: 5_000,
          maxMs: 10 * 60_000,
        });
        const snap = store.getSnapshot();
        expect(
          done() || snap.status === 'error'
            ? null
            : {
                status: snap.status,
                sync: snap.sync,
                pending: snap.pendingCount,
                now: r.clock.now(),
              },
          'with the network back, the store syncs within 10 min without retry()',
        ).toBeNull();
        return;
      }
      // retry() also reads the cart again, so a cart that expired unseen is known as such.
      store.retry();
      await r.drive(done, { stepMs: 5_000, maxMs: 3 * 3_600_000 });

      // ---- every change told once ----------------------------------------------
      const unsettled = ops.filter((o) => o.result === undefined);
      expect(unsettled.map(describeOp), 'changes never told').toEqual([]);
      expect(
        ops.filter((o) => o.result && isUnavailable(o.result) && !o.atDispose).map(describeOp),
        'UNAVAILABLE only for changes whose store was disposed',
      ).toEqual([]);
      expect(
        ops
          .filter((o) => o.result && !o.result.ok && isUnavailable(o.result))
          .filter((o) => o.result && !o.result.ok && !o.result.error.retryable)
          .map(describeOp),
        'an UNAVAILABLE result says it is retryable',
      ).toEqual([]);
      expect(
        ops.filter((o) => o.result?.ok && announced.has(o.result.actionId)).map(describeOp),
        'told ok, and announced as refused',
      ).toEqual([]);
      expect(
        [...announced].filter(([, n]) => n > 1),
        'a refusal announced twice',
      ).toEqual([]);
      expect(store.getSnapshot().status, 'the store ends idle').toBe('idle');

      // ---- what the server recorded ----------------------------------------------
      const actionIds = ops.map((o) => o.result?.actionId).filter((id) => !!id) as string[];
      const record = await serverRecord(t.app, r.wire.tokens.keys(), actionIds);
      const ordered = [...record].filter(([, c]) => c.state.status === 'checked_out');
      expect(ordered.length, 'at most one order').toBeLessThanOrEqual(1);
      const orderCartId = ordered[0]?.[0] ?? null;
      const final = store.getSnapshot();
      // The carts the shopper still has: the one in use, and the one ordered.
      const kept = new Set([final.cartId, orderCartId].filter((id) => id !== null));
      const appliedIn = (actionId: string) =>
        [...record].filter(([, c]) => c.applied.has(actionId)).map(([id]) => id);

      const wrong: string[] = [];
      for (const op of ops) {
        const result = op.result as ActionResult;
        const id = result.actionId as string;
        const where = appliedIn(id);
        const inKept = where.filter((c) => kept.has(c));
        if (result.ok) {
          const toldCart = result.cart?.id;
          if (!toldCart || !where.includes(toldCart))
            wrong.push(
              `${describeOp(op)}: told ok, not applied there (applied in ${where.join(', ')})`,
            );
          if (inKept.some((c) => c !== toldCart))
            wrong.push(`${describeOp(op)}: also applied in kept cart ${inKept.join(', ')}`);
        } else if (isUnavailable(result) && !announced.has(id)) {
          if (inKept.length > 1) wrong.push(`${describeOp(op)}: applied in ${inKept.join(', ')}`);
        } else if (inKept.length > 0) {
          wrong.push(`${describeOp(op)}: told refused, applied in kept cart ${inKept.join(', ')}`);
        }
      }
      // Every line is what the changes applied to its cart make, each once.
      for (const [cartId, cart] of record) {
        const tags = new Set([
          ...ops.map((o) => o.tag),
          ...cart.state.lines.map((l) => l.attributes.tag ?? '(no tag)'),
        ]);
        for (const tag of tags) {
          const applied = ops.filter(
            (o) => o.tag === tag && cart.applied.has(o.result?.actionId as string),
          );
          const lines = cart.state.lines.filter((l) => (l.attributes.tag ?? '(no tag)') === tag);
          const got = lines.reduce((sum, l) => sum + l.quantity, 0);
          const want = fold(applied);
          if (lines.length > 1 || got !== want)
            wrong.push(
              `cart ${cartId} line ${tag}: ${got} (in ${lines.length} lines), want ${want} from ${applied.map(describeOp).join('; ') || 'nothing'}`,
            );
        }
      }
      // A cart the store gave up holding changes: it expired, or the credential stopped opening it.
      for (const [cartId, cart] of record) {
        if (kept.has(cartId) || cart.applied.size === 0) continue;
        if (cart.state.status !== 'expired' && !credentialLost.has(cartId))
          wrong.push(
            `cart ${cartId} (${cart.state.status}) with applied changes was given up for no reason`,
          );
      }
      expect(wrong, ops.map(describeOp).join('\n')).toEqual([]);

      // ---- the checkout ----------------------------------------------------------
      const placed = orderCartId !== null;
      const told = checkout.outcome;
      if (told.state === 'ordered')
        expect(told.order.cart.id, 'the order told is the one placed').toBe(orderCartId);
      const learnable = !credentialLost.has(orderCartId ?? '');
      if (told.state === 'refused' && learnable)
        expect(placed, `checkout refused (${told.error.code}), yet the order was placed`).toBe(
          false,
        );
      if (placed && learnable)
        expect(final.lastOrder?.cart.id, 'the order placed shows as the last order').toBe(
          orderCartId,
        );

      // ---- the records of another bundle -------------------------------------------
      const sentTypes = r.net
        .matching(LOSABLE.actions)
        .flatMap((q) => (q.body as { actions: { type: string }[] }).actions)
        .map((a) => a.type);
      expect(sentTypes, 'the unknown action is never sent').not.toContain('giftWrap');
      for (const { actionId } of aliens.filter((a) => a.readSince))
        expect(
          persistErrors.some((e) => e.includes(actionId)),
          `the record ${actionId} is reported set aside`,
        ).toBe(true);

      // ---- the store shows the server's cart ----------------------------------------
      if (final.cartId !== null) {
        const token = store.api.token ?? r.wire.tokens.get(final.cartId);
        const res = await t.app.inject({
          url: `/api/carts/${final.cartId}`,
          headers: bearer(token as string),
        });
        expect(res.statusCode, res.body).toBe(200);
        const onServer = res.json<Cart>();
        expect(final.confirmed, 'the confirmed cart is the server’s').toEqual(onServer);
        const { lines: shownLines, ...shownTotals } = final.cart as NonNullable<typeof final.cart>;
        const { lines: serverLines, ...serverTotals } = onServer;
        expect(shownTotals).toEqual(serverTotals);
        expect(shownLines.map(({ key: _k, pending: _p, ...l }) => l)).toEqual(serverLines);
      }
    } finally {
      r.close();
    }
  };

  const plans = fc.array(steps, { minLength: 6, maxLength: 24 });

  it('tells every change once, and the server applied each as told', async () => {
    await fc.assert(
      fc.asyncProperty(plans, (plan) => play(plan, 'told')),
      {
        numRuns: 50,
        // Found by CI (a checkout's answers lost until its key was forgotten, then asked
        // again under its old If-Match): run first, every time.
        examples: [
          [
            [
              { kind: 'lose', what: 'checkout', answers: 4 },
              { kind: 'add', product: 0, quantity: 1 },
              { kind: 'add', product: 0, quantity: 1 },
              { kind: 'checkout' },
              { kind: 'lose', what: 'actions', answers: 1 },
              { kind: 'expire' },
            ],
          ],
        ],
      },
    );
  }, 120_000);

  it('syncs by itself once the network is back (no retry() needed)', async () => {
    await fc.assert(
      fc.asyncProperty(plans, (plan) => play(plan, 'unaided')),
      {
        numRuns: 30,
        // The smallest case this property found (the wall clock corrected back during a
        // backoff): run first, every time.
        examples: [
          [
            [
              { kind: 'down' },
              { kind: 'add', product: 0, quantity: 1 },
              { kind: 'up' },
              { kind: 'clock-step', ms: -3_600_000 },
            ],
          ],
        ],
      },
    );
  }, 120_000);
});
