// Over 400 lines on purpose: the checker, the recorder and the report of OpenAPI
// conformance share the document walk (operation lookup, $ref resolution, header rules);
// split, each would need it exported.
/**
 * Checks HTTP exchanges against the server's own OpenAPI 3.1 document (`/openapi.json`):
 * whatever the server answers must be something the document declares.
 *
 *   const checker = createOpenApiChecker(document);
 *   checker.check({ method: 'GET', path: '/api/carts/abc', status: 200, headers, body });
 *   // → [] or violations such as 'status 401 is not declared (declared: 200, 404)'
 *
 * For one exchange it checks that
 *   - the method and path match an operation (templated paths such as /api/carts/{id}),
 *     unless the server answered that it has no such route (404, or 405 on a known path);
 *   - the status is declared in that operation's `responses` (exactly, as a range such as
 *     `4XX`, or through `default`);
 *   - every contract header the server sent is declared in that response's `headers`
 *     (CONTRACT_HEADERS, plus any header name the document declares anywhere), its value
 *     matches the declared schema, and every header declared `required` was sent;
 *   - the body's media type is declared in the response's `content`, and a JSON body
 *     (application/json, application/problem+json, any +json) validates against the
 *     declared schema. Other media types (text/event-stream) are only checked for their
 *     declaration.
 *
 * Schemas are validated with Ajv's JSON Schema 2020-12 dialect (the one of OpenAPI 3.1):
 * the whole document is added to Ajv under DOCUMENT_ID and each schema is compiled as a
 * `$ref` to its place in it, so the document's own `#/components/...` references resolve.
 * Compiled validators are cached per schema location.
 *
 * It also holds the two pieces a suite needs around the checker: `recordExchanges`, which
 * records every exchange a running `node:http` server answers, whoever the client is, and
 * `ConformanceReport`, which gathers violations from several servers and fails (or, with
 * OPENAPI_CONFORMANCE=report, only prints) with a list grouped by operation and status.
 *
 * Over 400 lines on purpose: the checker is most of it (routes, headers, bodies, Ajv); the
 * recorder and the report are short and only exist to feed it.
 */
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

/** One request and its answer, as the server sent it. */
export interface Exchange {
  method: string;
  /** The request target: a path, with or without its query string. */
  path: string;
  status: number;
  /** Response headers; names in any case. */
  headers: Headers | Record<string, string | readonly string[] | number | undefined>;
  /** The response body as text ('' when there was none). */
  body: string;
  /** True when `body` is only the start of what was sent: it is then not validated. */
  partial?: boolean;
}

/** Response headers that carry part of the API contract: sent, they must be declared. */
export const CONTRACT_HEADERS: readonly string[] = [
  'etag',
  'location',
  'retry-after',
  'ratelimit-policy',
  'ratelimit',
  'x-request-id',
  'idempotent-replayed',
];

/** The `$id` the document is given inside Ajv. */
export const DOCUMENT_ID = 'https://openapi-conformance.invalid/openapi.json';

export interface OpenApiChecker {
  /** The violations of one exchange; empty when the document declares all of it. */
  check(exchange: Exchange): string[];
  /** The documented operation, e.g. `GET /api/carts/{id}`, or undefined. */
  operationOf(method: string, path: string): string | undefined;
  /** Whether the exchange is one the document is about: /api, or a documented path. */
  inScope(path: string): boolean;
  /** The violations of `value` against the schema at `at` (a path into the document). */
  validate(at: readonly string[], value: unknown): string[];
}

export interface CheckerOptions {
  /** Header names to check in addition to CONTRACT_HEADERS and those the document uses. */
  extraContractHeaders?: readonly string[];
}

// ---- Ajv (version 8, JSON Schema 2020-12) ------------------------------------------------

interface AjvError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  addSchema(schema: object, key: string): AjvInstance;
  compile(schema: object): ValidateFunction;
}
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance;

/**
 * Ajv 8 and ajv-formats as Fastify itself loads them (through @fastify/ajv-compiler): the
 * `ajv` at the top of node_modules is version 6, which has no 2020-12 dialect.
 */
