/**
 * The error catalog: every error this service can answer, with its HTTP status, a short
 * title and a message written for the shopper. The server answers with it, the docs list
 * it (docs/errors.md is generated from it) and the storefront shows its messages.
 * Codes are stable: clients branch on `code`, never on text.
 */
export const ERROR_CATALOG = {
  VALIDATION_FAILED: {
    status: 400,
    title: 'Validation failed',
    message: 'Some of what was sent is not valid. Check the highlighted fields and try again.',
  },
  UNAUTHORIZED: {
    status: 401,
    title: 'Unauthorized',
    message: 'You need to sign in to do this.',
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    title: 'CSRF token invalid',
    message: 'This page is out of date. Reload it and try again.',
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    message: 'We could not find what you were looking for.',
  },
  CART_NOT_FOUND: {
    status: 404,
    title: 'Cart not found',
    message: 'We could not find your cart. It may have expired; a new one will be started.',
  },
  LINE_NOT_FOUND: {
    status: 404,
    title: 'Line not found',
    message: 'That item is no longer in your cart.',
  },
  CART_CLOSED: {
    status: 409,
    title: 'Cart closed',
    message: 'This cart has already been checked out or merged and can no longer change.',
  },
  CART_EXPIRED: {
    status: 410,
    title: 'Cart expired',
    message: 'Your cart expired, so we started a new one. Add what you want again.',
  },
  IDEMPOTENCY_IN_FLIGHT: {
    status: 409,
    title: 'Request in progress',
    message: 'We are still working on this request. Please wait a moment.',
  },
  OUT_OF_STOCK: {
    status: 409,
    title: 'Out of stock',
    message: 'Sorry, we do not have that many in stock.',
  },
  ALREADY_EXISTS: {
    status: 409,
    title: 'Already exists',
    message: 'Something with that identifier already exists.',
  },
  VERSION_CONFLICT: {
    status: 412,
    title: 'Version conflict',
    message: 'Your cart changed somewhere else. We have loaded the latest version.',
  },
  PRICES_CHANGED: {
    status: 409,
    title: 'Prices changed',
    message: 'Some prices in your cart changed. Check the new total, then place your order.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request timeout',
    message: 'The request took too long to arrive. Please try again.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    message: 'The request is too large.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    message: 'Requests with a body must be sent as application/json.',
  },
  PRODUCT_NOT_FOUND: {
    status: 422,
    title: 'Product not found',
    message: 'That product is not available any more.',
  },
  QUANTITY_LIMIT_EXCEEDED: {
    status: 422,
    title: 'Quantity limit exceeded',
    message: 'You have reached the most of this item one order can hold.',
  },
  CART_LIMIT_EXCEEDED: {
    status: 422,
    title: 'Cart limit exceeded',
    message: 'Your cart is full. Remove an item to add another.',
  },
  CART_TOO_LARGE: {
    status: 422,
    title: 'Cart too large',
    message: 'Your cart is too large to save. Remove an item or shorten a note to continue.',
  },
  CART_EMPTY: {
    status: 422,
    title: 'Cart empty',
    message: 'Your cart is empty. Add something before checking out.',
  },
  DISCOUNT_INVALID: {
    status: 422,
    title: 'Discount invalid',
    message: 'That promo code cannot be used on this cart.',
  },
  AMOUNT_TOO_LARGE: {
    status: 422,
    title: 'Amount too large',
    message: 'This cart would be worth more than we can take in one order.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key reused',
    message: 'This request key was already used for a different request.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    message: 'The request headers are too large. Clearing this site’s cookies may help.',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    message: 'You are going a little fast. Please wait a moment and try again.',
  },
  INTERNAL: {
    status: 500,
    title: 'Internal error',
    message: 'Something went wrong on our side. Please try again.',
  },
  UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    message: 'The shop is busy right now. Please try again in a moment.',
  },
} as const satisfies Record<string, { status: number; title: string; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** Status code of an error code. */
export function errorStatus(code: ErrorCode): number {
  return ERROR_CATALOG[code].status;
}

/** Problem `type` URI of an error code (RFC 9457 §3.1.1), resolvable in the docs. */
export function errorType(code: ErrorCode): string {
  return `/docs/errors#${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Whether a client may usefully retry the same request unchanged. */
export function isRetryable(code: ErrorCode): boolean {
  return (
    code === 'RATE_LIMITED' ||
    code === 'UNAVAILABLE' ||
    code === 'REQUEST_TIMEOUT' ||
    code === 'IDEMPOTENCY_IN_FLIGHT' ||
    code === 'INTERNAL'
  );
}
