import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errors from '../plugins/app/errors.ts';
import { registerSecurityHeaders } from '../plugins/app/security-headers.ts';
import { expectProblem, header } from '@cart/test-support/test-app.ts';
import webRoutes, { STOREFRONT_PATHS } from './web.ts';

const PAGE =
  '<!doctype html><title>Storefront</title><script type="module" src="/assets/storefront-AbC123.js"></script>';
const WORKER = 'self.addEventListener("fetch", () => {});';
const SCRIPT = `console.log(${JSON.stringify('storefront '.repeat(200))});`;

/** The web routes over a build of our own making, with the real error handler and security headers. */
async function serve(distDir: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  registerSecurityHeaders(app);
  await app.register(errors);
  await app.register(webRoutes, { distDir });
  await app.ready();
  return app;
}

describe('storefront routes', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-storefront-'));
    mkdirSync(join(dir, 'dashboard'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), PAGE);
    writeFileSync(join(dir, 'dashboard', 'index.html'), '<!doctype html><title>Dashboard</title>');
    writeFileSync(join(dir, 'sw.js'), WORKER);
    writeFileSync(join(dir, 'assets', 'storefront-AbC123.js'), SCRIPT);
    writeFileSync(join(dir, 'assets', 'storefront-AbC123.js.br'), brotliCompressSync(SCRIPT));
    app = await serve(dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every storefront path with the page, never cached without revalidation', async () => {
    expect(STOREFRONT_PATHS).toContain('/');
    for (const url of ['/', '/products/ceramic-mug', '/cart', '/checkout', '/orders/o-123']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(PAGE);
      expect(header(res, 'content-type')).toMatch(/^text\/html/);
      expect(header(res, 'cache-control')).toBe('no-cache');
      const csp = header(res, 'content-security-policy');
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
  });

  it('names what each page fetches first, to be preloaded beside its script', async () => {
    const preloads = async (url: string) =>
      [
        ...header(await app.inject({ url }), 'link').matchAll(
          /<([^>]+)>; rel=preload; as=fetch; crossorigin/g,
        ),
      ].map((m) => m[1]);
    expect(await preloads('/')).toEqual(['/api/regions', '/api/products?limit=12']);
    expect(await preloads('/products/ceramic-mug')).toEqual([
      '/api/regions',
      '/api/products/ceramic-mug',
    ]);
    // A product id is a path segment again, never a way out of the header or the URL.
    expect(await preloads('/products/a%3E%2C%20%3C%2Fx%3E%3B%0D%0Ab')).toEqual([
      '/api/regions',
      '/api/products/a%3E%2C%20%3C%2Fx%3E%3B%0D%0Ab',
    ]);
    for (const url of ['/cart', '/checkout', '/orders/o-123'])
      expect(await preloads(url), url).toEqual(['/api/regions']);
  });

  it('leaves other paths to their owners: unknown ones are 404 problems', async () => {
    for (const url of [
      '/products',
      '/products/a/b',
      '/cart/x',
      '/api/nope',
      '/orders',
      '/index.html',
    ]) {
      expectProblem(await app.inject({ url }), 404, 'NOT_FOUND');
    }
    const dashboard = await app.inject({ url: '/dashboard' });
    expect(dashboard.body).toContain('<title>Dashboard</title>');
  });

  it('serves the service worker at the root, revalidated on every visit', async () => {
    const res = await app.inject({ url: '/sw.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(WORKER);
    expect(header(res, 'content-type')).toMatch(/javascript/);
    expect(header(res, 'cache-control')).toBe('no-cache');
  });

  it('sends the pre-compressed copy of an asset to a browser that accepts it', async () => {
    const br = await app.inject({
      url: '/assets/storefront-AbC123.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(br.statusCode).toBe(200);
    expect(header(br, 'content-encoding')).toBe('br');
    expect(header(br, 'content-type')).toMatch(/javascript/);
    expect(header(br, 'vary')).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    expect(br.rawPayload.length).toBeLessThan(SCRIPT.length);

    const plain = await app.inject({ url: '/assets/storefront-AbC123.js' });
    expect(header(plain, 'content-encoding')).toBe('');
    expect(plain.body).toBe(SCRIPT);
  });
});