function loadAjv(): { Ajv2020: AjvConstructor; addFormats: (ajv: AjvInstance) => void } {
  const here = createRequire(import.meta.url);
  const fromCompiler = createRequire(here.resolve('@fastify/ajv-compiler'));
  const ajvModule = fromCompiler('ajv/dist/2020') as { default: AjvConstructor };
  const formatsModule = fromCompiler('ajv-formats') as {
    default: (ajv: AjvInstance) => void;
  };
  return { Ajv2020: ajvModule.default, addFormats: formatsModule.default };
}

let loadedAjv: ReturnType<typeof loadAjv> | undefined;

// ---- The document ----------------------------------------------------------------------

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `/a~b/c` → `a~0b`, `c` escaped for a JSON Pointer, then for a URI fragment. */
const pointerOf = (segments: readonly string[]): string =>
  segments
    .map((s) => '/' + encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1')))
    .join('');

interface Located {
  value: Json;
  /** Where `value` is in the document, as path segments. */
  at: string[];
}

interface Route {
  /** `/api/carts/{id}` */
  template: string;
  pattern: RegExp;
  /** Literal segments: the more, the more specific (`/a/b` wins over `/a/{x}`). */
  literals: number;
  item: Json;
}

function compileRoute(template: string, item: Json): Route {
  const segments = template.split('/');
  const source = segments
    .map((segment) =>
      segment
        .split(/(\{[^}]*\})/)
        .map((part) =>
          /^\{[^}]*\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join(''),
    )
    .join('/');
  return {
    template,
    pattern: new RegExp(`^${source}$`),
    literals: segments.filter((s) => s !== '' && !s.includes('{')).length,
    item,
  };
}

/** The media type of a Content-Type value, lower case, without parameters. */
const mediaType = (value: string): string => (value.split(';', 1)[0] ?? '').trim().toLowerCase();

const isJsonMedia = (type: string): boolean =>
  type === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]+\+json$/.test(type);

function headerMap(headers: Exchange['headers']): Map<string, string> {
  const map = new Map<string, string>();
  const entries: Iterable<[string, string | readonly string[] | number | undefined]> =
    headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    const text =
      typeof value === 'string' || typeof value === 'number' ? String(value) : value.join(', ');
    map.set(name.toLowerCase(), text);
  }
  return map;
}

