import type { AppliedDiscount, ErrorCode, FieldError, Cart } from '@cart/core';
import {
  idempotencyRecord,
  isStorable,
  openReply,
  type IdempotencyContext,
  type StoredReply,
} from '../security/idempotency.ts';
import { WriteConflictError, type AuditEntry, type IdempotencyRecord } from '../storage/port.ts';

/**
 * The one mutation runner, for cart changes and admin changes alike: lost-race retry,
 * idempotent replay, refusal of a reused key, and the answer kept for the key, sealed and
 * written in the same transaction as the change. The change itself (what to load, what
 * to decide, what to write and audit) is the caller's; the runner never builds an HTTP
 * answer: the edge hands it a renderer (`Keyed.render`) for the answer to keep.
 */

/** A business refusal, in domain terms; the HTTP edge makes it a problem document. */
export interface Refusal {
  kind: 'refused';
  code: ErrorCode;
  detail: string;
  /** What caused it, e.g. `/actions/2/quantity`. */
  errors?: FieldError[];
  /** The `actionId` of the action refused, when one action with an id was the cause. */
  actionId?: string;
  /** The cart as it now is, sent with the refusal (VERSION_CONFLICT, PRICES_CHANGED). */
  cart?: Cart;
  /** The public terms of a promo code refused for now (core's `CartError.discount`). */
  discount?: AppliedDiscount;
}

export const refusal = (
  code: ErrorCode,
  detail: string,
  extras: Pick<Refusal, 'errors' | 'actionId' | 'cart' | 'discount'> = {},
): Refusal => ({ kind: 'refused', code, detail, ...extras });

/** The request's Idempotency-Key, with the edge's renderer of the answer to keep for it. */
export interface Keyed<O> {
  context: IdempotencyContext;
  /**
   * The HTTP answer for an outcome (owned by the HTTP edge, a pure function of the
   * outcome and the request): what is sealed now and replayed for a repeat.
   */
  render: (outcome: O) => StoredReply;
}

/** What a change came to: decided now, a replay of the key's first answer, or a reused key. */
export type Ran<O> =
  | { kind: 'decided'; outcome: O }
  | { kind: 'replayed'; answer: StoredReply }
  | { kind: 'keyReused' };

/** A decision: its outcome, and the cart whose bounded answers it counts against. */
export interface Decided<O> {
  outcome: O;
  /** Null for an answer not given to a cart's holder (admin changes, a stranger's 404). */
  owner: string | null;
}

/** What `settle` made of one attempt: the result, the record to write, the decision taken. */
export interface Settled<O, D extends Decided<O>> {
  ran: Ran<O>;
  /** The sealed answer to write with the change, or null (no key, or not storable). */
  record: IdempotencyRecord | null;
  /** The decision, when one was made (not for a replay or a reused key). */
  decision: D | null;
}

/**
 * Given the key's stored record as read in the attempt's transaction (or null), replays
 * it, refuses a reused key, or calls `decide` and seals its answer for the key.
 */
export type Settle<O> = <D extends Decided<O>>(
  stored: IdempotencyRecord | null,
  decide: () => D,
) => Settled<O, D>;

/** Attempts made after lost races before giving up (the error becomes a 500). */
const MAX_ATTEMPTS = 5;

export class MutationRunner {
  constructor(
    private readonly config: {
      IDEMPOTENCY_TTL_SECONDS: number;
    },
  ) {}

  /**
   * Runs a change: `attempt` is one transaction, in which it reads the key's stored
   * record and passes it to `settle` with its decision, then writes what was decided
   * together with `Settled.record`. A WriteConflictError (a race lost to another process:
   * stock taken, a code used up, the same key committed) runs the attempt again on
   * fresh data, where the winner's change, or its answer, is seen.
   */
  async run<O, R>(
    keyed: Keyed<O> | null,
    now: Date,
    attempt: (settle: Settle<O>) => Promise<R>,
  ): Promise<R> {
    const settle: Settle<O> = (stored, decide) => this.settle(keyed, now, stored, decide);
    for (let n = 1; ; n++) {
      try {
        return await attempt(settle);
      } catch (error) {
        if (!(error instanceof WriteConflictError) || n >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private settle<O, D extends Decided<O>>(
    keyed: Keyed<O> | null,
    now: Date,
    stored: IdempotencyRecord | null,
    decide: () => D,
  ): Settled<O, D> {
    if (keyed && stored) {
      if (stored.fingerprint !== keyed.context.fingerprint)
        return { ran: { kind: 'keyReused' }, record: null, decision: null };
      return {
        ran: { kind: 'replayed', answer: openReply(keyed.context, stored.payload) },
        record: null,
        decision: null,
      };
    }
    const decision = decide();
    const ran: Ran<O> = { kind: 'decided', outcome: decision.outcome };
    if (!keyed) return { ran, record: null, decision };
    const answer = keyed.render(decision.outcome);
    const code = (answer.body as { code?: string } | null)?.code;
    const record = isStorable(answer.status, code)
      ? idempotencyRecord(
          keyed.context,
          answer,
          now,
          this.config.IDEMPOTENCY_TTL_SECONDS,
          decision.owner,
        )
      : null;
    return { ran, record, decision };
  }
}

/** Facts of the request behind a change, for its audit record. */
export interface AuditFacts {
  requestId: string;
  clientAddress: string | null;
  now: Date;
}

/** An audit record of a change, made by `actor` (a cart's holder, the admin, the system). */
export function auditEntry(
  facts: AuditFacts,
  actor: Pick<AuditEntry, 'actorType' | 'actorId'>,
  action: string,
  change: Pick<AuditEntry, 'cartId' | 'beforeVersion' | 'afterVersion' | 'detail'>,
): AuditEntry {
  return {
    at: facts.now.toISOString(),
    ...actor,
    requestId: facts.requestId,
    clientAddress: facts.clientAddress,
    action,
    ...change,
  };
}

/** Facts of the request a change is made by: for its audit record and its key. */
export interface ChangeMeta<O> extends AuditFacts {
  /** The request's Idempotency-Key and the edge's renderer of the answer kept for it. */
  idempotency: Keyed<O> | null;
}
