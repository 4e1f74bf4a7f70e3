import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG, ERROR_CODES, errorType, type ErrorCode } from '@cart/core';
import { buildTestApp, expectProblem, header, type TestApp } from '../../test/support/test-app.ts';
import { renderErrorPage } from './error-docs.ts';

const escape = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

describe('/docs/errors', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp()));
  afterAll(() => t.close());

  it('serves the catalog as an HTML page under a CSP without inline scripts', async () => {
    const res = await t.app.inject({ url: '/docs/errors' });
    expect(res.statusCode).toBe(200);
    expect(header(res, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(res, 'x-content-type-options')).toBe('nosniff');
    const csp = header(res, 'content-security-policy');
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1];
    expect(scriptSrc).toBe("'self'");
    expect(res.body).not.toMatch(/<script/i);
    expect(res.body).toMatch(/^<!doctype html>/);
  });

  it('has one row, anchored where errorType() points, per error code', async () => {
    const html = (await t.app.inject({ url: '/docs/errors' })).body;
    const anchors = [...html.matchAll(/<tr id="([^"]*)">/g)].map((m) => m[1]);
    expect(anchors).toEqual(ERROR_CODES.map((code) => errorType(code).split('#')[1]));
    for (const code of ERROR_CODES) {
      const { status, title, message } = ERROR_CATALOG[code];
      const row = new RegExp(
        `<tr id="[^"]+"><td><code>${code}</code></td><td>${status}</td><td>([^<]*)</td><td>([^<]*)</td></tr>`,
      ).exec(html);
      expect(row?.slice(1), code).toEqual([escape(title), escape(message)]);
    }
  });

  it("is where a real problem document's type link leads", async () => {
    const problem = expectProblem(await t.app.inject({ url: '/api/nowhere' }), 404, 'NOT_FOUND');
    const [path, anchor] = problem.type.split('#');
    const page = await t.app.inject({ url: path ?? '' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<tr id="${anchor}">`);
  });

  it('escapes catalog text, so that a title or message can never inject markup', () => {
    const entry = ERROR_CATALOG.INTERNAL as { title: string; message: string };
    const saved = { ...entry };
    try {
      entry.title = `Tom & Jerry's <b>"bold"</b>`;
      entry.message = '<script>alert(1)</script>';
      const html = renderErrorPage();
      expect(html).toContain(
        '<td>Tom &amp; Jerry&#39;s &lt;b&gt;&quot;bold&quot;&lt;/b&gt;</td><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>',
      );
      expect(html).not.toContain('<b>');
      expect(html).not.toContain('<script>');
    } finally {
      Object.assign(entry, saved);
    }
    expect(renderErrorPage()).toContain(`<td>${ERROR_CATALOG.INTERNAL.title}</td>`);
  });

  it('lists codes in catalog order, every code once', () => {
    const html = renderErrorPage();
    const codes = [...html.matchAll(/<td><code>([A-Z_]+)<\/code><\/td>/g)].map(
      (m) => m[1] as ErrorCode,
    );
    expect(codes).toEqual(ERROR_CODES);
  });
});
