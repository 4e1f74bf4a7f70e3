import type { CartSnapshot, CartStore } from '../../src/index.ts';

/**
 * Waits until the store's snapshot satisfies `predicate` (checked on every change),
 * failing after `timeoutMs` with the last snapshot in the message. Waiting for a state,
 * never for a time.
 */
export function until(
  store: CartStore,
  predicate: (s: CartSnapshot) => boolean,
  timeoutMs = 15_000,
): Promise<CartSnapshot> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = store.getSnapshot();
      if (!predicate(s)) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(s);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      const s = store.getSnapshot();
      reject(
        new Error(
          `store never reached the state; last: ${JSON.stringify({
            status: s.status,
            pending: s.pendingCount,
            version: s.confirmed?.version,
            lines: s.cart?.lines.map((l) => [l.name, l.quantity]),
            lastError: s.lastError?.code,
          })}`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = store.subscribe(check);
    check();
  });
}
