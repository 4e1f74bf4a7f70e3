import { ERROR_CATALOG, isRetryable, type ErrorCode } from '@cart/core';
import { openApiPath, routeCodes, type RouteAnswers } from './route-answers.ts';
import { OPERATION_EXAMPLES, parameterExample } from './openapi-examples.ts';
import { patternMaxLength } from './pattern-length.ts';
import { problemBody } from './problem.ts';

/**
 * Completes the OpenAPI document from what the routes declare, so that it says what the
 * server does without a second hand-kept list: the headers each operation takes and
 * answers, every error status it can answer with its codes and an example problem
 * (http/route-answers.ts), integer formats, and the components it does not use pruned.
 * The schemas themselves come from the zod schemas that validate the requests
 * (plugins/external/swagger.ts); the contract suite checks the server's answers against
 * the result (test/contract/harness.ts).
 */

type Json = Record<string, unknown>;
type Schema = Json;

/** The request headers the API reads, as reusable parameters. */
const HEADER_PARAMETERS: Record<string, Json> = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes the change safe to retry: a repeat with the same key (within IDEMPOTENCY_TTL_SECONDS, 24 h by default) answers the first answer again, marked `Idempotent-Replayed: true`, and changes nothing; the same key with another request is `422 IDEMPOTENCY_KEY_REUSED`, and while the first is still running `409 IDEMPOTENCY_IN_FLIGHT`. Use a new random key (a UUID) per change, and the same one for each retry of it.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    example: '7c1f0a9e-2f4b-4d7e-9a55-0c6a3b8e1d42',
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description:
      'Change only the cart at this version: its `ETag` (`"7"`), a list, or `*`. Strong comparison. Otherwise `412 VERSION_CONFLICT`, whose problem carries the current `cart` and `ETag`.',
    schema: { type: 'string', minLength: 1, maxLength: 1024 },
    example: '"7"',
  },
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description:
      'The `ETag` of the cart you have: `304 Not Modified` (no body) while it is current. Weak comparison.',
    schema: { type: 'string', minLength: 1, maxLength: 1024 },
    example: '"7"',
  },
  CsrfToken: {
    name: 'X-CSRF-Token',
    in: 'header',
    required: false,
    description:
      'Required when the credential is a cookie (`cart_token`, `admin_session`): the token from `GET /api/csrf`, matching its cookie. Not needed with `Authorization: Bearer`.',
    schema: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9._~-]+$' },
  },
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description:
      'Your id for this request, kept in logs, traces and the answer (`X-Request-Id`) and in a problem (`requestId`); otherwise the server makes one.',
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
  },
  LastEventId: {
    name: 'Last-Event-ID',
    in: 'header',
    required: false,
    description:
      'The `id:` (cart version) of the last event received, when reconnecting: the first event is then skipped while the cart is still at that version.',
    schema: { type: 'string', maxLength: 32, pattern: '^[0-9]*$' },
  },
};

const ref = (kind: 'parameters' | 'headers' | 'schemas', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

/** The response headers the API sends, as reusable headers. */
const RESPONSE_HEADERS: Record<string, Json> = {
  'X-Request-Id': {
    description: 'The id of this request (the one sent, if valid, or a new one).',
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
  },
  'RateLimit-Policy': {
    description:
      'The rate-limit budgets this request spent (IETF draft-ietf-httpapi-ratelimit-headers): `"<name>";q=<quota>;w=<window seconds>`, comma-separated. Absent when rate limits are off (RATE_LIMITS=off).',
    schema: {
      type: 'string',
      maxLength: 512,
      pattern: '^"[a-z-]+";q=\\d+;w=\\d+(, "[a-z-]+";q=\\d+;w=\\d+)*$',
    },
    example: '"client";q=600;w=60, "cart";q=120;w=60',
  },
  RateLimit: {
    description:
      'The budget closest to its limit: `"<name>";r=<remaining>;t=<seconds until it resets>`. Absent when rate limits are off.',
    schema: { type: 'string', maxLength: 128, pattern: '^"[a-z-]+";r=\\d+;t=\\d+$' },
    example: '"cart";r=119;t=60',
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'string', maxLength: 10, pattern: '^[0-9]+$' },
    example: '2',
  },
  ETag: {
    description:
      'The cart version this answer shows (`"7"`): send it as `If-Match` to change only that version, or `If-None-Match` to read it again cheaply.',
    schema: { type: 'string', maxLength: 32, pattern: '^"[0-9]+"$' },
    example: '"7"',
  },
  Location: {
    description: 'Where the resource just created is read (relative to this server).',
    schema: { type: 'string', maxLength: 1024, format: 'uri-reference' },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was changed now).',
    schema: { type: 'string', enum: ['true'] },
  },
  'Access-Control-Allow-Origin': {
    description:
      'Never sent: the API answers its own origin only (a browser page elsewhere cannot read it; its cookies are SameSite). Use it from other origins through your own server, with the cart token as a bearer credential.',
    schema: { not: {} },
  },
  'WWW-Authenticate': {
    description: 'How to authenticate: `Bearer realm="cart-admin"`.',
    schema: { type: 'string', maxLength: 128 },
  },
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** The route facts the document is completed from, by `METHOD path` (`POST /api/carts`). */
export type RouteIndex = ReadonlyMap<string, RouteAnswers>;

