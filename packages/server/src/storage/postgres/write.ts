/**
 * The write of a mutation's transaction, for one mutation or a group of them
 * (group-commit.ts): every decision written in one statement, one round trip. The steps
 * of the transaction, each one round trip:
 * - `loadSnapshots` (load.ts): locks the carts and reads everything the decisions need;
 * - `writeChanges` (here): writes every decision (carts, applied ids, stock, code uses,
 *   orders, events, idempotency records and their bound) and, when all its conditional
 *   writes held, takes the audit chain's lock and reads its head;
 * - `insertAudit` (audit.ts): appends the records, chained in JS.
 * With BEGIN and COMMIT, a mutation is five round trips whatever it writes, and so is a
 * group of them. Every value travels as a parameter (arrays, or one JSON document).
 */
import type { CartState } from '@cart/core';
import {
  WriteConflictError,
  type IdempotencyRecord,
  type MutationDecision,
  type MutationWrite,
} from '../port.ts';
import { toAnalyticsEventRow, type AnalyticsEventRow } from '../monitoring-rows.ts';
import { toIdempotencyRow, type IdempotencyRow } from '../rows.ts';
import { AUDIT_LOCK, headOf, type Head } from './audit.ts';
import type { Queryable } from './connection.ts';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---- write ------------------------------------------------------------------------

/**
 * Every decision of the transaction in one statement, from one JSON document ($1):
 * - carts updated only from their expected version (`update`, merge sources included)
 *   and carts inserted (`insert`);
 * - stock taken only if that much is on hand, and code uses counted only under the
 *   limit, each row locked first in id (code) order, products before codes, as every
 *   checkout does, so that two checkouts sharing products never deadlock;
 * - applied action ids, orders, analytics events (in the order given);
 * - idempotency records, each only if its key is not taken, and their cart's oldest
 *   answers beyond the bound deleted (`prune`; the records inserted here are not in
 *   the statement's snapshot, so never deleted by it, as the bound wants).
 * What each conditional write did is returned (`updated`, `stocked`, `used`, `stored`):
 * a row missing is a race lost, and the caller rolls back. Only when none is missing,
 * and when records are to be appended ($2), does the statement end by taking the audit
 * chain's lock and reading its head: last, after every row lock above (the projection
 * reads the results before it calls the function), so the lock is held for the
 * shortest time and never while waiting for a row.
 */
