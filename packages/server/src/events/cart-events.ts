import type { Cart } from '@cart/core';
import { cartJson } from '../json.ts';

/**
 * One cart as a Server-Sent Event, serialized once and shared by every subscriber that
 * is sent it: with 200 streams open on a 650 KB cart, a change costs one 650 KB buffer,
 * not 200 strings of it (docs/security.md, API4).
 */
export interface CartFrame {
  readonly cartId: string;
  readonly version: number;
  /** `event: cart`, `id:` the version, `data:` the cart as JSON, and the blank line. */
  readonly bytes: Buffer;
}

/**
 * Hears a committed cart; `frame` serializes it (once for all listeners, and only if one
 * asks: a listener that already has this version need not).
 */
export type CartListener = (cart: Cart, frame: () => CartFrame) => void;

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
 *
 * A cart is serialized only when someone here follows it, and then once per version:
 * the newest frame of each followed cart is kept (until its last subscriber leaves) and
 * handed to every subscriber, to those who connect later too.
 */
export class CartEvents {
  private readonly listeners = new Map<string, Set<CartListener>>();
  private readonly latest = new Map<string, CartFrame>();
  private broker: EventBroker | null = null;
  private serialized = 0;

  constructor(private readonly onBrokerError: (error: unknown) => void = () => {}) {}

  /** Joins the fan-out; `load` reads a cart after a remote announcement. */
  async connect(
    broker: EventBroker,
    load: (cartId: string) => Promise<Cart | null>,
  ): Promise<void> {
    this.broker = broker;
    await broker.start((cartId, version) => {
      if (!this.listeners.has(cartId)) return;
      // Our own echo, or a version a subscriber here already has: nothing to read.
      if ((this.latest.get(cartId)?.version ?? 0) >= version) return;
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
      if (set.size === 0 && this.listeners.get(cartId) === set) {
        this.listeners.delete(cartId);
        this.latest.delete(cartId);
      }
    };
  }

  /** A committed change: tell local subscribers now, and the other instances. */
  publish(cart: Cart): void {
    this.deliver(cart);
    this.broker
      ?.publish(cart.id, cart.version)
      .catch((error: unknown) => this.onBrokerError(error));
  }

  /**
   * The frame of `cart`: the one made already for this version when there is one, else
   * a new one (kept when it is the newest and someone follows the cart).
   */
  frame(cart: Cart): CartFrame {
    const kept = this.latest.get(cart.id);
    if (kept?.version === cart.version) return kept;
    this.serialized++;
    const frame: CartFrame = {
      cartId: cart.id,
      version: cart.version,
      bytes: Buffer.from(`event: cart\nid: ${cart.version}\ndata: ${cartJson(cart)}\n\n`, 'utf8'),
    };
    if (this.listeners.has(cart.id) && (kept === undefined || kept.version < cart.version))
      this.latest.set(cart.id, frame);
    return frame;
  }

  private deliver(cart: Cart): void {
    const set = this.listeners.get(cart.id);
    // Nobody here follows this cart: nothing to serialize.
    if (!set) return;
    let made: CartFrame | undefined;
    const frame = () => (made ??= this.frame(cart));
    for (const listener of set) listener(cart, frame);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Carts serialized for subscribers since start (one per version followed, ideally). */
  get serializations(): number {
    return this.serialized;
  }

  async close(): Promise<void> {
    await this.broker?.close();
    this.broker = null;
  }
}
