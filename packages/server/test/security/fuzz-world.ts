/**
 * What the fuzzer knows of the server's data (carts with their tokens, lines and codes,
 * products, promo codes, page cursors), kept up to date from the server's answers; and
 * references into it. A generated request holds references ("the nth product") rather
 * than ids, resolved only when it is sent, so that a sequence generated up front keeps
 * reaching real carts and lines as the data changes under it.
 */
import type { Cart, CreatedCart } from '@cart/core';
import fc from 'fast-check';

export interface FuzzCart {
  id: string;
  token: string;
  version: number;
  lines: string[];
  codes: string[];
  status: string;
}

export class World {
  readonly carts: FuzzCart[] = [];
  readonly products: { id: string; sku: string }[] = [];
  readonly codes: string[] = [];
  readonly cursors: string[] = [];
  /** Every cart token handed out so far. */
  readonly tokens = new Set<string>();
  csrf = '';

  constructor(readonly adminToken: string) {}

  /**
   * The nth cart: nine times in ten among the eight newest active ones, so that changes
   * pile up on a few carts (lines to change, codes to remove, something to check out)
   * instead of spreading thin over hundreds of empty ones.
   */
  cart(n: number): FuzzCart {
    const active = this.carts.filter((c) => c.status === 'active').slice(-8);
    const pool = active.length > 0 && n % 10 !== 0 ? active : this.carts;
    return pool[n % pool.length] as FuzzCart;
  }

  addCart(c: CreatedCart): void {
    if (this.tokens.has(c.token)) return;
    this.tokens.add(c.token);
    const { id, token, version, status } = c;
    this.carts.push({ id, token, version, lines: [], codes: [], status });
  }

  sawCart(c: Cart): void {
    const known = this.carts.find((k) => k.id === c.id);
    if (!known) return;
    known.version = c.version;
    known.status = c.status;
    known.lines = c.lines.map((l) => l.id);
    known.codes = c.discounts.map((d) => d.code);
  }
}

/** A reference to the nth thing of a kind, resolved when the request is sent. */
export interface Ref {
  readonly fuzzRef: 'product' | 'line' | 'code' | 'cart' | 'token' | 'sku';
  readonly n: number;
}

export const ref = (fuzzRef: Ref['fuzzRef']): fc.Arbitrary<Ref> =>
  fc.nat().map((n) => ({ fuzzRef, n }));

export const isRef = (v: unknown): v is Ref =>
  typeof v === 'object' && v !== null && 'fuzzRef' in v;

/** A fresh copy of `value` with every reference replaced by what it names now. */
export function resolve(value: unknown, world: World, cart: FuzzCart): unknown {
  if (isRef(value)) {
    const { n } = value;
    const pick = <T>(list: readonly T[], fallback: T): T =>
      list[n % Math.max(1, list.length)] ?? fallback;
    switch (value.fuzzRef) {
      case 'product':
        return pick(world.products, { id: 'no-such-product', sku: '' }).id;
      case 'sku':
        return pick(world.products, { id: '', sku: 'no-such-sku' }).sku;
      case 'line':
        return pick(cart.lines, 'no-such-line');
      case 'code':
        return pick(world.codes, 'NO-SUCH-CODE');
      case 'cart':
        return world.cart(n).id;
      case 'token':
        return world.cart(n).token;
    }
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, world, cart));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, world, cart)]));
  return value;
}