const WRITE = {
  name: 'cart-write',
  text: `
WITH updated AS (
  UPDATE carts c SET version = u.version, status = u.status, state = u.state,
    updated_at = u.updated_at, expires_at = u.expires_at
  FROM jsonb_to_recordset($1::jsonb -> 'update') AS u(id text, version bigint, status text,
    state jsonb, updated_at text, expires_at text, expected bigint)
  WHERE c.id = ANY(ARRAY(SELECT r.id FROM jsonb_to_recordset($1::jsonb -> 'update') AS r(id text)))
    AND c.id = u.id AND c.version = u.expected
  RETURNING c.id
), inserted AS (
  INSERT INTO carts (id, token_hash, version, status, state, created_at, updated_at, expires_at)
  SELECT i.id, decode(i.token_hash, 'hex'), i.version, i.status, i.state, i.created_at,
    i.updated_at, i.expires_at
  FROM jsonb_to_recordset($1::jsonb -> 'insert') AS i(id text, token_hash text, version bigint,
    status text, state jsonb, created_at text, updated_at text, expires_at text)
  RETURNING 1
), applied AS (
  INSERT INTO cart_applied_actions (cart_id, action_id)
  SELECT a.cart_id, a.action_id
  FROM jsonb_to_recordset($1::jsonb -> 'applied') AS a(cart_id text, action_id text)
  ON CONFLICT DO NOTHING
  RETURNING 1
), stock_in AS (
  SELECT s.id, s.q FROM jsonb_to_recordset($1::jsonb -> 'stock') AS s(id text, q bigint)
), stock_locked AS MATERIALIZED (
  SELECT p.id FROM products p WHERE p.id = ANY(ARRAY(SELECT id FROM stock_in)) ORDER BY p.id FOR UPDATE
), stocked AS (
  UPDATE products p SET stock = p.stock - s.q
  FROM stock_in s
  WHERE p.id = s.id AND p.id = ANY(ARRAY(SELECT id FROM stock_locked))
    AND (p.stock IS NULL OR p.stock >= s.q)
  RETURNING p.id
), uses_in AS (
  SELECT u.code, u.n FROM jsonb_to_recordset($1::jsonb -> 'uses') AS u(code text, n bigint)
), uses_locked AS MATERIALIZED (
  SELECT d.code FROM discounts d WHERE d.code = ANY(ARRAY(SELECT code FROM uses_in))
  ORDER BY d.code FOR UPDATE
), used AS (
  UPDATE discounts d SET times_used = d.times_used + u.n
  FROM uses_in u
  WHERE d.code = u.code AND d.code = ANY(ARRAY(SELECT code FROM uses_locked))
    AND (d.usage_limit IS NULL OR d.times_used + u.n <= d.usage_limit)
  RETURNING d.code
), ordered AS (
  INSERT INTO orders (id, number, cart_id, total_amount, currency, cart, created_at)
  SELECT o.id, o.number, o.cart_id, o.total, o.currency, o.cart, o.created_at
  FROM jsonb_to_recordset($1::jsonb -> 'orders') AS o(id text, number bigint, cart_id text,
    total bigint, currency text, cart jsonb, created_at text)
  RETURNING 1
), events AS (
  INSERT INTO analytics_events (at, type, cart_id, product_id, quantity, amount, currency)
  SELECT e.at, e.type, e.cart_id, e.product_id, e.quantity, e.amount, e.currency
  FROM jsonb_to_recordset($1::jsonb -> 'events') AS e(n int, at text, type text, cart_id text,
    product_id text, quantity bigint, amount bigint, currency text)
  ORDER BY e.n
  RETURNING 1
), stored AS (
  INSERT INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at, cart_id)
  SELECT k.id, k.fingerprint, k.payload, k.created_at, k.expires_at, k.cart_id
  FROM jsonb_to_recordset($1::jsonb -> 'idempotency') AS k(id text, fingerprint text,
    payload text, created_at text, expires_at text, cart_id text)
  ON CONFLICT (id) DO NOTHING
  RETURNING id
), pruned AS (
  DELETE FROM idempotency_keys k USING (
    SELECT old.id FROM jsonb_to_recordset($1::jsonb -> 'prune') AS b(cart_id text, id text, keep int)
    CROSS JOIN LATERAL (
      SELECT o.id FROM idempotency_keys o WHERE o.cart_id = b.cart_id AND o.id <> b.id
      ORDER BY o.created_at DESC, o.id DESC OFFSET greatest(b.keep - 1, 0)
    ) old
  ) doomed
  WHERE k.id = doomed.id
  RETURNING 1
), outcome AS MATERIALIZED (
  SELECT
    ARRAY(SELECT id FROM updated) AS updated,
    (SELECT count(*) FROM inserted) AS inserted,
    ARRAY(SELECT id FROM stocked) AS stocked,
    ARRAY(SELECT code FROM used) AS used,
    ARRAY(SELECT id FROM stored) AS stored,
    (SELECT count(*) FROM applied) + (SELECT count(*) FROM ordered)
      + (SELECT count(*) FROM events) + (SELECT count(*) FROM pruned) AS rest
)
SELECT o.updated, o.stocked, o.used, o.stored,
  CASE WHEN $2::boolean
    AND cardinality(o.updated) = jsonb_array_length($1::jsonb -> 'update')
    AND cardinality(o.stocked) = jsonb_array_length($1::jsonb -> 'stock')
    AND cardinality(o.used) = jsonb_array_length($1::jsonb -> 'uses')
    AND cardinality(o.stored) = jsonb_array_length($1::jsonb -> 'idempotency')
    AND o.inserted + o.rest >= 0
  THEN (SELECT to_jsonb(h) FROM audit_chain_head(${AUDIT_LOCK}) h) END AS head
FROM outcome o`,
};

/** One decision to write: its change (or none) and its idempotency record (or none). */
export interface WriteItem {
  write: MutationWrite | null;
  idempotency: IdempotencyRecord | null;
  /** `MutationDecision.answersPerCart`. */
  keep?: number;
}

export const writeItemOf = (d: MutationDecision<unknown>): WriteItem => ({
  write: d.write,
  idempotency: d.idempotency,
  ...(d.answersPerCart === undefined ? {} : { keep: d.answersPerCart }),
});

export const writesSomething = (item: WriteItem) =>
  item.write !== null || item.idempotency !== null;

/** Throws what writing `item` would throw before anything is sent (a new cart's hash). */
export function checkWriteItem(item: WriteItem): void {
  const w = item.write;
  if (w && w.expectedVersion === null && !w.tokenHash) {
    throw new TypeError('a new cart needs its token hash');
  }
}

interface WriteRow {
  updated: string[];
  stocked: string[];
  used: string[];
  stored: string[];
  /** The chain's head, read under its lock; null when the lock was not taken. */
  head: Head | null;
}

export type WriteOutcome =
  | { ok: true; head: { seq: number; hash: string } | null }
  /** Per item, the race it lost, if any (none when the loss cannot be told apart). */
  | { ok: false; conflicts: (WriteConflictError | null)[] };

/** The JSON document of WRITE ($1): one array of rows per section, columns as named there. */
interface WriteDoc {
  update: (CartColumns & { expected: number })[];
  insert: (CartColumns & { token_hash: string; created_at: string })[];
  applied: { cart_id: string; action_id: string }[];
  stock: { id: string; q: number }[];
  uses: { code: string; n: number }[];
  orders: {
    id: string;
    number: number;
    cart_id: string;
    total: number;
    currency: string;
    cart: unknown;
    created_at: string;
  }[];
  events: (AnalyticsEventRow & { n: number })[];
  idempotency: IdempotencyRow[];
  prune: { cart_id: string; id: string; keep: number }[];
}

