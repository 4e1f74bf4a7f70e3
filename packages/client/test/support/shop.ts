import { expect } from 'vitest';
import type { Cart, Product, ProductInput } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import {
  createCartStore,
  type ActionResult,
  type CartStore,
  type CartStoreOptions,
} from '../../src/index.ts';
import { FakeClock } from './fake-clock.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';
import { LiveRelay } from './live-relay.ts';
import { ScriptedFetch } from './scripted-fetch.ts';

export const ACTIONS = /^POST \/api\/carts\/[^/]+\/actions$/;
export const CHECKOUT = /^POST \/api\/carts\/[^/]+\/checkout$/;
export const CREATE_CART = /^POST \/api\/carts$/;
export const READ_CART = /^GET \/api\/carts\/[^/?]+$/;
export const EVENTS = /^GET \/api\/carts\/[^/]+\/events/;

/** One macrotask turn: what the server and the store need to move on a step. */
export const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The real application and everything a store test drives it with: the network
 * (InjectNetwork, behind a ScriptedFetch), the fake clock for every wait the SDK
 * makes, the live stream relayed from the server, and the server-side facts a test
 * checks the store against, read with the server's own routes.
 */
export interface Shop {
  t: TestApp;
  net: InjectNetwork;
  clock: FakeClock;
  wire: ScriptedFetch;
  relay: LiveRelay;
  /** A store on this shop (bearer auth, fake clock, no live stream unless asked). */
  store(options?: CartStoreOptions): CartStore;
  product(overrides?: Partial<ProductInput>): Promise<Product>;
  setStock(product: Product, stock: number): Promise<void>;
  /** The cart as the server has it (with the token the server gave when it made it). */
  cartOnServer(cartId: string | null): Promise<Cart>;
  /** Runs the server's sweep a month on: every cart made so far expires (and its live followers hear it). */
  expireCarts(): Promise<void>;
  /** Runs the server's sweep a day on: every stored idempotent answer is forgotten. */
  forgetStoredAnswers(): Promise<void>;
  /** Waits until no request is under way (held ones aside) for a few turns. */
  quiet(): Promise<void>;
  /**
   * Moves the fake clock on in steps, letting the store and server work between them,
   * until `done()` or `maxMs` has passed. Answers `done()`.
   */
  drive(done: () => boolean, options?: { stepMs?: number; maxMs?: number }): Promise<boolean>;
  /**
   * Waits for a promise of the store while driving the clock (the store may be waiting
   * for a timer); fails when it has not settled after `maxMs` of fake time.
   */
  settle<T>(promise: Promise<T>, options?: { stepMs?: number; maxMs?: number }): Promise<T>;
  close(): Promise<void>;
}

export async function openShop(env: Record<string, string> = {}): Promise<Shop> {
  const t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent', ...env } });
  const net = new InjectNetwork(t.app);
  const clock = new FakeClock();
  const wire = new ScriptedFetch(net.fetch, clock.now);
  const relay = new LiveRelay(t.app);
  wire.route(EVENTS, relay.handle);
  const stores: CartStore[] = [];

  const quiet = () => quietOn(wire);

  const shop: Shop = {
    t,
    net,
    clock,
    wire,
    relay,
    store(options = {}) {
      const s = createCartStore({
        baseUrl: 'http://shop.test',
        auth: 'bearer',
        fetch: wire.fetch,
        runtime: clock,
        live: false,
        ...options,
      });
      stores.push(s);
      return s;
    },
    async product(overrides = {}) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: adminAuth,
        payload: productInput(overrides),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<Product>();
    },
    async setStock(product, stock) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/admin/products/${product.id}`,
        headers: adminAuth,
        payload: {
          ...productInput({ sku: product.sku, name: product.name }),
          price: product.price,
          stock,
        },
      });
      expect(res.statusCode, res.body).toBe(200);
    },
    async cartOnServer(cartId) {
      expect(cartId, 'the store names a cart').not.toBeNull();
      const token = wire.tokens.get(cartId as string);
      expect(token, `the server made cart ${cartId} for this test`).toBeDefined();
      const res = await t.app.inject({
        url: `/api/carts/${cartId}`,
        headers: bearer(token as string),
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Cart>();
    },
    expireCarts: () => t.app.sweep(new Date(Date.now() + 31 * 24 * 3600 * 1000)),
    forgetStoredAnswers: () => t.app.sweep(new Date(Date.now() + 25 * 3600 * 1000)),
    quiet,
    ...fakeTimeDriver(clock, quiet),
    async close() {
      for (const s of stores.splice(0)) s.dispose();
      await t.close();
    },
  };
  return shop;
}

/** Waits until `wire` has no request under way (held ones aside) for a few turns in a row. */
/** Runs the fake clock a second at a time, letting the store answer between ticks. */
export function fakeTimeDriver(
  clock: FakeClock,
  quiet: () => Promise<void>,
): Pick<Shop, 'drive' | 'settle'> {
  const drive: Shop['drive'] = async (done, { stepMs = 1000, maxMs = 120_000 } = {}) => {
    await quiet();
    for (let elapsed = 0; !done() && elapsed < maxMs; elapsed += stepMs) {
      clock.tick(stepMs);
      await quiet();
    }
    return done();
  };
  return {
    drive,
    async settle(promise, options = {}) {
      const watched = tracked(promise);
      const maxMs = options.maxMs ?? 120_000;
      if (!(await drive(watched.settled, { ...options, maxMs })))
        throw new Error(`the store's promise did not settle within ${maxMs} ms of fake time`);
      return promise;
    },
  };
}

export async function quietOn(wire: ScriptedFetch): Promise<void> {
  let calm = 0;
  for (let i = 0; i < 200 && calm < 4; i++) {
    await turn();
    calm = wire.inFlight - wire.held === 0 ? calm + 1 : 0;
  }
}

export type Outcome<T> =
  { state: 'resolved'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' };

/**
 * How a promise stands after at most `ms` of real time (it answers as soon as the
 * promise settles): for promises that must settle and, with the bug, never do.
 */
export function outcomeWithin<T>(promise: Promise<T>, ms: number): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ state: 'pending' }), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ state: 'resolved', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ state: 'rejected', error });
      },
    );
  });
}

/** Whether a promise has settled by now (after the turns already taken). */
export function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, settled: () => settled };
}

/** An action's result in a word, for failure messages: `ok`, or where and why it was refused. */
export function verdict(result: ActionResult): string {
  return result.ok ? 'ok' : `refused (${result.error.source}): ${result.error.code}`;
}

/**
 * Runs the phases of a test in order, each to its end or its first failure, and fails
 * with every phase that failed: one symptom of a bug does not hide the next.
 */
export async function phases(steps: Record<string, () => Promise<void>>): Promise<void> {
  const failed: Record<string, string> = {};
  for (const [name, step] of Object.entries(steps)) {
    try {
      await step();
    } catch (error) {
      failed[name] = error instanceof Error ? error.message : String(error);
    }
  }
  expect(failed, 'phases that failed').toEqual({});
}
