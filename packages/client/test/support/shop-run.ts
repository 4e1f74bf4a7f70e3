import type { FastifyInstance } from 'fastify';
import type { CartState } from '@cart/core';
import {
  createCartStore,
  type CartStore,
  type CartStoreOptions,
  type FetchLike,
} from '../../src/index.ts';
import { FakeClock } from './fake-clock.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';
import { ScriptedFetch } from './scripted-fetch.ts';
import { fakeTimeDriver, quietOn } from './shop.ts';

/**
 * One run of a property test against an application shared by every run (building one
 * costs more than a run): the network, the fake clock and the wire are new for each run,
 * so that a run depends on its own inputs only and fast-check can replay it from its
 * seed. The helpers are those of `Shop` (shop.ts), bound to this run's clock and wire.
 */
export interface ShopRun {
  net: InjectNetwork;
  clock: FakeClock;
  wire: ScriptedFetch;
  /** A store on this run (bearer auth, fake clock, no live stream unless asked). */
  store(options?: CartStoreOptions): CartStore;
  /** Waits until no request is under way (held ones aside) for a few turns. */
  quiet(): Promise<void>;
  /** Moves the fake clock on in steps, letting the store work between them, until `done()`. */
  drive(done: () => boolean, options?: { stepMs?: number; maxMs?: number }): Promise<boolean>;
  /** Waits for a promise of a store while driving the clock; fails past `maxMs` of fake time. */
  settle<T>(promise: Promise<T>, options?: { stepMs?: number; maxMs?: number }): Promise<T>;
  /** Disposes every store made on this run. */
  close(): void;
}

export interface ShopRunOptions {
  /**
   * Puts a fetch of the test's own between the stores and the wire (a browser that loses
   * the credential, say). The wire still sees — and learns cart tokens from — every request.
   */
  through?: (wire: FetchLike) => FetchLike;
}

export function startRun(app: FastifyInstance, options: ShopRunOptions = {}): ShopRun {
  const net = new InjectNetwork(app);
  const clock = new FakeClock();
  const wire = new ScriptedFetch(net.fetch, clock.now);
  const fetch = options.through ? options.through(wire.fetch) : wire.fetch;
  const stores: CartStore[] = [];
  const quiet = () => quietOn(wire);
  const run: ShopRun = {
    net,
    clock,
    wire,
    store(storeOptions = {}) {
      const s = createCartStore({
        baseUrl: 'http://shop.test',
        auth: 'bearer',
        fetch,
        runtime: clock,
        live: false,
        ...storeOptions,
      });
      stores.push(s);
      return s;
    },
    quiet,
    ...fakeTimeDriver(clock, quiet),
    close() {
      for (const s of stores.splice(0)) s.dispose();
    },
  };
  return run;
}

/** A cart as the server stores it, and which of the given action ids it has applied. */
export interface CartRecord {
  state: CartState;
  applied: Set<string>;
}

/**
 * The server's own record of carts, read through its storage port (no token needed):
 * each cart's stored state and the ids, among `actionIds`, of the actions the server
 * recorded as applied to it (the record that makes it skip a repeat). Carts it does
 * not have are left out.
 */
export async function serverRecord(
  app: FastifyInstance,
  cartIds: Iterable<string>,
  actionIds: readonly string[],
): Promise<Map<string, CartRecord>> {
  const out = new Map<string, CartRecord>();
  for (const cartId of cartIds) {
    // A mutation that writes nothing: the port's only read of the applied-action record.
    const record = await app.storage.mutate(
      { cartId, productIds: [], discountCodes: [], actionIds, idempotencyId: null },
      (snap) => ({
        reply: snap.cart
          ? { state: snap.cart.state, applied: new Set(snap.appliedActionIds) }
          : null,
        write: null,
        idempotency: null,
      }),
    );
    if (record) out.set(cartId, record);
  }
  return out;
}