export const routeKey = (method: string, url: string) =>
  `${method.toUpperCase()} ${openApiPath(url)}`;

/** An example problem document for a code, as the server would answer it. */
export function exampleProblem(code: ErrorCode, path: string): Json {
  const instance = path.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => parameterExample(path, name) ?? name,
  );
  // Made as every answer's problem is (http/problem.ts), with the catalog's words.
  return problemBody(
    code,
    ERROR_CATALOG[code].message,
    '3f9e2c64-0d3b-4a0e-8a51-5b7f6c2d9e10',
    instance,
    code === 'VALIDATION_FAILED'
      ? { errors: [{ path: '/quantity', message: 'Too small: expected number to be >=1' }] }
      : {},
  );
}

/** The headers of one answer of an operation. */
function responseHeaders(route: RouteAnswers, status: number, codes: ErrorCode[]): Json {
  const headers: Json = {
    'X-Request-Id': ref('headers', 'X-Request-Id'),
    'Access-Control-Allow-Origin': ref('headers', 'Access-Control-Allow-Origin'),
  };
  const policy = route.policy;
  if (policy !== undefined) {
    headers['RateLimit-Policy'] = ref('headers', 'RateLimit-Policy');
    headers.RateLimit = ref('headers', 'RateLimit');
  }
  if (status === 429 || status === 503 || codes.includes('IDEMPOTENCY_IN_FLIGHT'))
    headers['Retry-After'] = ref('headers', 'Retry-After');
  if (policy?.idempotent === true)
    headers['Idempotent-Replayed'] = ref('headers', 'Idempotent-Replayed');
  if (status === 401) headers['WWW-Authenticate'] = ref('headers', 'WWW-Authenticate');
  // A cart answer, or a refusal that carries the cart (412 VERSION_CONFLICT, 409 PRICES_CHANGED…).
  if (policy?.auth === 'cart' || route.operationId === 'createCart') {
    if (status < 300 || status === 304 || status === 409 || status === 412)
      headers.ETag = ref('headers', 'ETag');
  }
  if (status === 201) headers.Location = ref('headers', 'Location');
  return headers;
}

/** The error answers of an operation: one per status, its codes and an example of each. */
function errorResponses(route: RouteAnswers): Map<number, { codes: ErrorCode[]; response: Json }> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeCodes(route)) {
    const status = ERROR_CATALOG[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out = new Map<number, { codes: ErrorCode[]; response: Json }>();
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const examples: Json = {};
    for (const code of codes)
      examples[code] = {
        summary: `${ERROR_CATALOG[code].title}${isRetryable(code) ? ' (retry)' : ''}`,
        value: exampleProblem(code, route.path),
      };
    out.set(status, {
      codes,
      response: {
        description: codes.map((c) => `\`${c}\`: ${ERROR_CATALOG[c].title}.`).join(' '),
        headers: responseHeaders(route, status, codes),
        content: {
          'application/problem+json': {
            schema: {
              allOf: [
                ref('schemas', 'Problem'),
                { type: 'object', properties: { code: { type: 'string', enum: codes } } },
              ],
            },
            examples,
          },
        },
      },
    });
  }
  return out;
}

/** The request header parameters an operation takes. */
function headerParameters(route: RouteAnswers): Json[] {
  const names = ['RequestId'];
  const policy = route.policy;
  if (policy?.idempotent === true) names.push('IdempotencyKey');
  if (policy?.auth === 'cart' && route.method !== 'GET') names.push('IfMatch');
  if (policy?.csrf === 'token') names.push('CsrfToken');
  // The two reads with a validator of their own: a cart's ETag, a stream's last event.
  if (route.operationId === 'getCart') names.push('IfNoneMatch');
  if (route.operationId === 'streamCartEvents') names.push('LastEventId');
  return names.map((n) => ref('parameters', n));
}

