import type { CartApi } from './cart-api.ts';
import { reportFromApi, reportFromLocal } from './cart-snapshot.ts';
import { CartApiError, CartNetworkError } from './errors.ts';
import { refusedIndex } from './outbox.ts';
import type { Outcome, SyncRequest } from './sync-state.ts';

/** Runs one request of the state machine. Throws what the API throws (see `outcomeOf`). */
export async function perform(api: CartApi, request: SyncRequest): Promise<Outcome> {
  switch (request.kind) {
    case 'create': {
      const { value, token } = await api.createCart(request.key);
      return { ok: true, cart: value, token };
    }
    case 'read':
      return { ok: true, cart: await api.getCart(request.cartId) };
    case 'actions':
      return {
        ok: true,
        cart: (await api.postActions(request.cartId, request.actions, request.key)).value,
      };
    case 'checkout':
      return {
        ok: true,
        order: (await api.checkout(request.cartId, request.key, request.version)).value,
      };
    case 'merge': {
      const { value } = await api.mergeCart(
        request.cartId,
        request.sourceCartId,
        request.sourceToken,
        request.key,
        request.token,
      );
      return { ok: true, cart: value };
    }
  }
}

/**
 * What a failed request means to the machine. Only a problem document with a final
 * status is an answer about the request (`refused`). No answer at all (the network, a
 * timeout) is `network` (offline). Anything else — a proxy's or gateway's page whatever
 * its status, a 5xx or 429 past the transport's retries, a 2xx the SDK cannot read — is
 * `trouble`: the shop is reachable but not answering; retried after a backoff (or the
 * server's Retry-After), and never taken as a verdict on the cart.
 */
export function outcomeOf(error: unknown, now: number): Outcome {
  if (error instanceof CartApiError) {
    if (!error.problem || error.retryable)
      return {
        ok: false,
        kind: 'trouble',
        report: reportFromApi(error, null, now, true),
        retryAfterMs: error.retryAfterMs,
      };
    return {
      ok: false,
      kind: 'refused',
      refusal: {
        report: reportFromApi(error, null, now),
        actionId: error.actionId,
        index: refusedIndex(error),
        cart: error.cart ?? null,
      },
    };
  }
  if (error instanceof CartNetworkError) return { ok: false, kind: 'network', retryAfterMs: null };
  const unreadable = {
    code: 'INTERNAL' as const,
    message: 'The shop sent an answer we could not read.',
  };
  return {
    ok: false,
    kind: 'trouble',
    report: { ...reportFromLocal(unreadable, null, now), retryable: true },
    retryAfterMs: null,
  };
}
