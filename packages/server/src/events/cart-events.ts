import type { Cart, StockLevel } from '@cart/core';
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

export type { StockLevel };

/** A stock level as a Server-Sent Event (`event: stock`), serialized once for every stream. */
export interface StockFrame extends StockLevel {
  readonly bytes: Buffer;
}

/** Hears a new stock level of a product its cart holds. */
export type StockListener = (frame: StockFrame) => void;

/**
 * What instances tell each other: "cart X is now at version N", or "product P has S
 * units left".
 */
export type Announcement =
  { kind: 'cart'; cartId: string; version: number } | ({ kind: 'stock' } & StockLevel);

/**
 * An announcement on the wire: `<cartId> <version>` (as before stock was announced, so
 * instances of either release understand each other's carts during a rolling deploy),
 * or `stock <productId> <units, or - for unlimited>` (three words: never a cart's).
 */
export function encodeAnnouncement(a: Announcement): string {
  return a.kind === 'cart'
    ? `${a.cartId} ${a.version}`
    : `stock ${a.productId} ${a.stock === null ? '-' : a.stock}`;
}

/** The announcement a message carries, or null: not one this release understands. */
export function decodeAnnouncement(message: string): Announcement | null {
  const words = message.split(' ');
  const id = /^[A-Za-z0-9_-]{1,64}$/;
  if (words.length === 2) {
    const [cartId = '', version = ''] = words;
    if (!id.test(cartId) || !/^\d{1,15}$/.test(version)) return null;
    return { kind: 'cart', cartId, version: Number(version) };
  }
  const [tag, productId = '', stock = ''] = words;
  if (words.length !== 3 || tag !== 'stock' || !id.test(productId)) return null;
  if (stock === '-') return { kind: 'stock', productId, stock: null };
  if (!/^\d{1,10}$/.test(stock)) return null;
  return { kind: 'stock', productId, stock: Number(stock) };
}

/**
 * Carries announcements between server instances, so that an SSE subscriber on
 * instance A hears of a change made through instance B. Messages are tiny on purpose
 * (PostgreSQL NOTIFY payloads are capped at 8000 bytes): the receiving instance reads a
 * cart itself, and only if someone there is listening.
 */
export interface EventBroker {
  readonly name: string;
  publish(announcement: Announcement): Promise<void>;
  /** Starts delivering remote announcements to `onMessage`. */
  start(onMessage: (announcement: Announcement) => void): Promise<void>;
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
 *
 * A product's new stock level (an admin changed it, a checkout reserved some) goes to
 * the subscribers of the followed carts that hold it, and only to them: the products of
 * each followed cart, as of its newest version here, are indexed by product.
 */
export class CartEvents {
  private readonly listeners = new Map<string, Set<CartListener>>();
  private readonly stockListeners = new Map<string, Set<StockListener>>();
  private readonly latest = new Map<string, CartFrame>();
  /** The products each followed cart holds (as of `version`), and the index by product. */
  private readonly holds = new Map<string, { version: number; products: Set<string> }>();
  private readonly heldBy = new Map<string, Set<string>>();
  /** The level last delivered of each product a followed cart holds. */
  private readonly levels = new Map<string, number | null>();
  private broker: EventBroker | null = null;
  private serialized = 0;

  constructor(private readonly onBrokerError: (error: unknown) => void = () => {}) {}

  /** Joins the fan-out; `load` reads a cart after a remote announcement. */
  async connect(
    broker: EventBroker,
    load: (cartId: string) => Promise<Cart | null>,
  ): Promise<void> {
    this.broker = broker;
    await broker.start((announcement) => {
      if (announcement.kind === 'stock') {
        // Our own echo repeats the level delivered here last: dropped as no news.
        this.deliverStock(announcement);
        return;
      }
      const { cartId, version } = announcement;
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

  /**
   * Follows a cart: `listener` hears its changes, and `stock.listener`, when given, the
   * stock levels of the products it holds (`stock.cart`: the cart as read when the stream
   * opened; later versions are indexed as they are delivered).
   */
  subscribe(
    cartId: string,
    listener: CartListener,
    stock?: { cart: Cart; listener: StockListener },
  ): () => void {
    const onStock = stock?.listener;
    let set = this.listeners.get(cartId);
    if (!set) {
      set = new Set();
      this.listeners.set(cartId, set);
    }
    set.add(listener);
    let heard: Set<StockListener> | undefined;
    if (stock && onStock) {
      heard = this.stockListeners.get(cartId) ?? new Set();
      this.stockListeners.set(cartId, heard.add(onStock));
      this.track(stock.cart);
    }
    return () => {
      set.delete(listener);
      if (onStock && heard) {
        heard.delete(onStock);
        if (heard.size === 0 && this.stockListeners.get(cartId) === heard)
          this.stockListeners.delete(cartId);
      }
      if (set.size === 0 && this.listeners.get(cartId) === set) {
        this.listeners.delete(cartId);
        this.latest.delete(cartId);
        this.untrack(cartId);
      }
    };
  }

  /** A committed change: tell local subscribers now, and the other instances. */
  publish(cart: Cart): void {
    this.deliver(cart);
    this.announce({ kind: 'cart', cartId: cart.id, version: cart.version });
  }

  /**
   * Committed stock levels (an admin's change, a checkout's reservation): tell the
   * subscribers here whose cart holds the product, and the other instances.
   */
  publishStock(levels: readonly StockLevel[]): void {
    for (const level of levels) {
      this.deliverStock(level);
      this.announce({ kind: 'stock', productId: level.productId, stock: level.stock });
    }
  }

  private announce(announcement: Announcement): void {
    this.broker?.publish(announcement).catch((error: unknown) => this.onBrokerError(error));
  }

  private deliverStock({ productId, stock }: StockLevel): void {
    const carts = this.heldBy.get(productId);
    if (!carts || this.levels.get(productId) === stock) return;
    this.levels.set(productId, stock);
    const data = JSON.stringify({ productId, stock });
    const frame: StockFrame = {
      productId,
      stock,
      bytes: Buffer.from(`event: stock\ndata: ${data}\n\n`, 'utf8'),
    };
    for (const cartId of carts)
      for (const listener of this.stockListeners.get(cartId) ?? []) listener(frame);
  }

  /** Indexes the products of a followed cart, unless a newer version is indexed already. */
  private track(cart: Cart): void {
    if (!this.listeners.has(cart.id)) return;
    const known = this.holds.get(cart.id);
    if (known && known.version >= cart.version) return;
    const products = new Set(cart.lines.map((l) => l.productId));
    if (known) for (const id of known.products) if (!products.has(id)) this.unindex(id, cart.id);
    for (const id of products) {
      const carts = this.heldBy.get(id) ?? new Set();
      this.heldBy.set(id, carts.add(cart.id));
    }
    this.holds.set(cart.id, { version: cart.version, products });
  }

  private untrack(cartId: string): void {
    for (const id of this.holds.get(cartId)?.products ?? []) this.unindex(id, cartId);
    this.holds.delete(cartId);
  }

  private unindex(productId: string, cartId: string): void {
    const carts = this.heldBy.get(productId);
    carts?.delete(cartId);
    if (carts?.size !== 0) return;
    this.heldBy.delete(productId);
    this.levels.delete(productId);
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
    this.track(cart);
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
