// Over 400 lines, and not split: every record the SDK stores is read back here and only
// here (one schema, one migration and one set-aside path each), so a reader checks what
// survives a deploy in one place.
/**
 * What the SDK keeps in storage, as zod schemas built from the core ones: the queued
 * actions (one record each) and the meta record (the cart and the state machine's
 * bookkeeping). Storage is shared by every tab of the shop, and after a deploy two tabs
 * can run two versions of this bundle, so nothing read back is trusted: every record is
 * validated here, records this bundle cannot read are set aside and reported, and
 * nothing here ever throws on what it reads.
 *
 * The adapters (storage.ts, indexeddb-adapter.ts) only move raw values; all validation
 * and record-level migration lives in this file.
 */
import {
  ActionId,
  Cart,
  CartAction,
  CheckoutResult,
  Id,
  Product,
  type CartStatus,
} from '@cart/core';
import * as z from 'zod/mini';
import type { PersistedState } from './storage.ts';

/**
 * Both record schemas are strict on purpose: a field this bundle does not know means a
 * newer bundle wrote something this one cannot honour. Reading it loosely would drop
 * that field when the record is next written, silently changing its meaning; strictly,
 * the record is set aside (left in storage for the bundle that understands it).
 */

/** An Idempotency-Key, as the server accepts it. */
const Key = z
  .string()
  .check(z.regex(/^[\x21-\x7E]{1,255}$/, 'must be 1–255 visible ASCII characters'));

/** A queue order key, compared as a string. */
const OrderKey = z.string().check(z.minLength(1), z.maxLength(1024));

/** The action as the shopper asked for it; its id lives on the record, not in it. */
const QueuedAction = CartAction.check(
  z.refine((a) => a.actionId === undefined, {
    message: 'the action id belongs on the record, not in the action',
    path: ['actionId'],
  }),
);

/**
 * The product facts an addLine record carries. A record written before products had
 * `prices` and `requiresShipping` is read with them filled in as the server fills in a
 * product given without them (sold in the currency of `price` only; shipped), so an add
 * queued before an upgrade is still shown after it, and sent.
 */
const QueuedProduct = z.pipe(
  z.transform((raw: unknown) =>
    isObject(raw) && !('prices' in raw) && !('requiresShipping' in raw) && 'price' in raw
      ? { ...raw, prices: [raw.price], requiresShipping: true }
      : raw,
  ),
  Product,
);

/**
 * A queued action. Action records carry no version field: their shape is the one the
 * first bundle wrote (v1) and is unchanged. A bundle that changes it must add `v` then;
 * until it does, a record this bundle cannot read (an action type or a field it does not
 * know) fails validation and is set aside.
 */
export const ActionRecord = z.strictObject({
  /**
   * Made by the client when the action is queued and never changed: the server applies
   * an action with a given id at most once, however often it is sent.
   */
  actionId: ActionId,
  /** The action as asked for, without `actionId`. Line ids may name optimistic lines. */
  action: QueuedAction,
  /** Order key: every tab sorts the queue by it, alike. Never empty. */
  seq: OrderKey,
  /** When it was queued (ms since the epoch). */
  createdAt: z.number().check(z.minimum(0)),
  /**
   * For an addLine: the product's facts as the page showed them, kept with the action so
   * the line can be shown (named, priced) after a reload, before the server confirms it.
   */
  product: z.optional(QueuedProduct),
});
export type ActionRecord = z.infer<typeof ActionRecord>;

/** The last cart the server confirmed, whose id must be the stored cart's. */
const Confirmed = z.nullable(Cart);

/**
 * The cart this device works on. `none`: no cart yet (one is created on the first
 * change). `closed` (checked out or merged) and `expired` carts take no more changes:
 * the next change starts a new cart.
 */
export const StoredCart = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z
    .strictObject({
      kind: z.literal(['active', 'closed', 'expired']),
      id: Id,
      /**
       * The cart secret, in bearer mode only. In cookie mode (browsers) it lives in the
       * HttpOnly cookie and never reaches script or storage.
       */
      token: z.nullable(z.string().check(z.minLength(1))),
      confirmed: Confirmed,
    })
    .check(
      z.refine((c) => c.confirmed === null || c.confirmed.id === c.id, {
        message: 'the confirmed cart is another cart',
        path: ['confirmed'],
      }),
    ),
]);
export type StoredCart = z.infer<typeof StoredCart>;

/** Optimistic line id (`tmp_<actionId>`) → the server's line id, or null if it did not survive. */
const LineIds = z.record(z.string(), z.nullable(Id));

export const META_VERSION = 2;

/**
 * The meta record, version 2. Any change to this shape bumps `v` and adds a step to
 * `migrateMeta`; a bundle that finds a higher `v` leaves the record alone.
 */