/** A header value as its schema's type wants it (headers are text on the wire). */
function headerInstance(value: string, schema: unknown): unknown {
  const type = isObject(schema) ? schema.type : undefined;
  const types = Array.isArray(type) ? type : [type];
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value))
    return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function describeErrors(errors: readonly AjvError[] | null | undefined): string {
  const shown = (errors ?? []).slice(0, 3).map((e) => {
    const extra =
      e.params && 'additionalProperty' in e.params
        ? ` (${String(e.params.additionalProperty)})`
        : e.params && 'allowedValues' in e.params
          ? ` (${JSON.stringify(e.params.allowedValues)})`
          : '';
    return `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message ?? 'is invalid'}${extra}`;
  });
  const more = (errors?.length ?? 0) - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** A checker for one OpenAPI 3.1 document (the parsed JSON of `/openapi.json`). */
/** Whether every percent-escape of a request target decodes. */
function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

export function createOpenApiChecker(
  document: unknown,
  options: CheckerOptions = {},
): OpenApiChecker {
  if (!isObject(document) || !isObject(document.paths))
    throw new Error('not an OpenAPI document: no `paths`');
  const doc: Json = structuredClone(document);
  const paths = doc.paths as Json;

  loadedAjv ??= loadAjv();
  const ajv = new loadedAjv.Ajv2020({
    // OpenAPI adds keywords (example, discriminator, xml, externalDocs) Ajv does not know.
    strict: false,
    allErrors: true,
    validateSchema: false,
    validateFormats: true,
  });
  loadedAjv.addFormats(ajv);
  ajv.addSchema(doc, DOCUMENT_ID);
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (at: readonly string[]): ValidateFunction => {
    const ref = `${DOCUMENT_ID}#${pointerOf(at)}`;
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    return validate;
  };

  /** Follows local Reference Objects (`#/components/responses/X`, `…/headers/X`). */
  const resolve = (value: unknown, at: string[]): Located | undefined => {
    let current: unknown = value;
    let where = at;
    for (let hops = 0; hops < 16; hops += 1) {
      if (!isObject(current)) return undefined;
      const ref = current.$ref;
      if (typeof ref !== 'string') return { value: current, at: where };
      if (!ref.startsWith('#/')) return undefined;
      where = ref
        .slice(2)
        .split('/')
        .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
      current = where.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc);
    }
    return undefined;
  };

  const routes = Object.entries(paths)
    .filter((entry): entry is [string, Json] => isObject(entry[1]))
    .map(([template, item]) => compileRoute(template, item))
    .sort((a, b) => b.literals - a.literals);

  // Every header name the document declares anywhere is part of the contract.
  const contractHeaders = new Set(
    [...CONTRACT_HEADERS, ...(options.extraContractHeaders ?? [])].map((h) => h.toLowerCase()),
  );
  for (const route of routes)
    for (const method of METHODS) {
      const operation = route.item[method];
      if (!isObject(operation) || !isObject(operation.responses)) continue;
      for (const response of Object.values(operation.responses)) {
        const headers = resolve(response, [])?.value.headers;
        if (isObject(headers)) for (const name of Object.keys(headers)) contractHeaders.add(name);
      }
    }
  for (const name of [...contractHeaders]) {
    contractHeaders.delete(name);
    contractHeaders.add(name.toLowerCase());
  }
  // OpenAPI: a response header named Content-Type is ignored.
  contractHeaders.delete('content-type');

  const findRoute = (rawPath: string): Route | undefined => {
    const path = rawPath.split(/[?#]/, 1)[0] ?? '';
    return routes.find((r) => r.pattern.test(path));
  };

  const operationOf = (method: string, path: string): string | undefined => {
    const route = findRoute(path);
    const key = method.toLowerCase();
    return route && isObject(route.item[key])
      ? `${method.toUpperCase()} ${route.template}`
      : undefined;
  };

  const checkHeaders = (
    violations: string[],
    response: Located,
    sent: Map<string, string>,
  ): void => {
    const declared = new Map<string, Located>();
    if (isObject(response.value.headers))
      for (const [name, header] of Object.entries(response.value.headers)) {
        const located = resolve(header, [...response.at, 'headers', name]);
        if (located) declared.set(name.toLowerCase(), located);
      }
    for (const [name, value] of sent) {
      const header = declared.get(name);
      if (!header) {
        if (contractHeaders.has(name)) violations.push(`header ${name} is sent but not declared`);
        continue;
      }
      if (header.value.schema === undefined) continue;
      const validate = validatorAt([...header.at, 'schema']);
      if (!validate(headerInstance(value, header.value.schema)))
        violations.push(
          `header ${name} ${JSON.stringify(value)} does not match its schema: ${describeErrors(validate.errors)}`,
        );
    }
    for (const [name, header] of declared)
      if (header.value.required === true && name !== 'content-type' && !sent.has(name))
        violations.push(`header ${name} is declared required but not sent`);
  };

  const checkBody = (
    violations: string[],
    response: Located,
    exchange: Exchange,
    sent: Map<string, string>,
    label: string,
  ): void => {
    const content = isObject(response.value.content) ? response.value.content : undefined;
    const declaredTypes = content ? Object.keys(content) : [];
    const contentType = sent.get('content-type');
    if (exchange.body === '') {
      const bodiless =
        exchange.method.toUpperCase() === 'HEAD' ||
        exchange.status === 204 ||
        exchange.status === 304;
      if (declaredTypes.length > 0 && !bodiless && !exchange.partial)
        violations.push(`body is empty but ${label} declares ${declaredTypes.join(', ')}`);
      return;
    }
    if (contentType === undefined) {
      violations.push('body is sent without a Content-Type');
      return;
    }
    const type = mediaType(contentType);
    if (!content || declaredTypes.length === 0) {
      violations.push(`body (${type}) is sent but ${label} declares no content`);
      return;
    }
    const key =
      declaredTypes.find((k) => mediaType(k) === type) ??
      declaredTypes.find((k) => mediaType(k) === `${type.split('/')[0] ?? ''}/*`) ??
      declaredTypes.find((k) => mediaType(k) === '*/*');
    if (key === undefined) {
      violations.push(
        `content-type ${type} is not declared for ${label} (declared: ${declaredTypes.join(', ')})`,
      );
      return;
    }
    const media = resolve(content[key], [...response.at, 'content', key]);
    if (!media || media.value.schema === undefined || !isJsonMedia(type) || exchange.partial)
      return;
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      violations.push(`body is not JSON although its content-type is ${type}`);
      return;
    }
    const validate = validatorAt([...media.at, 'schema']);
    if (!validate(body))
      violations.push(
        `body does not match the ${key} schema of ${label}: ${describeErrors(validate.errors)}`,
      );
  };

  const check = (exchange: Exchange): string[] => {
    const method = exchange.method.toUpperCase();
    const status = String(exchange.status);
    const route = findRoute(exchange.path);
    const operation = route?.item[method.toLowerCase()];
    if (!route || !isObject(operation)) {
      // No document can list the routes a server does not have: "there is no such route"
      // (404, or 405 for a known path) is the one answer allowed outside the document,
      // and 400 for a path that is not even a path (`/api/%ZZ`: no valid percent-encoding).
      if (exchange.status === 404 || (route && exchange.status === 405)) return [];
      if (exchange.status === 400 && !decodable(exchange.path)) return [];
      return route
        ? [`${route.template} documents no ${method} operation (answered ${status})`]
        : [`no documented path matches ${method} ${exchange.path} (answered ${status})`];
    }
    const operationAt = ['paths', route.template, method.toLowerCase()];
    const responses = isObject(operation.responses) ? operation.responses : {};
    const statusKey = [status, `${status[0] ?? ''}XX`, `${status[0] ?? ''}xx`, 'default'].find(
      (k) => k in responses,
    );
    const declared = Object.keys(responses).join(', ') || 'none';
    if (statusKey === undefined)
      return [`status ${status} is not declared (declared: ${declared})`];
    const response = resolve(responses[statusKey], [...operationAt, 'responses', statusKey]);
    if (!response) return [`response ${statusKey} cannot be resolved`];
    const violations: string[] = [];
    const sent = headerMap(exchange.headers);
    checkHeaders(violations, response, sent);
    checkBody(violations, response, exchange, sent, `response ${statusKey}`);
    return violations;
  };

  const inScope = (rawPath: string): boolean => {
    const path = rawPath.split(/[?#]/, 1)[0] ?? '';
    return path === '/api' || path.startsWith('/api/') || routes.some((r) => r.pattern.test(path));
  };

  const validate = (at: readonly string[], value: unknown): string[] => {
    const validator = validatorAt(at);
    return validator(value) ? [] : [describeErrors(validator.errors)];
  };

  return { check, operationOf, inScope, validate };
}

// ---- Recording what a server answers ------------------------------------------------------

export interface ExchangeRecorder {
  /** Exchanges answered so far (a response is recorded when it closes). */
  readonly exchanges: readonly Exchange[];
  /**
   * Stops recording and returns every exchange, including the ones still open (an event
   * stream): those with what was sent so far, marked `partial`.
   */
  stop(): Exchange[];
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

const bodiless = (method: string | undefined, status: number): boolean =>
  method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);

function headersOfWriteHead(args: readonly unknown[]): OutgoingHttpHeaders {
  const given = typeof args[0] === 'string' ? args[1] : args[0];
  const out: OutgoingHttpHeaders = {};
  if (Array.isArray(given)) {
    const flat: unknown[] = Array.isArray(given[0]) ? (given as unknown[][]).flat() : given;
    for (let i = 0; i + 1 < flat.length; i += 2)
      out[String(flat[i]).toLowerCase()] = String(flat[i + 1]);
  } else if (isObject(given)) {
    for (const [name, value] of Object.entries(given))
      out[name.toLowerCase()] = value as OutgoingHttpHeaders[string];
  }
  return out;
}

/**
 * Records every exchange `server` answers from now on, at the socket's edge: status,
 * headers and body exactly as written, whichever client sent the request.
 */
export function recordExchanges(server: Server): ExchangeRecorder {
  const done: Exchange[] = [];
  const open = new Map<ServerResponse, () => Exchange>();
  let stopped = false;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let partial = false;
    let written: OutgoingHttpHeaders = {};
    const keep = (chunk: unknown, encoding: unknown): void => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array);
      if (size + buffer.length > MAX_BODY_BYTES) partial = true;
      else {
        chunks.push(buffer);
        size += buffer.length;
      }
    };
    // The originals, called with `res` as `this` below.
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    res.writeHead = (...args: unknown[]) => {
      written = { ...written, ...headersOfWriteHead(args.slice(1)) };
      return writeHead(...args);
    };
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;

    const snapshot = (isPartial: boolean): Exchange => ({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: res.statusCode,
      headers: { ...res.getHeaders(), ...written },
      // node:http sends no body on HEAD, 1xx, 204 and 304, whatever was written.
      body: bodiless(req.method, res.statusCode) ? '' : Buffer.concat(chunks).toString('utf8'),
      ...(isPartial || partial ? { partial: true } : {}),
    });
    open.set(res, () => snapshot(true));
    res.once('close', () => {
      open.delete(res);
      // A response that never got its headers out (the client went away first) said nothing.
      if (res.headersSent && !stopped) done.push(snapshot(!res.writableFinished));
    });
  };

  server.prependListener('request', onRequest);
  return {
    exchanges: done,
    stop() {
      stopped = true;
      server.removeListener('request', onRequest);
      const stillOpen = [...open.entries()].filter(([res]) => res.headersSent).map(([, s]) => s());
      return [...done, ...stillOpen];
    },
  };
}

