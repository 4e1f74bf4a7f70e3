/**
 * A virtual shopper: opens a cart, changes it a few to twenty times with short pauses
 * (add, set a quantity, remove, promo codes, a batch, note and email, reads), sometimes
 * checks out, and starts over, until the load window closes.
 *
 * The shopper is its cart's only writer and sends one change at a time, each retried
 * until its outcome is known (soak-http.ts); that is what lets the ledger demand that the
 * final cart equals the last acknowledged answer (soak-ledger.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cart, CartAction, CheckoutResult, CreatedCart } from '@cart/core';
import { change, send, type Route } from './soak-http.ts';
import type { Ledger } from './soak-ledger.ts';

export interface Shop {
  route: Route;
  ledger: Ledger;
  /** Products with unlimited stock (most adds), and the others (stock runs out: 409s). */
  unlimited: string[];
  stocked: string[];
  /** Promo codes of the demo seed: some apply, some are refused (expired, minimum, combinable). */
  codes: string[];
  /** True once the load window has closed: no new change is started. */
  stopping(): boolean;
}

/** Refusals after which the shopper leaves the cart: it is closed, gone or not as it thinks. */
const LEAVE_ON = new Set(['CART_NOT_FOUND', 'CART_CLOSED', 'CART_EXPIRED', 'VERSION_CONFLICT']);

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));
const chance = (p: number) => Math.random() < p;

/** What a shopper sends next: a change, or a read. */
interface Step {
  kind: string;
  method: string;
  path: string;
  body?: unknown;
  ifMatch?: number;
}

function productId(shop: Shop): string {
  return chance(0.85) || shop.stocked.length === 0 ? pick(shop.unlimited) : pick(shop.stocked);
}

/** Attributes on one add in five, from a small set, so that some adds merge into a line. */
function attributes(): Record<string, string> | undefined {
  const choices: Record<string, string>[] = [
    { gift: 'wrap' },
    { grind: 'espresso' },
    { gift: 'card' },
  ];
  return chance(0.2) ? pick(choices) : undefined;
}

let actionCounter = 0;

function batch(shop: Shop, cart: Cart): CartAction[] {
  const actionId = () => `soak-${process.pid}-${(actionCounter += 1)}`;
  const actions: CartAction[] = [
    { type: 'addLine', productId: productId(shop), quantity: between(1, 2), actionId: actionId() },
  ];
  const [first, second] = [...cart.lines].sort(() => Math.random() - 0.5);
  if (first && chance(0.5))
    actions.push({
      type: 'setLineQuantity',
      lineId: first.id,
      quantity: between(1, 4),
      actionId: actionId(),
    });
  if (second && chance(0.3)) actions.push({ type: 'removeLine', lineId: second.id });
  if (chance(0.3)) actions.push({ type: 'setNote', note: `batch note ${actionCounter}` });
  if (chance(0.3)) actions.push({ type: 'applyDiscount', code: pick(shop.codes) });
  return actions;
}

/** The next step for `cart`, by weight; steps that need a line fall back to an add. */
function nextStep(shop: Shop, cart: Cart): Step {
  const base = `/api/carts/${cart.id}`;
  const line = cart.lines.length > 0 ? pick(cart.lines) : undefined;
  const roll = Math.random() * 100;
  if (roll < 20) return { kind: 'read cart', method: 'GET', path: base };
  if (roll < 35 && line)
    return {
      kind: 'set quantity',
      method: 'PATCH',
      path: `${base}/lines/${line.id}`,
      body: { quantity: chance(0.1) ? 0 : between(1, 5) },
    };
  if (roll < 42 && line)
    return { kind: 'remove line', method: 'DELETE', path: `${base}/lines/${line.id}` };
  if (roll < 50)
    return {
      kind: 'apply code',
      method: 'POST',
      path: `${base}/discounts`,
      body: { code: pick(shop.codes) },
    };
  if (roll < 53 && cart.discounts.length > 0)
    return {
      kind: 'remove code',
      method: 'DELETE',
      path: `${base}/discounts/${pick(cart.discounts).code}`,
    };
  if (roll < 63)
    return {
      kind: 'batch',
      method: 'POST',
      path: `${base}/actions`,
      body: { actions: batch(shop, cart) },
    };
  if (roll < 70)
    return {
      kind: 'note/email',
      method: 'PATCH',
      path: base,
      body: chance(0.5)
        ? { note: `leave at the door ${between(1, 999)}` }
        : { email: `shopper${between(1, 9999)}@example.com` },
      // Half of them only if nobody changed the cart meanwhile (nobody does: 412 is a bug).
      ...(chance(0.5) ? { ifMatch: cart.version } : {}),
    };
  const attrs = attributes();
  return {
    kind: 'add line',
    method: 'POST',
    path: `${base}/lines`,
    body: {
      productId: productId(shop),
      quantity: between(1, 3),
      ...(attrs ? { attributes: attrs } : {}),
    },
  };
}

/** Runs one step; answers the cart as it is now, or null when the shopper should leave it. */
async function run(shop: Shop, cart: Cart, token: string, step: Step): Promise<Cart | null> {
  const { route, ledger } = shop;
  if (step.method === 'GET') {
    const url = pick(route.urls);
    const started = performance.now();
    const answer = await send(url, 'GET', step.path, { token });
    route.stats.count(step.kind, answer, performance.now() - started);
    if (answer.status === 200) ledger.read(answer.body as Cart);
    return cart;
  }
  const outcome = await change(route, step.kind, step.method, step.path, {
    token,
    ...(step.body !== undefined ? { body: step.body } : {}),
    ...(step.ifMatch !== undefined ? { ifMatch: step.ifMatch } : {}),
  });
  if (outcome.kind === 'unknown') {
    ledger.unknown(cart.id);
    return null;
  }
  if (outcome.kind === 'acknowledged') {
    const now =
      step.kind === 'checkout' ? (outcome.body as CheckoutResult).cart : (outcome.body as Cart);
    ledger.acknowledged(now);
    return now;
  }
  // A checkout refused because prices changed re-prices the cart: a change of its own.
  const repriced = (outcome.body as { cart?: Cart } | undefined)?.cart;
  if (outcome.code === 'PRICES_CHANGED' && repriced) {
    ledger.acknowledged(repriced);
    return repriced;
  }
  return outcome.code !== null && LEAVE_ON.has(outcome.code) ? null : cart;
}

/** One cart, from creation to checkout or abandonment. */
async function session(shop: Shop): Promise<void> {
  const created = await change(shop.route, 'create cart', 'POST', '/api/carts', {});
  if (created.kind !== 'acknowledged') return;
  const { token, ...fresh } = created.body as CreatedCart;
  shop.ledger.created(fresh, token);
  let cart: Cart | null = fresh;
  const steps = between(3, 20);
  for (let i = 0; i < steps && cart && !shop.stopping(); i += 1) {
    cart = await run(shop, cart, token, nextStep(shop, cart));
    await sleep(between(20, 150));
  }
  if (cart && cart.lines.length > 0 && !shop.stopping() && chance(0.3))
    await run(shop, cart, token, {
      kind: 'checkout',
      method: 'POST',
      path: `/api/carts/${cart.id}/checkout`,
    });
}

/** Shops until the load window closes, then finishes the change in hand. */
export async function shopper(shop: Shop): Promise<void> {
  while (!shop.stopping()) {
    await session(shop);
    await sleep(between(20, 150));
  }
}