export const MetaRecord = z.strictObject({
  v: z.literal(META_VERSION),
  cart: StoredCart,
  lineIds: LineIds,
  /**
   * A checkout asked for: its idempotency key (a repeat reuses it and gets the order),
   * the queued actions it includes (actions queued later are held back until it ends),
   * and the cart version the shopper saw (sent as If-Match), when known.
   */
  checkout: z.nullable(
    z.strictObject({
      key: Key,
      actionIds: z.array(ActionId).check(z.maxLength(10_000)),
      version: z.nullable(z.int().check(z.minimum(1))),
    }),
  ),
  /** The idempotency key of a cart creation not answered yet. */
  createKey: z.nullable(Key),
  /** The last order-key time issued (ms): order keys never go backwards, whatever the wall clock does. */
  clock: z.number().check(z.minimum(0)),
  /** The order the last checkout made, to show after a reload. */
  lastOrder: z.nullable(CheckoutResult),
});
export type MetaRecord = z.infer<typeof MetaRecord>;

/**
 * The meta record the first bundle wrote (no `v`). Only read, to migrate it. `confirmed`
 * is checked apart (see `salvage`); `attempts` is dropped unread.
 */
const MetaV1 = z.strictObject({
  cartId: z.nullable(Id),
  token: z.nullable(z.string().check(z.minLength(1))),
  confirmed: z.unknown(),
  lineIds: LineIds,
  attempts: z.array(z.unknown()),
  checkoutKey: z.nullable(Key),
});

/** A record this bundle cannot use, kept aside (never thrown on) so the store can report it. */
export interface SetAside {
  record: unknown;
  reason: string;
}

/** What `readState` makes of what storage held. */
export interface LoadedState {
  /** The meta record, migrated to the current version; null if none or unreadable. */
  meta: MetaRecord | null;
  /**
   * The meta record was written by a newer bundle: it is not in `meta`, and this bundle
   * must not overwrite it (the newer tab owns it).
   */
  metaIsNewer: boolean;
  /** The valid queued actions, in order-key order. */
  outbox: ActionRecord[];
  /** Every record (or part of one) not used, with why. */
  setAside: SetAside[];
}

/**
 * The meta record at the current version, from whatever version is stored: 'newer' when a
 * newer bundle wrote it (leave it alone), null when there is none or it cannot be read.
 */
export function migrateMeta(raw: unknown): MetaRecord | 'newer' | null {
  const read = readMeta(raw);
  return read.newer ? 'newer' : read.meta;
}

/**
 * Validates everything storage held. Valid records are kept (actions in order-key order);
 * the rest are set aside with a reason. Never throws.
 */
export function readState(raw: PersistedState): LoadedState {
  const setAside: SetAside[] = [];
  // Typed, but an adapter of the app's own may still hand over anything.
  const state = raw as Partial<PersistedState> | null | undefined;
  const meta = readMeta(state?.meta);
  setAside.push(...meta.setAside);

  const outbox: ActionRecord[] = [];
  const seen = new Set<string>();
  const items: readonly unknown[] = Array.isArray(state?.outbox) ? state.outbox : [];
  for (const item of items) {
    const read = readActionRecord(item);
    if (!read.ok) setAside.push({ record: item, reason: read.reason });
    else if (seen.has(read.record.actionId))
      setAside.push({ record: item, reason: `action ${read.record.actionId} is queued twice` });
    else {
      seen.add(read.record.actionId);
      outbox.push(read.record);
    }
  }
  outbox.sort(byOrderKey);
  return { meta: meta.meta, metaIsNewer: meta.newer, outbox, setAside };
}

/** A queued action received from another tab: the record if this bundle can use it, else null. */
export function parseActionRecord(raw: unknown): ActionRecord | null {
  const read = readActionRecord(raw);
  return read.ok ? read.record : null;
}

/** As `parseActionRecord`, with the reason a record is refused (for reports). */
export function readActionRecord(
  raw: unknown,
): { ok: true; record: ActionRecord } | { ok: false; reason: string } {
  try {
    const parsed = ActionRecord.safeParse(raw);
    if (parsed.success) return { ok: true, record: parsed.data };
    const id = isObject(raw) && typeof raw.actionId === 'string' ? ` ${raw.actionId}` : '';
    return { ok: false, reason: `queued action${id}: ${explain(parsed.error.issues, raw)}` };
  } catch (error) {
    // A getter or a proxy in a message can throw while being read; still never throw.
    return { ok: false, reason: `queued action: unreadable (${String(error)})` };
  }
}

/** Queue order: by order key, then by action id so every tab breaks ties alike. */
export function byOrderKey(a: ActionRecord, b: ActionRecord): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return a.actionId < b.actionId ? -1 : a.actionId > b.actionId ? 1 : 0;
}

interface MetaRead {
  meta: MetaRecord | null;
  newer: boolean;
  setAside: SetAside[];
}

function readMeta(raw: unknown): MetaRead {
  const out: MetaRead = { meta: null, newer: false, setAside: [] };
  if (raw === null || raw === undefined) return out;
  try {
    const v = isObject(raw) ? raw.v : undefined;
    if (v === undefined) out.meta = fromV1(raw, out.setAside);
    else if (v === META_VERSION)
      out.meta = salvage(MetaRecord, raw, [['cart', 'confirmed'], ['lastOrder']], out.setAside);
    else if (typeof v === 'number' && Number.isInteger(v) && v > META_VERSION) {
      out.newer = true;
      out.setAside.push({ record: raw, reason: `meta: version ${v}, written by a newer bundle` });
    } else out.setAside.push({ record: raw, reason: `meta: unknown version ${JSON.stringify(v)}` });
  } catch (error) {
    out.meta = null;
    out.setAside.push({ record: raw, reason: `meta: unreadable (${String(error)})` });
  }
  return out;
}

