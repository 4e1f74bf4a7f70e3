import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_HEADERS, PAGE_HEADERS, registerSecurityHeaders } from './security-headers.ts';

const app = Fastify();

beforeAll(async () => {
  registerSecurityHeaders(app);
  app.get('/json', () => ({ ok: true }));
  app.get('/page', (_request, reply) => reply.type('text/html; charset=utf-8').send('<p>hi</p>'));
  app.get('/sw.js', (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send('self.addEventListener("fetch", () => {});'),
  );
  app.get('/problem', (_request, reply) =>
    reply.code(404).type('application/problem+json').send('{"status":404}'),
  );
  app.get('/own', (_request, reply) =>
    reply
      .type('text/html')
      .header('content-security-policy', "default-src 'self'; script-src 'self'")
      .send('<p>docs</p>'),
  );
  await app.ready();
});
afterAll(() => app.close());

describe('security headers', () => {
  it('gives a JSON answer the small API set: nothing may run, nothing may frame it', async () => {
    const res = await app.inject('/json');
    for (const [name, value] of Object.entries(API_HEADERS)) expect(res.headers[name]).toBe(value);
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it("gives a page helmet's full set, with a CSP that allows no inline script", async () => {
    const res = await app.inject('/page');
    for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(res.headers[name]).toBe(value);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('gives scripts the page set, not the API one: a service worker runs under its own CSP', async () => {
    const res = await app.inject('/sw.js');
    expect(res.headers['content-security-policy']).toBe(PAGE_HEADERS['content-security-policy']);
    expect(String(res.headers['content-security-policy'])).toContain("connect-src 'self'");
  });

  it('gives problem documents the API set', async () => {
    const res = await app.inject('/problem');
    expect(res.headers['content-security-policy']).toBe(API_HEADERS['content-security-policy']);
  });

  it('keeps a CSP the route set itself', async () => {
    const res = await app.inject('/own');
    expect(res.headers['content-security-policy']).toBe("default-src 'self'; script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('computed the headers once: the same frozen objects serve every answer', () => {
    expect(Object.isFrozen(PAGE_HEADERS)).toBe(true);
    expect(Object.isFrozen(API_HEADERS)).toBe(true);
  });
});
