import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HTTPMethods } from 'fastify';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

type Operation = {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

/** Every /api route of DESIGN.md §4 that this server implements, as Fastify knows it. */
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
  ['GET', '/api/csrf'],
  ['GET', '/api/admin/products'],
  ['POST', '/api/admin/products'],
  ['PUT', '/api/admin/products/:id'],
  ['DELETE', '/api/admin/products/:id'],
  ['GET', '/api/admin/discounts'],
  ['POST', '/api/admin/discounts'],
  ['DELETE', '/api/admin/discounts/:code'],
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
    for (const hidden of ['/openapi.json', '/metrics', '/docs/errors'])
      expect(doc.paths[hidden], hidden).toBeUndefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });
});
