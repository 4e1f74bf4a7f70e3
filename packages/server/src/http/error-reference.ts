import {
  ERROR_CATALOG,
  ERROR_CODES,
  ERROR_GUIDE,
  errorType,
  isRetryableAnswer,
  type ErrorCode,
} from '@cart/core';
import { exampleProblem } from './openapi.ts';

/**
 * The error reference: for every code of the catalog its cause, its fix, whether a retry
 * can help (core's `isRetryableAnswer`, the rule the SDK's `CartApiError.retryable` applies),
 * the operations that answer it and an example problem. Pure: it reads the catalog and
 * the OpenAPI document it is given (the served one: `app.swagger()` in the server,
 * scripts/openapi-document.ts in the generator), so that the page at `/docs/errors`
 * (routes/error-docs.ts) and docs/errors.md (scripts/gen-error-docs.ts, rendered here by
 * `renderErrorMarkdown`) say the same, and say what the document declares.
 */

type Json = Record<string, unknown>;

/** An operation of the OpenAPI document. */
export interface ErrorEndpoint {
  /** Upper case: `POST`. */
  method: string;
  /** The path template: `/api/carts/{id}`. */
  path: string;
  operationId: string | undefined;
}

/** One code of the reference, with everything both renderings show. */
export interface ErrorReferenceEntry {
  code: ErrorCode;
  /** The fragment of the code's problem `type`: `out-of-stock`. */
  anchor: string;
  status: number;
  title: string;
  message: string;
  cause: string;
  fix: string;
  retryable: boolean;
  /** The retry verdict in words. */
  retry: string;
  /** The operations whose document declares the code, in document order. */
  endpoints: ErrorEndpoint[];
  /** An example problem, as the document's example of the code (`exampleProblem`). */
  example: Json;
}

export const RETRY_YES = 'Yes — the same request may succeed later (honour Retry-After)';
export const RETRY_NO = 'No — change the request first';

/** The fragment of a code's problem `type` URI: `/docs/errors#out-of-stock` → "out-of-stock". */
export function errorAnchor(code: ErrorCode): string {
  const type = errorType(code);
  return type.slice(type.indexOf('#') + 1);
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && Object.hasOwn(ERROR_CATALOG, value);

/** A node of the document with a local `$ref` (`#/components/…`) followed, if it has one. */
function resolve(document: Json, node: unknown, depth = 0): unknown {
  if (!isObject(node) || typeof node.$ref !== 'string' || depth > 20) return node;
  if (!node.$ref.startsWith('#/')) return node;
  let target: unknown = document;
  for (const part of node.$ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    target = isObject(target) ? target[key] : undefined;
  }
  return resolve(document, target, depth + 1);
}

/**
 * The codes a problem schema allows: the `enum` of its `code` property, narrowed by
 * every `allOf` part (`allOf: [Problem, { properties: { code: { enum: [...] } } }]`: the
 * Problem component allows every code, the second part the operation's), widened by
 * `anyOf`/`oneOf` alternatives. Undefined when nothing constrains the code.
 */
function schemaCodes(document: Json, schema: unknown, depth = 0): ErrorCode[] | undefined {
  const node = resolve(document, schema);
  if (!isObject(node) || depth > 20) return undefined;
  const constraints: ErrorCode[][] = [];
  const code = isObject(node.properties) ? resolve(document, node.properties.code) : undefined;
  if (isObject(code) && Array.isArray(code.enum)) constraints.push(code.enum.filter(isErrorCode));
  if (Array.isArray(node.allOf))
    for (const part of node.allOf) {
      const codes = schemaCodes(document, part, depth + 1);
      if (codes !== undefined) constraints.push(codes);
    }
  for (const alternatives of [node.anyOf, node.oneOf]) {
    if (!Array.isArray(alternatives)) continue;
    const each = alternatives.map((part) => schemaCodes(document, part, depth + 1));
    // One unconstrained alternative leaves the code unconstrained.
    if (each.length > 0 && each.every((codes) => codes !== undefined))
      constraints.push([...new Set(each.flat())]);
  }
  if (constraints.length === 0) return undefined;
  // The narrowest constraint's order, kept to the codes every constraint allows.
  const [narrowest = [], ...rest] = [...constraints].sort((a, b) => a.length - b.length);
  return narrowest.filter((c) => rest.every((codes) => codes.includes(c)));
}

/** The codes an operation's responses declare, each once, in the order they come. */
function operationCodes(document: Json, operation: Json): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const responses = isObject(operation.responses) ? operation.responses : {};
  for (const value of Object.values(responses)) {
    const response = resolve(document, value);
    if (!isObject(response) || !isObject(response.content)) continue;
    for (const [mediaType, media] of Object.entries(response.content)) {
      if (mediaType.split(';')[0]?.trim().toLowerCase() !== PROBLEM_MEDIA_TYPE) continue;
      if (!isObject(media)) continue;
      for (const code of schemaCodes(document, media.schema) ?? []) codes.add(code);
    }
  }
  return [...codes];
}

