import * as z from 'zod/mini';
import { AppliedDiscount, CheckoutResult, ErrorCodeSchema } from '@cart/core';
import type { CartErrorReport, SyncStatus } from './cart-snapshot.ts';
import type { LineIdMap, PendingAction } from './outbox.ts';
import { StoredCart, parseActionRecord } from './records.ts';
import type { SyncPhase } from './sync-state.ts';

/**
 * The messages between the tabs of one store namespace, and their validation. After a
 * deploy two tabs can run two versions of this bundle, so nothing received is trusted:
 * a message of another protocol version is ignored, a queued action this bundle cannot
 * read is left out, and nothing here throws on what it receives.
 *
 * A field added to a message keeps the version: the schemas below are loose, so a tab of
 * the previous version ignores it, and it is optional (defaulted) here, since that tab
 * leaves it out. The version changes only for what a tab of the previous version would
 * misread.
 */
export const TAB_PROTOCOL = 2;

/** How a queued action ended: applied (report null) or refused with the reason. */
export interface SettledAction {
  actionId: string;
  report: CartErrorReport | null;
}

/** What the leading tab tells the others after every change. */
export interface SharedState {
  cart: StoredCart;
  outbox: PendingAction[];
  lineIds: LineIdMap;
  clock: number;
  /** The most recently settled actions, so other tabs settle their waiting callers. */
  settled: SettledAction[];
  lastError: CartErrorReport | null;
  lastOrder: CheckoutResult | null;
  status: SyncStatus;
  sync: SyncPhase;
  /**
   * The tax rule of the shop's carts, for optimistic totals before a cart exists: its
   * rate (null: none known yet), and whether prices include it.
   */
  taxRateBps: number | null;
  taxInclusive: boolean;
  /** Units left of each product the leading tab knows (it alone hears live events). */
  stock: Readonly<Record<string, number | null>>;
}

/** A request of a following tab, run by the leader (the tab that talks to the server). */
export type LeaderCall =
  | { kind: 'retry' }
  | { kind: 'new' }
  | { kind: 'create' }
  | { kind: 'checkout' }
  | { kind: 'load'; cartId: string; token: string | null }
  | { kind: 'adopt'; cartId: string; token: string };

export type TabMessage =
  | { type: 'state'; v: number; state: SharedState }
  | { type: 'enqueued'; v: number; item: PendingAction }
  | { type: 'hello'; v: number }
  | { type: 'call'; v: number; id: string; call: LeaderCall }
  | {
      type: 'reply';
      v: number;
      id: string;
      ok: boolean;
      value: unknown;
      report: CartErrorReport | null;
    };

const Report = z.looseObject({
  code: ErrorCodeSchema,
  status: z.int(),
  message: z.string(),
  detail: z.string(),
  errors: z.array(z.looseObject({ path: z.string(), message: z.string() })),
  actionId: z.nullable(z.string()),
  source: z.enum(['local', 'server']),
  retryable: z.boolean(),
  at: z.number(),
  // A hint for the page only: terms a tab of another version sends that cannot be read
  // are dropped rather than the whole report.
  discount: z.catch(z.optional(AppliedDiscount), undefined),
});

const Shared = z.looseObject({
  cart: StoredCart,
  outbox: z.array(z.unknown()),
  lineIds: z.record(z.string(), z.nullable(z.string())),
  clock: z.number(),
  settled: z.array(z.object({ actionId: z.string(), report: z.nullable(Report) })),
  lastError: z.nullable(Report),
  lastOrder: z.nullable(CheckoutResult),
  status: z.enum(['idle', 'loading', 'syncing', 'offline', 'error']),
  sync: z.looseObject({ kind: z.enum(['idle', 'sending', 'checking-out', 'waiting']) }),
  taxRateBps: z.nullable(z.int().check(z.minimum(0))),
  // Added within TAB_PROTOCOL 2: a tab of the previous version leaves it out, and only
  // knew tax-exclusive prices.
  taxInclusive: z._default(z.boolean(), false),
  // Added within TAB_PROTOCOL 2 too: a tab of the previous version shares no levels.
  stock: z._default(z.record(z.string(), z.nullable(z.int().check(z.minimum(0)))), {}),
});

const Call = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal(['retry', 'new', 'create', 'checkout']) }),
  z.object({ kind: z.literal('load'), cartId: z.string(), token: z.nullable(z.string()) }),
  z.object({ kind: z.literal('adopt'), cartId: z.string(), token: z.string() }),
]);

/**
 * A message from another tab, validated, or null when it is not one this bundle can use
 * (another protocol version, a malformed one). Queued actions it cannot read are dropped
 * from a state message; an `enqueued` one of them makes the whole message null.
 */
export function readTabMessage(raw: unknown): TabMessage | null {
  try {
    const m = raw as { type?: unknown; v?: unknown } | null;
    if (!m || typeof m !== 'object' || m.v !== TAB_PROTOCOL) return null;
    const any = raw as Record<string, unknown>;
    switch (m.type) {
      case 'hello':
        return { type: 'hello', v: TAB_PROTOCOL };
      case 'enqueued': {
        const item = parseActionRecord(any['item']);
        return item ? { type: 'enqueued', v: TAB_PROTOCOL, item } : null;
      }
      case 'state': {
        const parsed = Shared.safeParse(any['state']);
        if (!parsed.success) return null;
        const outbox = parsed.data.outbox.flatMap((i) => parseActionRecord(i) ?? []);
        const state = { ...parsed.data, outbox } as unknown as SharedState;
        return { type: 'state', v: TAB_PROTOCOL, state };
      }
      case 'call': {
        const call = Call.safeParse(any['call']);
        const id = any['id'];
        return call.success && typeof id === 'string'
          ? { type: 'call', v: TAB_PROTOCOL, id, call: call.data }
          : null;
      }
      case 'reply': {
        const id = any['id'];
        const report = z.nullable(Report).safeParse(any['report'] ?? null);
        if (typeof id !== 'string' || typeof any['ok'] !== 'boolean' || !report.success)
          return null;
        return {
          type: 'reply',
          v: TAB_PROTOCOL,
          id,
          ok: any['ok'],
          value: any['value'],
          report: report.data as CartErrorReport | null,
        };
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}
