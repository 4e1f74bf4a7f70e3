import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import {
  ERROR_CATALOG,
  ERROR_CODES,
  errorStatus,
  errorType,
  isRetryable,
  isRetryableAnswer,
  type ErrorCode,
} from './catalog.ts';
import { ERROR_GUIDE } from './guide.ts';
import { ErrorCodeSchema, fail, ok } from './problem.ts';

/** The status every code answers with: part of the API contract (docs/versioning.md). */
const DESIGN_STATUSES: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  CSRF_TOKEN_INVALID: 403,
  NOT_FOUND: 404,
  CART_NOT_FOUND: 404,
  LINE_NOT_FOUND: 404,
  CART_CLOSED: 409,
  CART_EXPIRED: 410, // an expired cart, so the client starts a new one
  IDEMPOTENCY_IN_FLIGHT: 409,
  OUT_OF_STOCK: 409,
  ALREADY_EXISTS: 409,
  VERSION_CONFLICT: 412,
  PRICES_CHANGED: 409, // checkout found prices or code terms changed
  REQUEST_TIMEOUT: 408, // a request not received within REQUEST_TIMEOUT_MS
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PRODUCT_NOT_FOUND: 422,
  PRODUCT_NOT_AVAILABLE: 422, // no price in the cart's currency (DESIGN §7)
  COUNTRY_NOT_SERVED: 422,
  SHIPPING_OPTION_UNAVAILABLE: 422,
  SHIPPING_REQUIRED: 422, // checkout without an address or option (DESIGN §7)
  REGION_IN_USE: 409,
  QUANTITY_LIMIT_EXCEEDED: 422,
  CART_LIMIT_EXCEEDED: 422,
  CART_TOO_LARGE: 422, // a change past MAX_CART_BYTES
  CART_EMPTY: 422,
  DISCOUNT_INVALID: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  AMOUNT_TOO_LARGE: 422, // core's refusal of a cart past the safe-integer range
  HEADERS_TOO_LARGE: 431, // a header section over Node's HTTP limit
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

describe('ERROR_CATALOG', () => {
  it('has the codes and statuses the API promises (docs/errors.md)', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(DESIGN_STATUSES).sort());
    for (const code of ERROR_CODES) expect(errorStatus(code), code).toBe(DESIGN_STATUSES[code]);
  });

  it('gives every code a title and a message for people, and SCREAMING_SNAKE names', () => {
    for (const code of ERROR_CODES) {
      const { title, message } = ERROR_CATALOG[code];
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(title.length).toBeGreaterThan(0);
      expect(message).toMatch(/^[A-Z].*[.!]$/);
    }
  });

  it('links every code to its own anchor in the docs', () => {
    expect(errorType('OUT_OF_STOCK')).toBe('/docs/errors#out-of-stock');
    expect(errorType('IDEMPOTENCY_KEY_REUSED')).toBe('/docs/errors#idempotency-key-reused');
    const anchors = ERROR_CODES.map((code) => errorType(code).split('#')[1] ?? '');
    expect(new Set(anchors).size).toBe(ERROR_CODES.length);
    for (const [i, code] of ERROR_CODES.entries()) {
      expect(errorType(code)).toBe(`/docs/errors#${anchors[i]}`);
      expect(anchors[i]).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  it('gives every code a cause and a fix for developers: one or two short sentences', () => {
    for (const code of ERROR_CODES) {
      const entry = ERROR_GUIDE[code];
      for (const [field, text] of [
        ['cause', entry.cause],
        ['fix', entry.fix],
      ] as const) {
        const where = `${code}.${field}`;
        // Short, and about this code alone: the reference shows them beside each code.
        expect(text, where).toMatch(/^[A-Z].*\.$/);
        expect(text.length, where).toBeLessThanOrEqual(320);
        expect(text, where).not.toBe(ERROR_CATALOG[code].message);
        const prose = text.replace(/`[^`]*`/g, '`…`');
        expect((text.match(/`/g) ?? []).length % 2, `${where}: unbalanced backticks`).toBe(0);
        expect(
          prose.split(/[.!?](?:\s|$)/).filter((s) => s.trim() !== '').length,
          where,
        ).toBeLessThanOrEqual(2);
        // Settings, headers and markup are code spans, so both renderings show them as
        // such and Markdown reads no emphasis or HTML into them.
        expect(prose, `${where}: put settings in backticks`).not.toMatch(/[A-Z]+_[A-Z_]+/);
        expect(prose, `${where}: put markup in backticks`).not.toMatch(/[<>*_|\\[\]]/);
        // No repository paths: the text is shown on the served page too.
        expect(prose, where).not.toMatch(/\.md\b|docs\//);
      }
    }
  });

  it('mentions the setting behind a limit where there is one', () => {
    expect(ERROR_GUIDE.CART_LIMIT_EXCEEDED.cause).toContain('`MAX_LINES_PER_CART`');
    expect(ERROR_GUIDE.PAYLOAD_TOO_LARGE.cause).toContain('`MAX_BODY_BYTES`');
    expect(ERROR_GUIDE.IDEMPOTENCY_KEY_REUSED.cause).toContain('`IDEMPOTENCY_TTL_SECONDS`');
    expect(ERROR_GUIDE.RATE_LIMITED.cause).toContain('`RATE_LIMIT_');
    expect(ERROR_GUIDE.QUANTITY_LIMIT_EXCEEDED.cause).toContain('`MAX_QUANTITY_PER_LINE`');
    expect(ERROR_GUIDE.CART_TOO_LARGE.cause).toContain('`MAX_CART_BYTES`');
    expect(ERROR_GUIDE.CART_EXPIRED.cause).toContain('`CART_TTL_SECONDS`');
    expect(ERROR_GUIDE.REQUEST_TIMEOUT.cause).toContain('`REQUEST_TIMEOUT_MS`');
  });

  it('marks only transient failures retryable', () => {
    const retryable = ERROR_CODES.filter(isRetryable).sort();
    expect(retryable).toEqual([
      'IDEMPOTENCY_IN_FLIGHT',
      'INTERNAL',
      'RATE_LIMITED',
      'REQUEST_TIMEOUT',
      'UNAVAILABLE',
    ]);
  });
});