/**
 * Declares the limits the schemas enforce in the form generated clients and linters
 * read: an integer gets the format its bounds allow (OpenAPI's int32 or int64), and a
 * string whose pattern alone bounds its length (`^[A-Za-z0-9_-]{1,64}$`) gets that
 * `maxLength`. Nothing is invented: what no schema bounds stays unbounded.
 */
function declareLimits(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) declareLimits(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Schema;
  if (schema.type === 'integer' && schema.format === undefined) {
    const min = typeof schema.minimum === 'number' ? schema.minimum : -Infinity;
    const max = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
    schema.format = min >= -(2 ** 31) && max <= 2 ** 31 - 1 ? 'int32' : 'int64';
  }
  const types = [schema.type].flat();
  if (types.includes('string') && typeof schema.pattern === 'string')
    schema.maxLength ??= patternMaxLength(schema.pattern) ?? undefined;
  for (const value of Object.values(schema)) declareLimits(value);
}

/** The names of the schemas the document references, followed through the components. */
function usedSchemas(document: Json): Set<string> {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const r = (node as Json).$ref;
    if (typeof r === 'string' && r.startsWith('#/components/schemas/')) {
      const name = r.slice('#/components/schemas/'.length);
      if (!used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== '$ref') visit(v);
  };
  visit(document.paths);
  return used;
}

/** The bounds of a cart that come from the configuration, not from the schemas. */
export interface CartBounds {
  lines: number;
  discounts: number;
  appliedActionIds: number;
}

/** Declares the configured bounds on every cart schema (`Cart`, `CreatedCart`…). */
function declareCartBounds(schemas: Json, bounds: CartBounds): void {
  for (const schema of Object.values(schemas) as Schema[]) {
    const properties = schema.properties as Record<string, Schema> | undefined;
    if (properties?.lines === undefined || properties.appliedActionIds === undefined) continue;
    for (const name of ['lines', 'discounts', 'appliedActionIds'] as const)
      if (properties[name]?.type === 'array') properties[name].maxItems = bounds[name];
  }
}

/** The document with every operation completed from its route; see the module comment. */
export function completeDocument(document: Json, routes: RouteIndex, bounds: CartBounds): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const route = routes.get(`${method.toUpperCase()} ${path}`);
      if (route === undefined) continue;
      operation.parameters = [
        ...((operation.parameters ?? []) as Json[]).map((p) =>
          p.in === 'path' ? { ...p, example: parameterExample(path, String(p.name)) } : p,
        ),
        ...headerParameters(route),
      ];
      // `body: 'empty'` takes `{}` or nothing at all (creating a cart, checking out).
      if (route.policy?.body === 'empty' && operation.requestBody !== undefined)
        (operation.requestBody as Json).required = false;
      const example = OPERATION_EXAMPLES[route.operationId ?? ''];
      const requestJson = (operation.requestBody as { content?: Record<string, Json> } | undefined)
        ?.content?.['application/json'];
      if (requestJson !== undefined && example?.request !== undefined)
        requestJson.example = example.request;
      const responses = (operation.responses ?? {}) as Record<string, Json>;
      const errors = errorResponses(route);
      for (const [status, response] of Object.entries(responses)) {
        const code = Number(status);
        if (route.policy !== undefined && code >= 400) {
          delete responses[status];
          continue;
        }
        response.headers = { ...responseHeaders(route, code, []), ...(response.headers as Json) };
        // `z.null()` documents "no body": say so by declaring no content.
        if (code === 204 || code === 304) delete response.content;
        const json = (response.content as Record<string, Json> | undefined)?.['application/json'];
        if (json !== undefined && code < 300 && example?.response !== undefined)
          json.example = example.response;
        // An event stream has no schema a JSON validator could apply: its events are described.
        const stream = (response.content as Record<string, Json> | undefined)?.[
          'text/event-stream'
        ];
        if (stream !== undefined) delete stream.schema;
      }
      for (const [status, { response }] of errors)
        if (route.policy !== undefined || responses[status] === undefined)
          responses[String(status)] = response;
      operation.responses = Object.fromEntries(
        Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
  }
  // By default no credential is needed (an empty requirement); operations that need one
  // say which (their route's `security`, checked against its policy at registration).
  document.security = [{}];
  const components = (document.components ?? {}) as Json;
  components.parameters = { ...HEADER_PARAMETERS };
  components.headers = { ...RESPONSE_HEADERS };
  document.components = components;
  const used = usedSchemas(document);
  const schemas = (components.schemas ?? {}) as Json;
  components.schemas = Object.fromEntries(Object.entries(schemas).filter(([n]) => used.has(n)));
  declareCartBounds(components.schemas as Json, bounds);
  declareLimits(document);
  return document;
}
