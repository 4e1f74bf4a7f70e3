/**
 * The first statement of a mutation's transaction after BEGIN, for one mutation or a group:
 * the carts locked and everything their decisions need, in one round trip.
 */

import type { MutationPlan, MutationSnapshot } from '../port.ts';
import { catalogKeys } from '../catalog-keys.ts';
import {
  toDiscount,
  toIdempotency,
  toProduct,
  toStoredCart,
  type DiscountRow,
  type IdempotencyRow,
  type ProductRow,
  type StoredCartState,
} from '../rows.ts';
import {
  toRegion,
  toShippingOption,
  type RegionRow,
  type ShippingOptionRow,
} from '../region-rows.ts';
import type { Queryable } from './connection.ts';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Locks the carts ($1, in id order, so two transactions locking the same carts queue
 * instead of deadlocking) and reads, in the same statement, what the decisions need:
 * the products and codes asked for ($2, $3) and those on the locked carts' lines and
 * codes (catalogKeys), the applied action ids asked for ($4, $5 zipped), the idempotency
 * records ($6), the orders of carts ($7) and a number from the sequence for each of
 * those carts still active (migration 008: taken now, lost if the checkout is refused), and
 * every region and shipping option (a handful of rows, shared by every snapshot of a
 * group).
 *
 * One statement reads with one snapshot, taken before the lock was granted. The locked
 * carts themselves are their newest versions (a row lock re-reads the row it waited
 * for), but the other reads are as of the snapshot: if a cart was changed between the
 * snapshot and its lock, the previous holder's other writes (its applied ids, its
 * order) may be missing. `seen` is the carts as of the snapshot: when a locked cart's
 * `xmin` differs from the one seen, `loadSnapshots` reads again, now under the locks.
 */
const loadSql = (lock: string) => `
WITH locked AS MATERIALIZED (
  SELECT id, state, token_hash, xmin::text AS x FROM carts
  WHERE id = ANY($1::text[]) ORDER BY id ${lock}
), seen AS MATERIALIZED (
  SELECT id, xmin::text AS x FROM carts WHERE id = ANY($1::text[])
)
SELECT
  (SELECT coalesce(json_agg(json_build_array(l.id, l.state, encode(l.token_hash, 'hex'), l.x)), '[]')
     FROM locked l) AS carts,
  (SELECT coalesce(json_agg(json_build_array(s.id, s.x)), '[]') FROM seen s) AS seen,
  (SELECT coalesce(json_agg(p), '[]') FROM products p WHERE p.id = ANY(ARRAY(
     SELECT unnest($2::text[])
     UNION SELECT jsonb_array_elements(l.state -> 'lines') ->> 'productId' FROM locked l))) AS products,
  (SELECT coalesce(json_agg(d), '[]') FROM discounts d WHERE d.code = ANY(ARRAY(
     SELECT unnest($3::text[])
     UNION SELECT jsonb_array_elements(l.state -> 'discounts') ->> 'code' FROM locked l))) AS discounts,
  (SELECT coalesce(json_agg(json_build_array(a.cart_id, a.action_id)), '[]')
     FROM cart_applied_actions a
     WHERE (a.cart_id, a.action_id) IN (SELECT * FROM unnest($4::text[], $5::text[]))) AS applied,
  (SELECT coalesce(json_agg(k), '[]') FROM idempotency_keys k WHERE k.id = ANY($6::text[])) AS idempotency,
  (SELECT coalesce(json_agg(json_build_array(o.cart_id, o.id, o.number)), '[]')
     FROM orders o WHERE o.cart_id = ANY($7::text[])) AS orders,
  (SELECT coalesce(json_agg(json_build_array(l.id, nextval('order_numbers'))), '[]')
     FROM locked l WHERE l.id = ANY($7::text[]) AND l.state ->> 'status' = 'active'
       AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.cart_id = l.id)) AS order_numbers,
  (SELECT coalesce(json_agg(r ORDER BY r.is_default DESC, r.created_at, r.id), '[]')
     FROM regions r) AS regions,
  (SELECT coalesce(json_agg(o ORDER BY r.is_default DESC, r.created_at, r.id, o.created_at, o.id), '[]')
     FROM shipping_options o JOIN regions r ON r.id = o.region_id) AS shipping_options`;

/** Waits for carts another transaction holds (one mutation on its own). */
const LOAD_WAITING = { name: 'cart-load-waiting', text: loadSql('FOR UPDATE') };
/**
 * Passes over carts another transaction holds (a group: one cart held elsewhere must
 * not hold up the others; its mutation runs on its own, and waits there).
 */
const LOAD_SKIPPING = { name: 'cart-load-skipping', text: loadSql('FOR UPDATE SKIP LOCKED') };