/** Version 1 → 2: the cart gets its lifecycle state; attempts are dropped (see below). */
function fromV1(raw: unknown, setAside: SetAside[]): MetaRecord | null {
  const parsed = MetaV1.safeParse(raw);
  if (!parsed.success) {
    setAside.push({
      record: raw,
      reason: `meta (version 1): ${explain(parsed.error.issues, raw)}`,
    });
    return null;
  }
  const old = parsed.data;
  let confirmed: Cart | null = null;
  if (old.cartId !== null) {
    // A confirmed cart that today's schema refuses (or another cart's) is dropped, not
    // the record: the cart id and its token (the only copy of the secret) are kept, and
    // the store fetches the cart again.
    const cart = Confirmed.safeParse(old.confirmed);
    if (!cart.success)
      setAside.push({
        record: old.confirmed,
        reason: `meta (version 1): confirmed cart: ${explain(cart.error.issues, old.confirmed)}`,
      });
    else if (cart.data !== null && cart.data.id !== old.cartId)
      setAside.push({
        record: old.confirmed,
        reason: 'meta (version 1): confirmed cart is another cart',
      });
    else confirmed = cart.data;
  }
  return {
    v: META_VERSION,
    cart:
      old.cartId === null
        ? { kind: 'none' }
        : { kind: kindOf(confirmed?.status), id: old.cartId, token: old.token, confirmed },
    lineIds: old.lineIds,
    // The unanswered batches of version 1 need no bookkeeping now: every answer names
    // the actions applied, so the queued actions they held are settled by the next one.
    checkout:
      old.checkoutKey === null ? null : { key: old.checkoutKey, actionIds: [], version: null },
    createKey: null,
    clock: 0,
    lastOrder: null,
  };
}

function kindOf(status: CartStatus | undefined): 'active' | 'closed' | 'expired' {
  switch (status) {
    case 'checked_out':
    case 'merged':
      return 'closed';
    case 'expired':
      return 'expired';
    case 'active':
    case undefined:
      return 'active';
  }
}

/**
 * Parses `raw`; when the only problems are in parts that can be fetched again from the
 * server (a confirmed cart, the last order), those parts become null and are set aside
 * instead of the whole record. A cart schema change on the server must not make the
 * device forget its cart and token.
 */
function salvage<T>(
  schema: z.ZodMiniType<T>,
  raw: unknown,
  refetchable: readonly (readonly string[])[],
  setAside: SetAside[],
): T | null {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const under = (path: readonly PropertyKey[]) =>
    refetchable.find((p) => p.every((key, i) => path[i] === key));
  const parts = new Set(parsed.error.issues.map((issue) => under(issue.path)));
  if (!parts.has(undefined)) {
    let copy: unknown = raw;
    const dropped: SetAside[] = [];
    for (const part of parts as Set<readonly string[]>) {
      const issues = parsed.error.issues.filter((issue) => under(issue.path) === part);
      dropped.push({ record: valueAt(raw, part), reason: `meta: ${explain(issues, raw)}` });
      copy = withNull(copy, part);
    }
    const again = schema.safeParse(copy);
    if (again.success) {
      setAside.push(...dropped);
      return again.data;
    }
  }
  setAside.push({ record: raw, reason: `meta: ${explain(parsed.error.issues, raw)}` });
  return null;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) at = isObject(at) ? at[key] : undefined;
  return at;
}

/** A copy of `value` with the value at `path` replaced by null (copied along the path only). */
function withNull(value: unknown, path: readonly string[]): unknown {
  const [key, ...rest] = path;
  if (key === undefined || !isObject(value)) return value;
  return { ...value, [key]: rest.length === 0 ? null : withNull(value[key], rest) };
}

// A reason is for a person reading a report: the first few issues, each cut short.
const MAX_ISSUES_SHOWN = 3;
const MAX_MESSAGE = 100;

/** Zod issues in one line a person can read: `path: message; …`. */
function explain(issues: readonly z.core.$ZodIssue[], raw: unknown): string {
  const parts = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'record';
    if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
      // The one a second bundle version produces: say so plainly.
      const type = valueAt(raw, issue.path.map(String));
      return `${where}: ${JSON.stringify(type) ?? String(type)} is not an action type this bundle knows (written by a newer one?)`;
    }
    const message =
      issue.message.length > MAX_MESSAGE
        ? `${issue.message.slice(0, MAX_MESSAGE)}…`
        : issue.message;
    return `${where}: ${message}`;
  });
  const more = issues.length - MAX_ISSUES_SHOWN;
  return more > 0 ? `${parts.join('; ')}; and ${more} more` : parts.join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
