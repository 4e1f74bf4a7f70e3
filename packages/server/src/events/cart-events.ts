import type { Cart } from '@cart/core';

export type CartListener = (cart: Cart) => void;

/**
 * Carries "cart X is now at version N" between server instances, so that an SSE
 * subscriber on instance A hears of a change made through instance B. Messages are
 * tiny on purpose (PostgreSQL NOTIFY payloads are capped at 8000 bytes): the receiving
 * instance reads the cart itself, and only if someone there is listening.
 */
export interface EventBroker {
  readonly name: string;
  publish(cartId: string, version: number): Promise<void>;
  /** Starts delivering remote announcements to `onMessage`. */
  start(onMessage: (cartId: string, version: number) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Live cart changes for SSE subscribers. A change is delivered to this instance's
 * subscribers at once, and announced through the broker (when there is one) to the
 * others. Subscribers drop a cart whose version they have already seen, so the echo
 * of our own announcement is harmless.
 */
export class CartEvents {
  private readonly listeners = new Map<string, Set<CartListener>>();
  private broker: EventBroker | null = null;

  constructor(private readonly onBrokerError: (error: unknown) => void = () => {}) {}

  /** Joins the fan-out; `load` reads a cart after a remote announcement. */
  async connect(
    broker: EventBroker,
    load: (cartId: string) => Promise<Cart | null>,
  ): Promise<void> {
    this.broker = broker;
    await broker.start((cartId, version) => {
      if (!this.listeners.has(cartId)) return;
      load(cartId).then(
        (cart) => {
          if (cart && cart.version >= version) this.deliver(cart);
        },
        (error: unknown) => this.onBrokerError(error),
      );
    });
  }

  subscribe(cartId: string, listener: CartListener): () => void {
    let set = this.listeners.get(cartId);
    if (!set) {
      set = new Set();
      this.listeners.set(cartId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(cartId);
    };
  }

  /** A committed change: tell local subscribers now, and the other instances. */
  publish(cart: Cart): void {
    this.deliver(cart);
    this.broker
      ?.publish(cart.id, cart.version)
      .catch((error: unknown) => this.onBrokerError(error));
  }

  private deliver(cart: Cart): void {
    for (const listener of this.listeners.get(cart.id) ?? []) listener(cart);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    await this.broker?.close();
    this.broker = null;
  }
}