/**
 * Which operations answer each code, as the OpenAPI document declares it: every error
 * response of an operation names its codes in the `enum` of its problem schema's `code`.
 * Every catalog code is a key, in catalog order (with no operations when none declares
 * it); the operations come in the document's order.
 */
export function errorEndpoints(document: Json): Map<ErrorCode, ErrorEndpoint[]> {
  const byCode = new Map<ErrorCode, ErrorEndpoint[]>(ERROR_CODES.map((code) => [code, []]));
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [path, value] of Object.entries(paths)) {
    const item = resolve(document, value);
    if (!isObject(item)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !isObject(operation)) continue;
      const endpoint: ErrorEndpoint = {
        method: method.toUpperCase(),
        path,
        operationId: typeof operation.operationId === 'string' ? operation.operationId : undefined,
      };
      for (const code of operationCodes(document, operation)) byCode.get(code)?.push(endpoint);
    }
  }
  return byCode;
}

/**
 * The operation whose example a code's entry shows: the first that has an operationId
 * (an API operation rather than a health check), else the first; none for a code no
 * operation declares.
 */
function exampleEndpoint(endpoints: readonly ErrorEndpoint[]): ErrorEndpoint | undefined {
  return endpoints.find((e) => e.operationId !== undefined) ?? endpoints[0];
}

/** The whole reference, in catalog order, from the served OpenAPI document. */
export function errorReference(document: Json): ErrorReferenceEntry[] {
  const endpoints = errorEndpoints(document);
  return ERROR_CODES.map((code) => {
    const { status, title, message } = ERROR_CATALOG[code];
    const { cause, fix } = ERROR_GUIDE[code];
    const answeredBy = endpoints.get(code) ?? [];
    const retryable = isRetryableAnswer(status, code);
    return {
      code,
      anchor: errorAnchor(code),
      status,
      title,
      message,
      cause,
      fix,
      retryable,
      retry: retryable ? RETRY_YES : RETRY_NO,
      endpoints: answeredBy,
      example: exampleProblem(code, exampleEndpoint(answeredBy)?.path ?? ''),
    };
  });
}

/** `POST /api/carts` (`createCart`), as the reference names an operation. */
export function endpointLabel(endpoint: ErrorEndpoint): string {
  return `${endpoint.method} ${endpoint.path}`;
}

/**
 * The section of docs/troubleshooting.md (its heading) that goes further into a code:
 * how to confirm the cause in logs and metrics. Named in the Markdown page only.
 */
