import type { CartSnapshot, CartStore } from '@cart/client';

/**
 * A stand-in for a cart store that holds the snapshot a test gives it: the hooks use
 * `subscribe` and `getSnapshot` alone (and the provider `start`, which tests turn off).
 * It keeps the bindings' browser tests free of the SDK's network and storage.
 */
export class MirrorStore {
  private readonly listeners = new Set<() => void>();
  constructor(private snapshot: CartSnapshot) {}

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = () => this.snapshot;

  set(snapshot: CartSnapshot): void {
    this.snapshot = snapshot;
    for (const listener of [...this.listeners]) listener();
  }

  /** For `<CartProvider store={…} start={false}>`: nothing reaches the rest of CartStore. */
  asStore(): CartStore {
    return this as unknown as CartStore;
  }
}