interface LoadRow {
  /** id, state, token hash (hex), xmin of the version locked. */
  carts: [string, StoredCartState, string, string][];
  /** id, xmin of the version the statement's snapshot holds. */
  seen: [string, string][];
  products: ProductRow[];
  discounts: DiscountRow[];
  applied: [string, string][];
  idempotency: IdempotencyRow[];
  /** cart id, order id, order number. */
  orders: [string, string, number][];
  /** cart id, the number a new order of it gets. */
  order_numbers: [string, number][];
  regions: RegionRow[];
  shipping_options: ShippingOptionRow[];
}

/**
 * The snapshot each plan decides on, in order; null for a plan whose cart (or source)
 * another transaction holds, when `wait` is false. With `wait`, the carts are waited for.
 */
export async function loadSnapshots(
  c: Queryable,
  plans: readonly MutationPlan[],
  wait: boolean,
): Promise<(MutationSnapshot | null)[]> {
  const ids = new Set<string>();
  const productIds = new Set<string>();
  const codes = new Set<string>();
  const actionCarts: string[] = [];
  const actionIds: string[] = [];
  const keys: string[] = [];
  const orderCarts: string[] = [];
  for (const p of plans) {
    ids.add(p.cartId);
    if (p.sourceCartId !== undefined) ids.add(p.sourceCartId);
    for (const id of p.productIds) productIds.add(id);
    for (const code of p.discountCodes) codes.add(code);
    for (const a of p.actionIds) {
      actionCarts.push(p.cartId);
      actionIds.push(a);
    }
    if (p.idempotencyId !== null) keys.push(p.idempotencyId);
    if (p.withOrder) orderCarts.push(p.cartId);
  }
  const rest = [[...productIds], [...codes], actionCarts, actionIds, keys, orderCarts];
  const query = wait ? LOAD_WAITING : LOAD_SKIPPING;
  let row = await loadRow(c, query, [[...ids].sort(byId), ...rest]);
  const seen = new Map(row.seen);
  if (row.carts.some(([id, , , x]) => seen.get(id) !== x)) {
    // A cart changed between the snapshot and its lock: read again. Every cart read is
    // held now, so the statement waits for nothing and its snapshot sees what their
    // previous holders committed.
    const held = row.carts.map(([id]) => id);
    row = { ...(await loadRow(c, LOAD_WAITING, [held, ...rest])), seen: row.seen };
  }
  return snapshotsOf(row, plans);
}

async function loadRow(
  c: Queryable,
  query: { name: string; text: string },
  values: string[][],
): Promise<LoadRow> {
  const { rows } = await c.query<LoadRow>({ ...query, values });
  const row = rows[0];
  if (!row) throw new Error('the mutation load returned no row');
  return row;
}

function snapshotsOf(row: LoadRow, plans: readonly MutationPlan[]): (MutationSnapshot | null)[] {
  const carts = new Map(
    row.carts.map(([id, state, hash]) => [
      id,
      toStoredCart({ state, token_hash: Buffer.from(hash, 'hex') }),
    ]),
  );
  // Seen but not locked: another transaction holds it (only when skipping).
  const busy = new Set(row.seen.map(([id]) => id).filter((id) => !carts.has(id)));
  const products = new Map(row.products.map((p) => [p.id, p]));
  const discounts = new Map(row.discounts.map((d) => [d.code, d]));
  const applied = new Set(row.applied.map(([cart, action]) => `${cart}\n${action}`));
  const records = new Map(row.idempotency.map((k) => [k.id, k]));
  const orders = new Map(row.orders.map(([cart, id, number]) => [cart, { id, number }]));
  const orderNumbers = new Map(row.order_numbers);
  const regions = row.regions.map(toRegion);
  const shippingOptions = new Map(row.shipping_options.map((o) => [o.id, toShippingOption(o)]));
  return plans.map((plan) => {
    if (busy.has(plan.cartId)) return null;
    if (plan.sourceCartId !== undefined && busy.has(plan.sourceCartId)) return null;
    const cart = carts.get(plan.cartId) ?? null;
    const source = plan.sourceCartId === undefined ? null : (carts.get(plan.sourceCartId) ?? null);
    const keys = catalogKeys(plan, [cart, source]);
    const record = plan.idempotencyId === null ? undefined : records.get(plan.idempotencyId);
    return {
      cart,
      source,
      products: new Map(
        keys.productIds.flatMap((id) => {
          const p = products.get(id);
          return p ? [[id, toProduct(p)]] : [];
        }),
      ),
      discounts: new Map(
        keys.codes.flatMap((code) => {
          const d = discounts.get(code);
          return d ? [[code, toDiscount(d)]] : [];
        }),
      ),
      regions,
      shippingOptions,
      appliedActionIds: new Set(plan.actionIds.filter((a) => applied.has(`${plan.cartId}\n${a}`))),
      idempotent: record ? toIdempotency(record) : null,
      order: plan.withOrder ? (orders.get(plan.cartId) ?? null) : null,
      newOrderNumber: plan.withOrder ? (orderNumbers.get(plan.cartId) ?? null) : null,
    };
  });
}