interface CartColumns {
  id: string;
  version: number;
  status: string;
  state: CartState;
  updated_at: string;
  expires_at: string;
}

const cartColumns = (cart: CartState): CartColumns => ({
  id: cart.id,
  version: cart.version,
  status: cart.status,
  state: cart,
  updated_at: cart.updatedAt,
  expires_at: cart.expiresAt,
});

function writeDoc(items: readonly WriteItem[]): WriteDoc {
  const doc: WriteDoc = {
    update: [],
    insert: [],
    applied: [],
    stock: [],
    uses: [],
    orders: [],
    events: [],
    idempotency: [],
    prune: [],
  };
  const stock = new Map<string, number>();
  const uses = new Map<string, number>();
  for (const item of items) {
    checkWriteItem(item);
    const w = item.write;
    if (w) {
      if (w.expectedVersion === null) {
        doc.insert.push({
          ...cartColumns(w.cart),
          token_hash: w.tokenHash?.toString('hex') ?? '',
          created_at: w.cart.createdAt,
        });
      } else {
        doc.update.push({ ...cartColumns(w.cart), expected: w.expectedVersion });
      }
      if (w.source) {
        doc.update.push({ ...cartColumns(w.source.state), expected: w.source.expectedVersion });
      }
      for (const a of w.appliedActionIds) doc.applied.push({ cart_id: w.cart.id, action_id: a });
      // One row per product (code), with the sum asked: taking 2 then 1 of 3 on hand is
      // taking 3 of 3, and fails exactly when one of the two steps would.
      for (const r of w.reserveStock ?? []) {
        stock.set(r.productId, (stock.get(r.productId) ?? 0) + r.quantity);
      }
      for (const code of w.useDiscounts ?? []) uses.set(code, (uses.get(code) ?? 0) + 1);
      const o = w.order;
      if (o) {
        doc.orders.push({
          id: o.id,
          number: o.number,
          cart_id: o.cartId,
          total: o.total,
          currency: o.currency,
          cart: o.cart,
          created_at: o.createdAt,
        });
      }
      for (const e of w.events)
        doc.events.push({ n: doc.events.length, ...toAnalyticsEventRow(e) });
    }
    const rec = item.idempotency;
    if (rec) {
      doc.idempotency.push(toIdempotencyRow(rec));
      if (rec.cartId !== null && item.keep !== undefined) {
        doc.prune.push({ cart_id: rec.cartId, id: rec.id, keep: item.keep });
      }
    }
  }
  for (const [id, q] of stock) doc.stock.push({ id, q });
  for (const [code, n] of uses) doc.uses.push({ code, n });
  // Keys inserted in id order: two groups storing the same keys (one request sent to
  // two processes) wait for each other in one order, never in a cycle.
  doc.idempotency.sort((a, b) => byId(a.id, b.id));
  return doc;
}

/**
 * Writes every item in one statement; with `audit`, also takes the chain's lock and
 * reads its head, unless a conditional write lost a race (then nothing is locked, and
 * the caller must roll back: some of the statement's writes were made).
 */
export async function writeChanges(
  c: Queryable,
  items: readonly WriteItem[],
  audit: boolean,
): Promise<WriteOutcome> {
  const doc = writeDoc(items);
  const { rows } = await c.query<WriteRow>({ ...WRITE, values: [JSON.stringify(doc), audit] });
  const row = rows[0];
  if (!row) throw new Error('the mutation write returned no row');
  const conflicts = items.map((item) => conflictOf(item, row));
  const counted =
    row.updated.length === doc.update.length &&
    row.stocked.length === doc.stock.length &&
    row.used.length === doc.uses.length &&
    row.stored.length === doc.idempotency.length;
  if (!counted || conflicts.some((x) => x !== null)) return { ok: false, conflicts };
  return { ok: true, head: headOf(row.head) };
}

/**
 * The race an item lost, as the port names it, in the order the writes were made one
 * by one before: the cart's version, the source's, stock (by product id), code uses
 * (by code), the idempotency key.
 */
function conflictOf(item: WriteItem, row: WriteRow): WriteConflictError | null {
  const w = item.write;
  if (w) {
    if (w.expectedVersion !== null && !row.updated.includes(w.cart.id)) {
      return new WriteConflictError('version', w.cart.id);
    }
    if (w.source && !row.updated.includes(w.source.state.id)) {
      return new WriteConflictError('version', w.source.state.id);
    }
    const products = [...new Set((w.reserveStock ?? []).map((r) => r.productId))].sort(byId);
    const short = products.find((id) => !row.stocked.includes(id));
    if (short !== undefined) return new WriteConflictError('stock', short);
    const codes = [...new Set(w.useDiscounts ?? [])].sort(byId);
    const spent = codes.find((code) => !row.used.includes(code));
    if (spent !== undefined) return new WriteConflictError('discount', spent);
  }
  const rec = item.idempotency;
  if (rec && !row.stored.includes(rec.id)) return new WriteConflictError('idempotency', rec.id);
  return null;
}
