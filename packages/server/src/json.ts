import type { Cart } from '@cart/core';

/**
 * A cart's JSON, made once per cart object: the answer to the change that made it, the
 * size check of MAX_CART_BYTES, the answer sealed for its Idempotency-Key, a later read
 * and its live event all use the same string. Objects are keys of a WeakMap, so a string
 * lives exactly as long as its cart object does.
 */
const serialized = new WeakMap<object, string>();

export function cartJson(cart: Cart): string {
  let json = serialized.get(cart);
  if (json === undefined) {
    json = JSON.stringify(cart);
    serialized.set(cart, json);
  }
  return json;
}

/** Any answer body as JSON: a cart's string made already, else JSON.stringify. */
export function toJson(value: unknown): string {
  return (
    (typeof value === 'object' && value !== null ? serialized.get(value) : undefined) ??
    JSON.stringify(value)
  );
}