export const TROUBLESHOOTING_SECTIONS: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'The dashboard is locked',
  CSRF_TOKEN_INVALID: '403 CSRF_TOKEN_INVALID behind a load balancer',
  CART_NOT_FOUND: '404 CART_NOT_FOUND for a cart id that looks right',
  REQUEST_TIMEOUT: '408 REQUEST_TIMEOUT',
  IDEMPOTENCY_IN_FLIGHT: '409 IDEMPOTENCY_IN_FLIGHT',
  OUT_OF_STOCK: '409 OUT_OF_STOCK',
  PRICES_CHANGED: '409 PRICES_CHANGED at checkout',
  CART_EXPIRED: '410 CART_EXPIRED',
  VERSION_CONFLICT: '412 VERSION_CONFLICT loops',
  PAYLOAD_TOO_LARGE: '413 PAYLOAD_TOO_LARGE and 415 UNSUPPORTED_MEDIA_TYPE',
  UNSUPPORTED_MEDIA_TYPE: '413 PAYLOAD_TOO_LARGE and 415 UNSUPPORTED_MEDIA_TYPE',
  IDEMPOTENCY_KEY_REUSED: '422 IDEMPOTENCY_KEY_REUSED',
  RATE_LIMITED: '429 RATE_LIMITED in load tests',
  HEADERS_TOO_LARGE: '431 HEADERS_TOO_LARGE',
  UNAVAILABLE: '503 UNAVAILABLE',
};

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|');
}

/**
 * A Markdown table with its columns padded to one width, as Prettier prints it, so the
 * generated page passes `prettier --check` unchanged. (Widths are counted in UTF-16 code
 * units: the cells are ASCII.)
 */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** One code's section of docs/errors.md. */
function markdownSection(entry: ErrorReferenceEntry): string {
  const answeredBy =
    entry.endpoints.length === 0
      ? ['No operation declares it: see **Cause**.']
      : entry.endpoints.map(
          (e) =>
            `- \`${endpointLabel(e)}\`${e.operationId === undefined ? '' : ` (\`${e.operationId}\`)`}`,
        );
  const troubleshooting = TROUBLESHOOTING_SECTIONS[entry.code];
  return [
    `<a id="${entry.anchor}"></a>`,
    '',
    `### \`${entry.code}\``,
    '',
    `**${entry.status} ${entry.title}.** Problem \`type\`: \`${errorType(entry.code)}\`.`,
    '',
    `> ${entry.message}`,
    '',
    `**Cause**: ${entry.cause}`,
    '',
    `**Fix**: ${entry.fix}`,
    '',
    `**Retry**: ${entry.retry}.`,
    '',
    '**Answered by**:',
    '',
    ...answeredBy,
    '',
    ...(troubleshooting === undefined
      ? []
      : [`More: see docs/troubleshooting.md, section “${troubleshooting}”.`, '']),
    'Example:',
    '',
    '```json',
    JSON.stringify(entry.example, null, 2),
    '```',
  ].join('\n');
}

/** The whole of docs/errors.md, from the served OpenAPI document. */
export function renderErrorMarkdown(document: Json): string {
  const entries = errorReference(document);
  const rows = entries.map((e) => [
    `[\`${e.code}\`](#${e.anchor})`,
    String(e.status),
    cell(e.title),
    e.retryable ? 'yes' : 'no',
  ]);
  return [
    '# Errors',
    '',
    '<!-- Generated by scripts/gen-error-docs.ts from ERROR_CATALOG and ERROR_GUIDE in packages/core/src/errors/ and the OpenAPI document the server serves. Do not edit by hand: change the catalog (or the routes) and run `npx tsx --conditions=@cart/source scripts/gen-error-docs.ts`. -->',
    '',
    'Every error answers `application/problem+json` (RFC 9457) with a stable `code`; clients',
    'branch on `code`, never on the text. The `type` of a problem links to its entry below;',
    'the server serves the same reference as a page at `/docs/errors`. For each code:',
    '',
    '- the quoted message is the one a shopper is shown; `detail` in an answer may say more',
    '  about the particular failure;',
    '- **Cause** and **Fix** are for developers;',
    '- **Retry** says whether sending the very same request again may succeed',
    '  (`isRetryableAnswer` in `packages/core/src/errors/catalog.ts`, the rule the SDK’s',
    '  `CartApiError.retryable` applies); retry a change with the same `Idempotency-Key`, so',
    '  that it is applied at most once;',
    '- **Answered by** lists the operations whose description in the OpenAPI document',
    '  (`/openapi.json`) declares the code, where each also has an example of it.',
    '',
    ...table(['code', 'status', 'title', 'retry'], rows),
    '',
    '## Codes',
    '',
    entries.map(markdownSection).join('\n\n'),
    '',
  ].join('\n');
}
