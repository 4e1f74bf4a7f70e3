import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HTTPMethods } from 'fastify';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOG, type ErrorCode } from '@cart/core';
import {
  createOpenApiChecker,
  type OpenApiChecker,
} from '../../../test/support/openapi-conformance.ts';
import { buildTestApp, type TestApp } from '@cart/test-support/test-app.ts';

type Media = { example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; example?: unknown; $ref?: string }[];
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses?: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, Media> }
  >;
};
type OpenApi = {
  openapi: string;
  info: { license?: unknown; contact?: { url?: string } };
  servers?: unknown[];
  security?: unknown;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
};

/** Every /api route this server implements, as Fastify knows it. */
const API_ROUTES: [HTTPMethods, string][] = [
  ['GET', '/api/products'],
  ['GET', '/api/products/:id'],
  ['POST', '/api/carts'],
  ['GET', '/api/carts/:id'],
  ['PATCH', '/api/carts/:id'],
  ['POST', '/api/carts/:id/lines'],
  ['PATCH', '/api/carts/:id/lines/:lineId'],
  ['DELETE', '/api/carts/:id/lines/:lineId'],
  ['POST', '/api/carts/:id/discounts'],
  ['DELETE', '/api/carts/:id/discounts/:code'],
  ['POST', '/api/carts/:id/actions'],
  ['POST', '/api/carts/:id/merge'],
  ['POST', '/api/carts/:id/checkout'],
  ['GET', '/api/carts/:id/events'],
  ['GET', '/api/carts/:id/shipping-options'],
  ['PUT', '/api/carts/:id/shipping-option'],
  ['GET', '/api/regions'],
  ['GET', '/api/csrf'],
  ['GET', '/api/admin/products'],
  ['POST', '/api/admin/products'],
  ['PUT', '/api/admin/products/:id'],
  ['DELETE', '/api/admin/products/:id'],
  ['GET', '/api/admin/discounts'],
  ['POST', '/api/admin/discounts'],
  ['DELETE', '/api/admin/discounts/:code'],
  ['GET', '/api/admin/regions'],
  ['POST', '/api/admin/regions'],
  ['PUT', '/api/admin/regions/:id'],
  ['DELETE', '/api/admin/regions/:id'],
  ['GET', '/api/admin/shipping-options'],
  ['POST', '/api/admin/shipping-options'],
  ['PUT', '/api/admin/shipping-options/:id'],
  ['DELETE', '/api/admin/shipping-options/:id'],
  ['GET', '/api/admin/audit'],
  ['POST', '/api/admin/session'],
  ['GET', '/api/admin/session'],
  ['DELETE', '/api/admin/session'],
  ['GET', '/api/admin/errors'],
  ['GET', '/api/admin/errors/:fingerprint'],
  ['GET', '/api/admin/analytics'],
  ['POST', '/api/client-errors'],
  ['GET', '/api/admin/monitoring/series'],
  ['GET', '/api/admin/alerts'],
  ['GET', '/api/admin/audit/verify'],
];

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

describe('/openapi.json', () => {
  let t: TestApp;
  let doc: OpenApi;
  beforeAll(async () => {
    t = await buildTestApp();
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApi>();
  });
  afterAll(() => t.close());

  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'adminSession',
      'adminToken',
      'cartCookie',
      'cartToken',
    ]);
  });

  it.each(API_ROUTES)('documents %s %s, a route the server really has', (method, url) => {
    expect(t.app.hasRoute({ method, url })).toBe(true);
    const operation = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
    expect(operation, `${method} ${url}`).toBeDefined();
    expect(Object.keys(operation?.responses ?? {})).not.toHaveLength(0);
    const params = [...url.matchAll(/:(\w+)/g)].map((m) => m[1]);
    const documented = (operation?.parameters ?? []).filter((p) => p.in === 'path');
    expect(documented.map((p) => p.name).sort()).toEqual(params.sort());
  });

  it('documents nothing under /api but those routes', () => {
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(
      API_ROUTES.map(([method, url]) => `${method} ${openApiPath(url)}`).sort(),
    );
  });

  it('asks for the admin credential on admin routes and a cart credential on a cart', () => {
    for (const [method, url] of API_ROUTES) {
      const operation = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
      // Signing in and out needs no credential; everything else takes the token or the session.
      if (url === '/api/admin/session' && method !== 'GET')
        expect(operation?.security, `${method} ${url}`).toBeUndefined();
      else if (url.startsWith('/api/admin/'))
        expect(operation?.security, url).toEqual([{ adminToken: [] }, { adminSession: [] }]);
      else if (url.startsWith('/api/carts/:id'))
        expect(operation?.security, url).toEqual([{ cartToken: [] }, { cartCookie: [] }]);
    }
  });

  it('hides the operational and documentation endpoints', () => {
    // Health checks are for the load balancer, not API clients (docs/operations.md): they
    // spend no rate-limit budget, so they could not declare the headers every API answer has.
    for (const hidden of ['/openapi.json', '/metrics', '/docs/errors', '/healthz', '/readyz'])
      expect(doc.paths[hidden], hidden).toBeUndefined();
  });
});

