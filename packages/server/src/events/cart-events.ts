import type { Cart } from '@cart/core';

export type CartListener = (cart: Cart) => void;

/**
 * Live cart changes for SSE subscribers in this process. Published after a change has
 * committed, never before. The scale-out release puts a Redis or LISTEN/NOTIFY fan-out
 * behind this same interface.
 */
export class CartEvents {
  private readonly listeners = new Map<string, Set<CartListener>>();

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

  publish(cart: Cart): void {
    for (const listener of this.listeners.get(cart.id) ?? []) listener(cart);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
