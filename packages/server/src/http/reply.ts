import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CatalogMeta, CatalogOutcome } from '../domain/catalog-service.ts';
import type { CartOutcome, RequestMeta } from '../domain/cart-decision.ts';
import type { Keyed, Ran, Refusal } from '../domain/mutation-runner.ts';
import type { StoredReply } from '../security/idempotency.ts';
import { PROBLEM_CONTENT_TYPE, pathOf, problemBody } from './problem.ts';

/**
 * The HTTP edge of the use cases: the one place where their domain outcomes become
 * status codes, ETags and problem documents, and where they are sent. The same renderer
 * makes the answer sent now and the answer sealed for the request's Idempotency-Key
 * (handed to the mutation runner in `Keyed.render`), so a replay is what was sent.
 */

/** What an answer is rendered with besides the outcome: the problem's `requestId` and `instance`. */
interface Facts {
  requestId: string;
  path: string;
}

const factsOf = (request: FastifyRequest): Facts => ({
  requestId: request.id,
  path: pathOf(request.url),
});

export const etagOf = (version: number) => `"${version}"`;

/**
 * `If-Match: "3"`, a list, or `*` (any current cart). Strong comparison (RFC 9110
 * §13.1.1): a weak tag `W/"3"` never matches, since it does not promise the same bytes.
 */
export function ifMatchAccepts(header: string, version: number): boolean {
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etagOf(version));
}

/** `If-None-Match`: weak comparison (RFC 9110 §13.1.2), so `W/"3"` matches version 3. */
export function ifNoneMatchMatches(header: string, version: number): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etagOf(version));
}

/** A refusal as a problem document, with the ETag of the cart it carries, if any. */
function renderRefusal(r: Refusal, facts: Facts): StoredReply {
  const body = problemBody(r.code, r.detail, facts.requestId, facts.path, r);
  return {
    status: body.status as number,
    headers: r.cart ? { etag: etagOf(r.cart.version) } : {},
    body,
  };
}

export function renderCart(outcome: CartOutcome, facts: Facts): StoredReply {
  switch (outcome.kind) {
    case 'created':
      return {
        status: 201,
        headers: {
          etag: etagOf(outcome.cart.version),
          location: `/api/carts/${encodeURIComponent(outcome.cart.id)}`,
        },
        body: { ...outcome.cart, token: outcome.token },
      };
    case 'changed':
      return { status: 200, headers: { etag: etagOf(outcome.cart.version) }, body: outcome.cart };
    case 'checkedOut':
      return {
        status: 200,
        headers: { etag: etagOf(outcome.cart.version) },
        body: { orderId: outcome.orderId, orderNumber: outcome.orderNumber, cart: outcome.cart },
      };
    case 'unchanged':
      return { status: 204, headers: {}, body: null };
    case 'refused':
      return renderRefusal(outcome, facts);
  }
}

/** Where a resource just created lives: a product by its id, a promo code by its code. */
/** Where an admin resource just created lives, by what it is. */
function locationOf(resource: Extract<CatalogOutcome, { kind: 'created' }>['resource']): string {
  if ('code' in resource) return `/api/admin/discounts/${encodeURIComponent(resource.code)}`;
  if ('sku' in resource) return `/api/admin/products/${encodeURIComponent(resource.id)}`;
  if ('countries' in resource) return `/api/admin/regions/${encodeURIComponent(resource.id)}`;
  return `/api/admin/shipping-options/${encodeURIComponent(resource.id)}`;
}

export function renderCatalog(outcome: CatalogOutcome, facts: Facts): StoredReply {
  switch (outcome.kind) {
    case 'created':
      return {
        status: 201,
        headers: { location: locationOf(outcome.resource) },
        body: outcome.resource,
      };
    case 'replaced':
      return { status: 200, headers: {}, body: outcome.resource };
    case 'deleted':
      return { status: 204, headers: {}, body: null };
    case 'refused':
      return renderRefusal(outcome, facts);
  }
}

function keyed<O>(
  request: FastifyRequest,
  render: (o: O, f: Facts) => StoredReply,
): Keyed<O> | null {
  const context = request.idempotency;
  if (!context) return null;
  const facts = factsOf(request);
  return { context, render: (outcome) => render(outcome, facts) };
}

/** The facts of a cart change: who, when, its key (and renderer) and its If-Match. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const ifMatch = request.headers['if-match'];
  return {
    requestId: request.id,
    clientAddress: request.ip,
    now: new Date(),
    idempotency: keyed(request, renderCart),
    ifMatch: ifMatch === undefined ? null : (version) => ifMatchAccepts(ifMatch, version),
  };
}

/** The facts of an admin change. */
export function catalogMeta(request: FastifyRequest): CatalogMeta {
  return {
    requestId: request.id,
    clientAddress: request.ip,
    now: new Date(),
    idempotency: keyed(request, renderCatalog),
  };
}

/**
 * Sends a use case's result: its outcome rendered, or the replay of the key's first
 * answer (marked `Idempotent-Replayed: true`), or the refusal of a key reused for another
 * request; problem+json for errors.
 */
function send<O>(
  request: FastifyRequest,
  reply: FastifyReply,
  result: Ran<O>,
  render: (o: O, f: Facts) => StoredReply,
): undefined {
  const facts = factsOf(request);
  const answer =
    result.kind === 'replayed'
      ? result.answer
      : result.kind === 'keyReused'
        ? renderRefusal(
            {
              kind: 'refused',
              code: 'IDEMPOTENCY_KEY_REUSED',
              detail: 'This Idempotency-Key was already used for a different request.',
            },
            facts,
          )
        : render(result.outcome, facts);
  for (const [k, v] of Object.entries(answer.headers)) void reply.header(k, v);
  if (result.kind === 'replayed') void reply.header('idempotent-replayed', 'true');
  if (answer.status >= 400) void reply.type(PROBLEM_CONTENT_TYPE);
  void reply.code(answer.status).send(answer.body);
  return undefined;
}

export const sendCart = (request: FastifyRequest, reply: FastifyReply, result: Ran<CartOutcome>) =>
  send(request, reply, result, renderCart);

export const sendCatalog = (
  request: FastifyRequest,
  reply: FastifyReply,
  result: Ran<CatalogOutcome>,
) => send(request, reply, result, renderCatalog);
