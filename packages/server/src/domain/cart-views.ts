import type { Cart } from '@cart/core';
import { cartJson } from '../json.ts';

interface Entry {
  cart: Cart;
  bytes: number;
  /** When this view stops being true: an active cart shows as expired from its expiry on. */
  staleAt: number;
}

/**
 * The priced carts last answered or changed here, by id, with their JSON: a read of a
 * cart at a version seen already costs one indexed lookup of its version and token hash,
 * and no parsing, pricing or serializing (CartService.read). Keyed by version, which only
 * goes up, so an entry is never wrong, only old: a change made by another instance is
 * found by its version, and the cart read again. Bounded by the serialized size of what
 * it holds (`maxBytes`; the objects take about as much again), least recently used first
 * out.
 */
export class CartViews {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The cart seen last, if it is still true at `now`. */
  get(id: string, now: number): Cart | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (now >= entry.staleAt) {
      this.drop(id, entry);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.cart;
  }

  /** Keeps `cart` as its id's newest view (an older version never replaces a newer one). */
  put(cart: Cart): void {
    const old = this.entries.get(cart.id);
    if (old !== undefined) {
      if (old.cart.version > cart.version) return;
      this.drop(cart.id, old);
    }
    const bytes = cartJson(cart).length;
    if (bytes > this.maxBytes) return;
    const staleAt = cart.status === 'active' ? Date.parse(cart.expiresAt) : Infinity;
    this.entries.set(cart.id, { cart, bytes, staleAt });
    this.bytes += bytes;
    for (const [id, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(id, entry);
    }
  }

  get size(): { carts: number; bytes: number } {
    return { carts: this.entries.size, bytes: this.bytes };
  }

  private drop(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}
