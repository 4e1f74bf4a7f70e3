import type { ErrorCode } from './catalog.ts';

/** What a developer needs to know of an error code; never shown to shoppers. */
export interface ErrorGuideEntry {
  /** What makes the server answer this code (one or two sentences). */
  cause: string;
  /** What to change so that the request succeeds (one or two sentences). */
  fix: string;
}

/**
 * For developers, the cause and the fix of every error code: the error reference
 * (`/docs/errors`, docs/errors.md) shows them beside the catalog's status, title and
 * shopper message. Kept apart from ERROR_CATALOG so that the pages a shopper loads,
 * which import the catalog for its messages, do not carry this text.
 */
export const ERROR_GUIDE: Record<ErrorCode, ErrorGuideEntry> = {
  VALIDATION_FAILED: {
    cause:
      "The request does not match the operation's schema (body, path, query or headers), is not valid JSON, or sends a body where none is taken. A batch of more than `MAX_BATCH_ACTIONS` actions, are refused the same way.",
    fix: "Correct what the problem's `errors` list names (a JSON Pointer `path` and a `message` each), then send it again; each operation's schema is in the OpenAPI document at `/openapi.json`.",
  },
  UNAUTHORIZED: {
    cause:
      'An admin operation came without a valid admin credential: no `Authorization: Bearer` with `ADMIN_TOKEN` and no live `admin_session` cookie, or a sign-in with the wrong token (or on a server started without `ADMIN_TOKEN`).',
    fix: 'Send `Authorization: Bearer <ADMIN_TOKEN>`, or sign in with `POST /api/admin/session` and send its cookie; set `ADMIN_TOKEN` on the server if it is unset.',
  },
  CSRF_TOKEN_INVALID: {
    cause:
      'A change authenticated by a cookie came from another origin (by `Sec-Fetch-Site`, else `Origin` against the host and `ALLOWED_ORIGINS`) or without an `X-CSRF-Token` equal to its `csrf_token` cookie; creating a cart, signing in and reporting an error only refuse another site.',
    fix: "Send changes from the shop's origin with the token of `GET /api/csrf` in `X-CSRF-Token`, or authenticate with `Authorization: Bearer` instead of cookies; behind a proxy, set `TRUST_PROXY`.",
  },
  NOT_FOUND: {
    cause:
      'No route has this path and method (a known path with the wrong method also gets an `Allow` header), or the product, promo code or error group named in the path does not exist.',
    fix: 'Check the method, the path and the id in it against the OpenAPI document; a list operation gives the ids that exist.',
  },
  CART_NOT_FOUND: {
    cause:
      "No cart has this id, or the credential sent (the `Authorization: Bearer` token, else the `cart_token` cookie) is not this cart's: the two are answered alike on purpose; a merge answers it for a source cart it cannot find.",
    fix: 'Send the token `POST /api/carts` gave for this cart (an `Authorization` header hides the cookie), or create a new cart.',
  },
  LINE_NOT_FOUND: {
    cause:
      'The `lineId` names no line of this cart: the line was removed (or its quantity set to 0) by an earlier change, or it belongs to another cart.',
    fix: 'Read the cart again and use a line id from it; to add the product again, add a line.',
  },
  CART_CLOSED: {
    cause:
      'The cart has been checked out or merged into another cart, so it takes no more changes; a merge also answers it when the source cart is closed or expired.',
    fix: 'Create a new cart for further changes; a read of the closed cart still shows it.',
  },
  CART_EXPIRED: {
    cause:
      'The cart was not changed for `CART_TTL_SECONDS`: its `expiresAt` has passed, so it takes no more changes (a read still shows it).',
    fix: 'Create a new cart with `POST /api/carts` and add the items again; an expired cart cannot be reopened.',
  },
  IDEMPOTENCY_IN_FLIGHT: {
    cause:
      'A request with the same `Idempotency-Key` (same credential, method and route) is still running on this server, usually a retry sent before the first attempt was answered.',
    fix: "Wait as `Retry-After` says (1 s), then retry with the same key: the first request's answer is replayed once it is stored.",
  },
  OUT_OF_STOCK: {
    cause:
      'The quantity asked for, counted over every line of the product, is more than its `stock`: checked when a line is added, raised or merged, and again at checkout.',
    fix: 'Lower the quantity or remove the line; the `detail` says how many are left. At checkout, `errors` names every line short of stock by its id (`/lines/<lineId>`, with "sold out" or "only N left"); live-event streams announce stock changes as they happen (`event: stock`).',
  },
  ALREADY_EXISTS: {
    cause:
      'An admin change would give a product the `sku` of another product, or create a promo code that already exists.',
    fix: 'Choose another sku or code, or change the existing product or code instead.',
  },
  REGION_IN_USE: {
    cause:
      'Deleting the default region, or a region that open carts are in or that shipping options belong to; or taking the default mark off the only default region.',
    fix: 'Make another region the default first, delete or move its shipping options, and wait for its carts to be checked out or to expire.',
  },
  VERSION_CONFLICT: {
    cause:
      'The `If-Match` sent does not name the cart\'s current version (comparison is strong: `W/"3"` or an unquoted `3` never matches); the problem carries the current `cart` and its `ETag`.',
    fix: 'Decide again on the cart in the answer, then send the change with its `ETag` as `If-Match` and a new `Idempotency-Key`, or send the change without `If-Match`.',
  },
  PRICES_CHANGED: {
    cause:
      "At checkout a line's price or a promo code's terms differed from the catalog's, so nothing was bought: the cart was re-priced as a new version, sent in the problem's `cart` with its `ETag`.",
    fix: 'Show the shopper the new total, then check out again with a new `Idempotency-Key` (and the new `ETag` as `If-Match` if you send one).',
  },
  REQUEST_TIMEOUT: {
    cause:
      'The request did not arrive in full within `REQUEST_TIMEOUT_MS`, or its headers within `HEADERS_TIMEOUT_MS`, so it was answered before its handler ran and the connection closed.',
    fix: 'Send the request again with the same `Idempotency-Key` (nothing was applied); raise those two settings if real clients need longer.',
  },
  PAYLOAD_TOO_LARGE: {
    cause: 'The request body is larger than `MAX_BODY_BYTES`.',
    fix: "Send a smaller body, for example by splitting a batch of actions in two, or raise `MAX_BODY_BYTES` (and any proxy's limit above it).",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    cause:
      'The request has a body whose `Content-Type` is not `application/json`, or no `Content-Type` at all.',
    fix: 'Send the body as JSON with `Content-Type: application/json`.',
  },
  PRODUCT_NOT_FOUND: {
    cause:
      'The product is not in the catalog (any more), or at checkout is now priced in another currency than the cart: checked when a line is added, raised or merged, and at checkout.',
    fix: 'Remove the line or choose another product; `GET /api/products` lists what is on sale.',
  },
  PRODUCT_NOT_AVAILABLE: {
    cause:
      "The product has no price in the cart's currency (its `prices` lack it): an add or an increase of it, or a `setCountry` or `setShippingAddress` that would move a cart holding it to a region in that currency.",
    fix: 'Remove the line before moving the cart, or add a price in that currency to the product (`PUT /api/admin/products/:id`).',
  },
  COUNTRY_NOT_SERVED: {
    cause:
      'A `setCountry`, or a shipping address, names a country that no region lists in its `countries`.',
    fix: 'Offer only the countries of `GET /api/regions`, or add the country to a region (`PUT /api/admin/regions/:id`).',
  },
  SHIPPING_OPTION_UNAVAILABLE: {
    cause:
      "A `setShippingOption` names an option that does not exist or belongs to another region than the cart's.",
    fix: "Choose among `GET /api/carts/:id/shipping-options`, which lists the options of the cart's region; after a country change, choose again.",
  },
  SHIPPING_REQUIRED: {
    cause:
      'Checkout of a cart with a line to ship (`requiresShipping`) and no `shippingAddress`, or no shipping option; `path` names which. Nothing is taken.',
    fix: 'Set the address (`PATCH /api/carts/:id` with `shippingAddress`) and an option (`PUT /api/carts/:id/shipping-option`), then check out again.',
  },
  QUANTITY_LIMIT_EXCEEDED: {
    cause:
      "The line's quantity would pass `MAX_QUANTITY_PER_LINE`, or the quantity of the product over every line would pass its `maxPerOrder`.",
    fix: 'Ask for a smaller quantity; the `detail` says the limit.',
  },
  CART_LIMIT_EXCEEDED: {
    cause:
      'Adding a new line would give the cart more than `MAX_LINES_PER_CART` lines (adding to a line the cart already has does not count).',
    fix: 'Remove a line before adding another, or raise `MAX_LINES_PER_CART`.',
  },
  CART_TOO_LARGE: {
    cause:
      'The change would make the cart, as answered in JSON, larger than `MAX_CART_BYTES` (and larger than it is now), so nothing was written.',
    fix: 'Remove lines, or shorten the note or line attributes: a change that does not make the cart larger is never refused this way.',
  },
  CART_EMPTY: {
    cause: 'Checkout was asked for a cart with no lines.',
    fix: 'Add at least one line, then check out.',
  },
  DISCOUNT_INVALID: {
    cause:
      'The promo code is unknown, not yet valid, expired, used up, needs a larger subtotal, cannot be combined with the codes applied, or would pass `MAX_DISCOUNTS_PER_CART`; removing a code the cart does not hold, and a checkout whose code is no longer valid, answer it too.',
    fix: 'Read the `detail` for which, then remove the code or change the cart (at checkout, remove the code it names). Below its minimum or not combinable, the problem carries the terms of the code as `discount`: the subtotal it needs (`minSubtotal`), and what it would take off.',
  },
  AMOUNT_TOO_LARGE: {
    cause:
      'An amount of the cart in minor units (a line, its tax or the total) would pass `Number.MAX_SAFE_INTEGER`, so the change was refused rather than rounded.',
    fix: 'Lower the quantities or remove lines.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    cause:
      'The `Idempotency-Key` was used within `IDEMPOTENCY_TTL_SECONDS` for another request with the same credential, method and route but a different body.',
    fix: 'Use a new random key (a UUID) for each new request, and the same key only for retries of that exact request.',
  },
  HEADERS_TOO_LARGE: {
    cause:
      "The request line and headers are over Node's header size limit (16 KiB by default), nearly always because of many or large cookies; the HTTP layer answers it to any request, before routing.",
    fix: "Send smaller headers: clear the site's cookies or stop other applications setting large cookies on its domain.",
  },
  RATE_LIMITED: {
    cause:
      'The request went over a rate-limit budget (`RATE_LIMIT_CLIENT`, `RATE_LIMIT_CART` and the other `RATE_LIMIT_*` settings, per `RATE_LIMIT_WINDOW_SECONDS`), or over the live-stream caps `LIVE_STREAMS_PER_CLIENT` or `LIVE_STREAMS_PER_CART`.',
    fix: 'Wait as `Retry-After` says, then retry; the `RateLimit` header shows what is left, and behind a proxy `TRUST_PROXY` must be set or every shopper shares one budget.',
  },
  INTERNAL: {
    cause:
      "The server failed unexpectedly; the error is logged and tracked with the request's `requestId`, and the answer carries no more than the catalog's words.",
    fix: 'Retry later (with the same `Idempotency-Key`); if it persists, give the `requestId` to the operators, who find it in the logs and under `GET /api/admin/errors`.',
  },
  UNAVAILABLE: {
    cause:
      'The server cannot reach its database, this instance holds `LIVE_STREAMS_MAX` live-event streams already, or (for the web pages) the web app has not been built.',
    fix: 'Wait as `Retry-After` says (when sent), then retry; operators check the database connection, or run `npm run build` for the pages.',
  },
};