// ---- Gathering and reporting ------------------------------------------------------------

export interface Violation {
  /** `GET /api/carts/{id}`, or the method and path as requested when none matched. */
  operation: string;
  status: number;
  violation: string;
}

const checkers = new Map<string, OpenApiChecker>();

/** One checker (and its compiled validators) per distinct document text. */
function checkerFor(document: unknown): OpenApiChecker {
  const key = JSON.stringify(document);
  let checker = checkers.get(key);
  if (!checker) {
    checker = createOpenApiChecker(document);
    checkers.set(key, checker);
  }
  return checker;
}

/** The violations of a batch of exchanges against one document; out-of-scope ones skipped. */
export function checkExchanges(document: unknown, exchanges: readonly Exchange[]): Violation[] {
  const checker = checkerFor(document);
  const out: Violation[] = [];
  for (const exchange of exchanges) {
    if (!checker.inScope(exchange.path)) continue;
    const operation =
      checker.operationOf(exchange.method, exchange.path) ??
      `${exchange.method.toUpperCase()} ${exchange.path.split('?', 1)[0] ?? ''}`;
    for (const violation of checker.check(exchange))
      out.push({ operation, status: exchange.status, violation });
  }
  return out;
}

/** Makes lines that differ only in values (indices, header values) fall in one group. */
const groupKey = (v: Violation): string =>
  `${v.operation} ${v.status}: ${v.violation
    .replace(/\/\d+(?=\/|\s|$)/g, '/*')
    .replace(/^(header \S+) ".*?" does not match/, '$1 does not match')}`;