describe('isRetryableAnswer', () => {
  it("gives an answer whose code explains its status the code's verdict", () => {
    for (const code of ERROR_CODES)
      expect(isRetryableAnswer(ERROR_CATALOG[code].status, code), code).toBe(isRetryable(code));
  });

  it('judges an answer no code explains by its status: 408, 429 and 5xx only', () => {
    expect(isRetryableAnswer(502, undefined)).toBe(true);
    expect(isRetryableAnswer(408, undefined)).toBe(true);
    expect(isRetryableAnswer(429, undefined)).toBe(true);
    expect(isRetryableAnswer(409, undefined)).toBe(false);
    expect(isRetryableAnswer(418, 'VALIDATION_FAILED')).toBe(false);
    // A gateway's 504 page the SDK labels UNAVAILABLE (503): retried, by its status.
    expect(isRetryableAnswer(504, 'UNAVAILABLE')).toBe(true);
    // A proxy's 409 page is no IDEMPOTENCY_IN_FLIGHT, whatever it is labelled.
    expect(isRetryableAnswer(409, 'VALIDATION_FAILED')).toBe(false);
    // Whatever the label, a status the code does not answer with is judged by the status:
    // a 502 labelled with a verdict on the request is retried, a 400 labelled RATE_LIMITED not.
    expect(isRetryableAnswer(502, 'VALIDATION_FAILED')).toBe(true);
    expect(isRetryableAnswer(400, 'RATE_LIMITED')).toBe(false);
    // 5xx starts at 500.
    expect(isRetryableAnswer(500, undefined)).toBe(true);
    expect(isRetryableAnswer(499, undefined)).toBe(false);
  });

  it('agrees with the two rules the SDK had before it, for every status and code', () => {
    // The SDK's CartApiError.retryable and its transport's isRetryableAnswer, as they were.
    const errorRule = (status: number, code: ErrorCode) =>
      isRetryable(code) || status === 408 || status >= 500;
    const transportRule = (status: number, code: ErrorCode) =>
      status === 409
        ? code === 'IDEMPOTENCY_IN_FLIGHT'
        : status === 408 || status === 429 || status >= 500;
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.constantFrom(...ERROR_CODES),
        (status, code) => {
          // Answers the SDK can meet: a problem (its code's own status) or a page
          // labelled by the SDK from its status.
          if (ERROR_CATALOG[code].status !== status && code !== codeLabel(status)) return;
          expect(isRetryableAnswer(status, code)).toBe(transportRule(status, code));
          expect(isRetryableAnswer(status, code)).toBe(errorRule(status, code));
        },
      ),
    );
  });
});

/** The code the SDK labels a page without a problem document with (client/src/errors.ts). */
function codeLabel(status: number): ErrorCode {
  const labels: Record<number, ErrorCode> = {
    401: 'UNAUTHORIZED',
    403: 'CSRF_TOKEN_INVALID',
    404: 'NOT_FOUND',
    412: 'VERSION_CONFLICT',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    429: 'RATE_LIMITED',
    431: 'HEADERS_TOO_LARGE',
    408: 'UNAVAILABLE',
    502: 'UNAVAILABLE',
    503: 'UNAVAILABLE',
    504: 'UNAVAILABLE',
  };
  return labels[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
}

describe('results', () => {
  it('ok and fail build the Result union', () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 });
    expect(fail('CART_EMPTY', 'Empty.')).toEqual({
      ok: false,
      error: { code: 'CART_EMPTY', message: 'Empty.' },
    });
    expect(fail('LINE_NOT_FOUND', 'No line.', '/lineId')).toEqual({
      ok: false,
      error: { code: 'LINE_NOT_FOUND', message: 'No line.', path: '/lineId' },
    });
    expect('path' in (fail('CART_EMPTY', 'x') as { error: object }).error).toBe(false);
  });

  it('ErrorCodeSchema accepts exactly the catalog codes', () => {
    for (const code of ERROR_CODES) expect(ErrorCodeSchema.parse(code)).toBe(code);
    expect(ErrorCodeSchema.safeParse('out_of_stock').success).toBe(false);
    expect(ErrorCodeSchema.safeParse('TEAPOT').success).toBe(false);
  });
});
