import {
  AppliedDiscount,
  Cart,
  ERROR_CATALOG,
  ErrorCodeSchema,
  Problem,
  isRetryableAnswer,
  type ErrorCode,
  type FieldError,
} from '@cart/core';
import { readTolerant } from './tolerant.ts';

/**
 * An error answer of the cart API, as a typed value: the catalog `code` to branch on,
 * the HTTP status, the server's specific `detail` ("Only 2 of Blue Mug left."), the
 * field `errors`, the `requestId` to quote to support, and as `message` the catalog's
 * plain-words message for shoppers.
 */
export class CartApiError extends Error {
  override readonly name = 'CartApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly FieldError[];
  readonly requestId: string | undefined;
  /** The current cart, sent with VERSION_CONFLICT, and the re-priced one with PRICES_CHANGED. */
  readonly cart: Cart | undefined;
  /** The server's Retry-After, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | null;
  /**
   * The answer was a problem document (the server's own words). When false the code is
   * only guessed from the status (a proxy's or gateway's page): the SDK then never
   * takes it as a verdict on the cart, and retries.
   */
  readonly problem: boolean;
  /** The action a refused batch was refused for (`actionId` of the problem document). */
  readonly actionId: string | null;
  /**
   * A promo code refused only for now (below its minimum, not combinable): its public
   * terms (`discount` of the problem document), to compare it on the device.
   */
  readonly discount: AppliedDiscount | null;

  constructor(init: {
    code: ErrorCode;
    status: number;
    detail?: string;
    errors?: readonly FieldError[];
    requestId?: string | undefined;
    cart?: Cart | undefined;
    retryAfterMs?: number | null;
    problem?: boolean;
    actionId?: string | null;
    discount?: AppliedDiscount | null;
  }) {
    const entry = ERROR_CATALOG[init.code];
    super(entry.message);
    this.code = init.code;
    this.status = init.status;
    this.title = entry.title;
    this.detail = init.detail ?? entry.message;
    this.errors = init.errors ?? [];
    this.requestId = init.requestId;
    this.cart = init.cart;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.problem = init.problem ?? true;
    this.actionId = init.actionId ?? null;
    this.discount = init.discount ?? null;
  }

  /** Whether sending the very same request again may succeed (core's `isRetryableAnswer`). */
  get retryable(): boolean {
    return isRetryableAnswer(this.status, this.code);
  }
}

/** The request got no HTTP answer: the network failed or the attempt timed out. */
export class CartNetworkError extends Error {
  override readonly name = 'CartNetworkError';
  constructor(
    readonly kind: 'network' | 'timeout',
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      kind === 'timeout'
        ? 'The shop took too long to answer. Check your connection; we will keep trying.'
        : 'You seem to be offline. Your changes are saved and will be sent when you are back.',
      options,
    );
  }
}

/** A 2xx answer the SDK could not read (a proxy's page, a newer server): not retried. */
export class CartProtocolError extends Error {
  override readonly name = 'CartProtocolError';
}

/** The catalog code for a status when the body is not a problem document (a proxy's page). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'CSRF_TOKEN_INVALID';
    case 404:
      return 'NOT_FOUND';
    case 412:
      return 'VERSION_CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    case 431:
      return 'HEADERS_TOO_LARGE';
    case 408:
    case 502:
    case 503:
    case 504:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED';
  }
}

/**
 * Turns an error answer into a CartApiError, from its problem+json body when it has one.
 * A code this SDK does not know (a newer server's) is read as the code for its status, and
 * the rest of the problem (its detail, field errors, request id) is kept. The `cart` of a
 * conflict is read as every answer's cart is; one that cannot be read is left out, and the
 * store fetches the cart instead.
 */
export function errorFromResponse(
  status: number,
  body: unknown,
  retryAfterMs: number | null,
): CartApiError {
  // A code's terms are only a hint for the device: terms it cannot read are left out,
  // and never cost the rest of the problem.
  const isObject = body !== null && typeof body === 'object';
  const { discount: terms, ...rest } = isObject ? (body as { discount?: unknown }) : {};
  const parsed = Problem.safeParse(withKnownCode(status, isObject ? rest : body));
  if (parsed.success) {
    const p = parsed.data;
    const cart = readTolerant(Cart, (p as { cart?: unknown }).cart);
    const actionId = (p as { actionId?: unknown }).actionId;
    const discount = readTolerant(AppliedDiscount, terms);
    return new CartApiError({
      discount: discount.success ? discount.data : null,
      actionId: typeof actionId === 'string' ? actionId : null,
      code: p.code,
      status,
      detail: p.detail,
      errors: p.errors ?? [],
      requestId: p.requestId,
      cart: cart.success ? cart.data : undefined,
      retryAfterMs,
    });
  }
  return new CartApiError({ code: codeForStatus(status), status, retryAfterMs, problem: false });
}

function withKnownCode(status: number, body: unknown): unknown {
  if (body === null || typeof body !== 'object' || !('code' in body)) return body;
  if (ErrorCodeSchema.safeParse(body.code).success) return body;
  return { ...body, code: codeForStatus(status) };
}

/** Whether an error is the caller's own abort (not a failure to retry or report). */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
