import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errors from '../plugins/app/errors.ts';
import { registerSecurityHeaders } from '../plugins/app/security-headers.ts';
import { expectProblem, header } from '@cart/test-support/test-app.ts';
import webRoutes, { WEB_DIST } from './web.ts';

const PAGE =
  '<!doctype html><title>Dashboard</title><script type="module" src="/assets/dashboard-AbC123.js"></script>';
const SCRIPT = 'console.log("dashboard")';

/** The web routes over a build of our own making (or none), with the real error handler and security headers. */
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

describe('web app routes', () => {
  let dir: string;
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-web-'));
    mkdirSync(join(dir, 'dashboard'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'dashboard', 'index.html'), PAGE);
    writeFileSync(join(dir, 'assets', 'dashboard-AbC123.js'), SCRIPT);
    app = await serve(dir);
    unbuilt = await serve(join(dir, 'no-build-here'));
  });
  afterAll(async () => {
    await app.close();
    await unbuilt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the dashboard page at /dashboard and every path under it', async () => {
    for (const url of [
      '/dashboard',
      '/dashboard/',
      '/dashboard/errors',
      '/dashboard/errors/abc123',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(PAGE);
      expect(header(res, 'content-type')).toMatch(/^text\/html/);
      expect(header(res, 'cache-control')).toBe('no-cache');
      // Pages carry the CSP, which allows our own scripts and no inline ones.
      const csp = header(res, 'content-security-policy');
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
  });

  it('answers a repeat with 304 when the page has not changed', async () => {
    const first = await app.inject({ url: '/dashboard' });
    const etag = header(first, 'etag');
    expect(etag).not.toBe('');
    const again = await app.inject({ url: '/dashboard', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
  });

  it('serves hashed assets as immutable for a year', async () => {
    const res = await app.inject({ url: '/assets/dashboard-AbC123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(SCRIPT);
    expect(header(res, 'content-type')).toMatch(/javascript/);
    expect(header(res, 'cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing asset or a path outside the build with a 404 problem', async () => {
    expectProblem(await app.inject({ url: '/assets/missing-123.js' }), 404, 'NOT_FOUND');
    const escape = await app.inject({ url: '/assets/..%2fdashboard%2findex.html' });
    expect(escape.statusCode).toBeGreaterThanOrEqual(400);
    expect(escape.body).not.toContain('<title>Dashboard</title>');
  });

  it('answers 503 saying how to build, when there is no build', async () => {
    for (const url of ['/dashboard', '/dashboard/audit']) {
      const problem = expectProblem(await unbuilt.inject({ url }), 503, 'UNAVAILABLE');
      expect(problem.detail).toContain('npm run build');
    }
  });

  it('looks for the build in apps/web/dist', () => {
    expect(WEB_DIST.replaceAll('\\', '/')).toMatch(/\/apps\/web\/dist\/?$/);
  });
});
