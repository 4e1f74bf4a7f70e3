import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConformanceReport,
  createOpenApiChecker,
  groupViolations,
  recordExchanges,
  type Exchange,
} from './openapi-conformance.ts';

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
  },
};

/** A small document in the shape @fastify/swagger serves, with references to resolve. */
const document = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/healthz': {
      get: { responses: { '200': { description: 'ok' } } },
    },
    '/api/carts/{id}': {
      parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'getCart',
        responses: {
          '200': {
            description: 'the cart',
            headers: {
              ETag: { required: true, schema: { type: 'string', pattern: '^"\\d+"$' } },
              'X-Request-Id': { $ref: '#/components/headers/RequestId' },
            },
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Cart' } },
            },
          },
          '304': {
            description: 'not modified',
            headers: { ETag: { schema: { type: 'string' } } },
          },
          '4XX': { $ref: '#/components/responses/Problem' },
        },
      },
    },
    '/api/carts/{id}/events': {
      get: {
        responses: {
          '200': { description: 'stream', content: { 'text/event-stream': {} } },
          default: { $ref: '#/components/responses/Problem' },
        },
      },
    },
    '/api/carts/merged': {
      get: { responses: { '200': { description: 'a literal path wins over a template' } } },
    },
  },
  components: {
    schemas: {
      Money: {
        type: 'object',
        required: ['amount'],
        properties: { amount: { type: 'integer' } },
        additionalProperties: false,
      },
      Cart: {
        type: 'object',
        required: ['id', 'version', 'total'],
        properties: {
          id: { type: 'string' },
          version: { type: 'integer', minimum: 1 },
          total: { $ref: '#/components/schemas/Money' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      Problem: problem,
    },
    headers: {
      RequestId: { schema: { type: 'string', minLength: 1 } },
      RetryAfter: { schema: { type: 'integer', minimum: 0 } },
    },
    responses: {
      Problem: {
        description: 'a problem',
        headers: {
          'Retry-After': { $ref: '#/components/headers/RetryAfter' },
          'X-Request-Id': { $ref: '#/components/headers/RequestId' },
        },
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      },
    },
  },
};

const cart = { id: 'c1', version: 3, total: { amount: 100 }, updatedAt: '2026-01-01T00:00:00Z' };
const ok: Exchange = {
  method: 'GET',
  path: '/api/carts/c1?fields=all',
  status: 200,
  headers: { etag: '"3"', 'x-request-id': 'r1', 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(cart),
};
const notFound: Exchange = {
  method: 'GET',
  path: '/api/carts/c1',
  status: 404,
  headers: new Headers({ 'content-type': 'application/problem+json', 'x-request-id': 'r2' }),
  body: JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404, code: 'NOT_FOUND' }),
};

describe('createOpenApiChecker', () => {
  const checker = createOpenApiChecker(document);

  it('accepts an exchange the document declares (references, formats, header values)', () => {
    expect(checker.check(ok)).toEqual([]);
    expect(checker.check(notFound)).toEqual([]);
    expect(
      checker.check({
        ...notFound,
        status: 429,
        headers: {
          'x-request-id': 'r3',
          'retry-after': '5',
          'content-type': 'application/problem+json',
        },
      }),
    ).toEqual([]);
    expect(checker.check({ ...ok, status: 304, headers: { etag: '"3"' }, body: '' })).toEqual([]);
  });

  it('matches templated paths, literal paths first, and reports unknown ones', () => {
    expect(checker.operationOf('get', '/api/carts/c1')).toBe('GET /api/carts/{id}');
    expect(checker.operationOf('GET', '/api/carts/merged')).toBe('GET /api/carts/merged');
    expect(checker.operationOf('GET', '/api/carts/c1/events?x=1')).toBe(
      'GET /api/carts/{id}/events',
    );
    expect(checker.operationOf('PUT', '/api/carts/c1')).toBeUndefined();
    expect(checker.check({ ...ok, path: '/api/nothing' })).toEqual([
      'no documented path matches GET /api/nothing (answered 200)',
    ]);
    expect(checker.check({ ...ok, method: 'PUT' })).toEqual([
      '/api/carts/{id} documents no PUT operation (answered 200)',
    ]);
    // "No such route" is the one answer a document cannot list.
    expect(checker.check({ ...notFound, path: '/api/nothing' })).toEqual([]);
    expect(checker.check({ ...notFound, method: 'PUT' })).toEqual([]);
    expect(checker.check({ ...notFound, method: 'PUT', status: 405 })).toEqual([]);
    expect(checker.check({ ...notFound, path: '/api/nothing', status: 405 })).toEqual([
      'no documented path matches GET /api/nothing (answered 405)',
    ]);
  });

  it('reports a status that is neither declared, nor in a range, nor default', () => {
    expect(checker.check({ ...ok, status: 503, body: '' })).toEqual([
      'status 503 is not declared (declared: 200, 304, 4XX)',
    ]);
    // default covers it on the events route.
    expect(checker.check({ ...notFound, path: '/api/carts/c1/events', status: 503 })).toEqual([]);
  });

  it('reports contract headers sent but not declared, and required ones missing', () => {
    const headers = { ...ok.headers, location: '/x', ratelimit: 'limit=1', 'x-other': 'free' };
    expect(checker.check({ ...ok, headers })).toEqual([
      'header location is sent but not declared',
      'header ratelimit is sent but not declared',
    ]);
    const { etag: _etag, ...withoutEtag } = ok.headers as Record<string, string>;
    expect(checker.check({ ...ok, headers: withoutEtag })).toEqual([
      'header etag is declared required but not sent',
    ]);
    expect(checker.check({ ...ok, headers: { ...ok.headers, etag: 'W/"3"' } })).toEqual([
      'header etag "W/\\"3\\"" does not match its schema: (root) must match pattern "^"\\d+"$"',
    ]);
    expect(
      checker.check({
        ...notFound,
        status: 429,
        headers: {
          'retry-after': 'soon',
          'content-type': 'application/problem+json',
        },
      }),
    ).toEqual(['header retry-after "soon" does not match its schema: (root) must be integer']);
  });

  it('checks the content-type and validates JSON bodies against their schema', () => {
    expect(checker.check({ ...notFound, headers: { 'content-type': 'application/json' } })).toEqual(
      [
        'content-type application/json is not declared for response 4XX (declared: application/problem+json)',
      ],
    );
    expect(
      checker.check({ ...ok, body: JSON.stringify({ ...cart, total: { amount: 1.5, cents: 1 } }) }),
    ).toEqual([
      'body does not match the application/json schema of response 200: /total must NOT have additional properties (cents); /total/amount must be integer',
    ]);
    expect(
      checker.check({ ...ok, body: JSON.stringify({ ...cart, updatedAt: 'yesterday' }) }),
    ).toEqual([
      'body does not match the application/json schema of response 200: /updatedAt must match format "date-time"',
    ]);
    expect(checker.check({ ...ok, body: '{' })).toEqual([
      'body is not JSON although its content-type is application/json',
    ]);
    expect(checker.check({ ...ok, body: '' })).toEqual([
      'body is empty but response 200 declares application/json',
    ]);
    expect(
      checker.check({
        ...ok,
        status: 304,
        headers: { etag: '"3"', 'content-type': 'text/plain' },
        body: 'x',
      }),
    ).toEqual(['body (text/plain) is sent but response 304 declares no content']);
  });

  it('only checks the declaration of an event stream', () => {
    const stream = {
      ...ok,
      path: '/api/carts/c1/events',
      headers: { 'content-type': 'text/event-stream' },
      body: 'data: {"no":"schema"}\n\n',
      partial: true,
    };
    expect(checker.check(stream)).toEqual([]);
    expect(checker.check({ ...stream, headers: { 'content-type': 'application/json' } })).toEqual([
      'content-type application/json is not declared for response 200 (declared: text/event-stream)',
    ]);
  });

  it('takes /api and documented paths as in scope, pages not', () => {
    expect(checker.inScope('/api/anything')).toBe(true);
    expect(checker.inScope('/healthz')).toBe(true);
    expect(checker.inScope('/readyz')).toBe(false);
    expect(checker.inScope('/cart')).toBe(false);
  });

  it('refuses something that is not an OpenAPI document', () => {
    expect(() => createOpenApiChecker({ openapi: '3.1.0' })).toThrow(/paths/);
  });
});

describe('ConformanceReport', () => {
  const exchanges: Exchange[] = [
    ok,
    { ...ok, status: 503, body: '' },
    { ...ok, path: '/api/carts/c2', status: 503, body: '' },
    { ...ok, headers: { ...ok.headers, etag: '"x1"' } },
    { ...ok, headers: { ...ok.headers, etag: '"x2"' } },
    { ...ok, path: '/cart', status: 500 },
  ];

  it('groups violations by operation, status and violation, with counts', () => {
    const report = new ConformanceReport();
    report.add(document, exchanges);
    expect(report.exchanges).toBe(6);
    expect(groupViolations(report.violations)).toEqual([
      '    2× GET /api/carts/{id} 200: header etag does not match its schema: (root) must match pattern "^"\\d+"$"',
      '    2× GET /api/carts/{id} 503: status 503 is not declared (declared: 200, 304, 4XX)',
    ]);
  });

  it('throws with the list by default, and only prints it with OPENAPI_CONFORMANCE=report', () => {
    const report = new ConformanceReport();
    report.add(document, [ok]);
    expect(() => report.assert(undefined)).not.toThrow();
    report.add(document, exchanges);
    expect(() => report.assert(undefined)).toThrow(
      /4 answers \(of 7 exchanges\) the OpenAPI document does not declare, in 2 groups:\n {4}2× GET/,
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => report.assert('report')).not.toThrow();
      expect(warn).toHaveBeenCalledOnce();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('recordExchanges', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('records status, headers and body as the server wrote them, open streams as partial', async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/stream') {
        res.setHeader('content-type', 'text/event-stream');
        res.flushHeaders();
        res.write('data: 1\n\n');
        return;
      }
      if (req.url === '/set?x=1') {
        res.setHeader('etag', '"1"');
        res.statusCode = 201;
        res.write('{"a":');
        res.end(Buffer.from('1}'));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/problem+json', 'X-Request-Id': 'r' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const base = `http://127.0.0.1:${address.port}`;
    const recorder = recordExchanges(server);

    expect((await fetch(`${base}/set?x=1`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${base}/missing`)).status).toBe(404);
    const controller = new AbortController();
    const stream = await fetch(`${base}/stream`, { signal: controller.signal });
    const reader = stream.body?.getReader();
    await reader?.read();

    const recorded = recorder.stop();
    controller.abort();
    expect(recorded).toEqual([
      {
        method: 'POST',
        path: '/set?x=1',
        status: 201,
        headers: { etag: '"1"' },
        body: '{"a":1}',
      },
      {
        method: 'GET',
        path: '/missing',
        status: 404,
        headers: { 'content-type': 'application/problem+json', 'x-request-id': 'r' },
        body: '{}',
      },
      {
        method: 'GET',
        path: '/stream',
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: 'data: 1\n\n',
        partial: true,
      },
    ]);
    // Stopped: nothing more is recorded.
    await fetch(`${base}/missing`);
    expect(recorder.exchanges).toHaveLength(2);
  });
});