describe('/openapi.json is complete', () => {
  let t: TestApp;
  let doc: OpenApi;
  let checker: OpenApiChecker;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
  beforeAll(async () => {
    t = await buildTestApp();
    doc = (await t.app.inject({ url: '/openapi.json' })).json<OpenApi>();
    checker = createOpenApiChecker(doc);
  });
  afterAll(() => t.close());

  it('is what docs/openapi.json holds (run `npm run openapi` after changing the API)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../../../docs/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(doc);
  });

  it('names every operation once, with a summary, a description and its security', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.security).toEqual([{}]);
    for (const { path, method, op } of operations()) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.description, `${method} ${path}`).toBeTruthy();
    }
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(doc.info.contact).toBeDefined();
  });

  it('gives every operation an example request and answer that fit its schemas', () => {
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      const at = ['paths', path, method];
      if (op.requestBody !== undefined) {
        const json = op.requestBody.content['application/json'];
        expect(json?.example, `${where} request`).toBeDefined();
        expect(
          checker.validate(
            [...at, 'requestBody', 'content', 'application/json', 'schema'],
            json?.example,
          ),
          where,
        ).toEqual([]);
      }
      for (const p of op.parameters ?? [])
        if (p.in === 'path') expect(p.example, `${where} {${p.name}}`).toBeTruthy();
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (type === 'text/event-stream') continue;
          const example = media.example ?? Object.values(media.examples ?? {})[0]?.value;
          expect(example, `${where} ${status} ${type}`).toBeDefined();
          const schema = [...at, 'responses', status, 'content', type, 'schema'];
          expect(checker.validate(schema, example), `${where} ${status}`).toEqual([]);
          for (const [code, named] of Object.entries(media.examples ?? {}))
            expect(checker.validate(schema, named.value), `${where} ${status} ${code}`).toEqual([]);
        }
      }
    }
  });

  it('declares the headers each route takes and answers, from its policy', () => {
    const params = (path: string, method: string) =>
      (doc.paths[path]?.[method]?.parameters ?? []).map((p) =>
        p.$ref !== undefined ? p.$ref.split('/').pop() : p.name,
      );
    expect(params('/api/carts/{id}/lines', 'post')).toEqual(
      expect.arrayContaining(['IdempotencyKey', 'IfMatch', 'CsrfToken', 'RequestId']),
    );
    expect(params('/api/carts/{id}', 'get')).toEqual(
      expect.arrayContaining(['IfNoneMatch', 'RequestId']),
    );
    expect(params('/api/carts/{id}', 'get')).not.toContain('IdempotencyKey');
    expect(params('/api/carts/{id}/events', 'get')).toContain('LastEventId');
    // Creating a cart and checking out take `{}` or no body at all.
    for (const [path, required] of [
      ['/api/carts', false],
      ['/api/carts/{id}/checkout', false],
      ['/api/carts/{id}/lines', true],
    ] as const)
      expect(doc.paths[path]?.post?.requestBody?.required, path).toBe(required);
    const created = doc.paths['/api/carts']?.post?.responses?.['201'];
    expect(Object.keys(created?.headers ?? {})).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'X-Request-Id', 'RateLimit', 'RateLimit-Policy']),
    );
    for (const { path, method, op } of operations()) {
      const statuses = Object.keys(op.responses ?? {});
      expect(statuses, `${method} ${path}`).toEqual(
        expect.arrayContaining(['400', '429', '500', '503']),
      );
      expect(Object.keys(op.responses?.['429']?.headers ?? {}), `${method} ${path}`).toContain(
        'Retry-After',
      );
      if (op.requestBody !== undefined)
        expect(statuses, `${method} ${path}`).toEqual(
          expect.arrayContaining(['408', '413', '415']),
        );
      if (path.startsWith('/api/admin/') && !path.startsWith('/api/admin/session'))
        expect(statuses, `${method} ${path}`).toContain('401');
    }
  });

  it('lists under each error status exactly the codes of that status', () => {
    for (const { path, method, op } of operations())
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (Number(status) < 400) continue;
        const media = response.content?.['application/problem+json'];
        const codes = Object.keys(media?.examples ?? {});
        expect(codes.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        for (const code of codes)
          expect(ERROR_CATALOG[code as ErrorCode].status, `${method} ${path} ${code}`).toBe(
            Number(status),
          );
      }
  });

  it('declares the limits the schemas enforce', () => {
    const cart = doc.components.schemas?.Cart as {
      properties: Record<string, { maxItems?: number; maxLength?: number }>;
    };
    expect(cart.properties.lines?.maxItems).toBe(t.config.MAX_LINES_PER_CART);
    expect(cart.properties.discounts?.maxItems).toBe(t.config.MAX_DISCOUNTS_PER_CART);
    expect(cart.properties.note?.maxLength).toBe(1000);
    expect(cart.properties.id?.maxLength).toBe(64);
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/"type":"integer"(?![^}]*"format")/);
  });
});