/** One line per (operation, status, violation), most frequent first: `  12× GET … 200: …`. */
export function groupViolations(violations: readonly Violation[]): string[] {
  const counts = new Map<string, number>();
  for (const v of violations) counts.set(groupKey(v), (counts.get(groupKey(v)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, count]) => `${String(count).padStart(5)}× ${key}`);
}

/**
 * Violations gathered over a suite (from every server it started), checked at its end:
 * throws with the grouped list, or only prints it when OPENAPI_CONFORMANCE=report.
 */
export class ConformanceReport {
  readonly violations: Violation[] = [];
  exchanges = 0;

  /** Checks the exchanges recorded on one server against the document that server serves. */
  add(document: unknown, exchanges: readonly Exchange[]): void {
    this.exchanges += exchanges.length;
    this.violations.push(...checkExchanges(document, exchanges));
  }

  /** A violation of the suite itself (e.g. the document could not be read). */
  fail(operation: string, violation: string): void {
    this.violations.push({ operation, status: 0, violation });
  }

  assert(mode = process.env.OPENAPI_CONFORMANCE): void {
    if (this.violations.length === 0) return;
    const lines = groupViolations(this.violations);
    const text =
      `${this.violations.length} answers (of ${this.exchanges} exchanges) the OpenAPI document ` +
      `does not declare, in ${lines.length} groups:\n${lines.join('\n')}`;
    // OPENAPI_CONFORMANCE=report: print only, while the document is being completed.
    if (mode === 'report') {
      console.warn(text);
      return;
    }
    throw new Error(text);
  }
}
