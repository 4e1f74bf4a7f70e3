import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_CATALOG,
  ERROR_CODES,
  ERROR_GUIDE,
  errorType,
  isRetryable,
  type ErrorCode,
} from '@cart/core';
import { buildTestApp, expectProblem, header, type TestApp } from '@cart/test-support/test-app.ts';
import {
  RETRY_NO,
  RETRY_YES,
  TROUBLESHOOTING_SECTIONS,
  errorAnchor,
  errorEndpoints,
  errorReference,
  renderErrorMarkdown,
} from '../http/error-reference.ts';
import { exampleProblem } from '../http/openapi.ts';
import { renderErrorPage } from './error-docs.ts';

type Json = Record<string, unknown>;

const escape = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

/** Catalog prose as the page shows it: escaped, code spans as <code>. */
const prose = (s: string) => escape(s).replace(/`([^`]+)`/g, '<code>$1</code>');

/** The section of a page for one code. */
function sectionOf(html: string, code: ErrorCode): string {
  const start = html.indexOf(`<section id="${errorAnchor(code)}">`);
  expect(start, code).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** The codes each operation's error responses declare, read straight off the document. */
function declared(document: Json): { method: string; path: string; codes: ErrorCode[] }[] {
  const out: { method: string; path: string; codes: ErrorCode[] }[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>))
    for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const codes: ErrorCode[] = [];
      for (const response of Object.values((operation.responses ?? {}) as Record<string, Json>))
        for (const [type, media] of Object.entries(
          (response.content ?? {}) as Record<string, Json>,
        ))
          if (type.startsWith('application/problem+json'))
            codes.push(...Object.keys((media.examples ?? {}) as Json).map((c) => c as ErrorCode));
      out.push({ method: method.toUpperCase(), path, codes });
    }
  return out;
}

describe('/docs/errors', () => {
  let t: TestApp;
  let document: Json;
  beforeAll(async () => {
    t = await buildTestApp();
    document = (await t.app.inject({ url: '/openapi.json' })).json<Json>();
  });
  afterAll(() => t.close());

  it('serves the reference as an HTML page under a CSP without inline scripts', async () => {
    const res = await t.app.inject({ url: '/docs/errors' });
    expect(res.statusCode).toBe(200);
    expect(header(res, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(res, 'x-content-type-options')).toBe('nosniff');
    const csp = header(res, 'content-security-policy');
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1];
    expect(scriptSrc).toBe("'self'");
    expect(res.body).not.toMatch(/<script/i);
    expect(res.body).toMatch(/^<!doctype html>/);
    // The page is the served document's: what renderErrorPage makes of /openapi.json.
    expect(res.body).toBe(renderErrorPage(document));
    expect((await t.app.inject({ url: '/docs/errors' })).body).toBe(res.body);
  });

  it('has one section, anchored where errorType() points, per error code', async () => {
    const html = (await t.app.inject({ url: '/docs/errors' })).body;
    const anchors = [...html.matchAll(/<section id="([^"]*)">/g)].map((m) => m[1]);
    expect(anchors).toEqual(ERROR_CODES.map((code) => errorType(code).split('#')[1]));
    for (const code of ERROR_CODES) {
      const { status, title, message } = ERROR_CATALOG[code];
      const { cause, fix } = ERROR_GUIDE[code];
      const section = sectionOf(html, code);
      expect(section).toContain(`<h2><code>${code}</code></h2>`);
      expect(section).toContain(`<strong>${status} ${escape(title)}.</strong>`);
      expect(section).toContain(`<blockquote>${escape(message)}</blockquote>`);
      expect(section).toContain(`<dt>Cause</dt><dd>${prose(cause)}</dd>`);
      expect(section).toContain(`<dt>Fix</dt><dd>${prose(fix)}</dd>`);
      expect(section).toContain(
        `<dt>Retry</dt><dd>${isRetryable(code) ? RETRY_YES : RETRY_NO}.</dd>`,
      );
      expect(html).toContain(
        `<tr><td><a href="#${errorAnchor(code)}"><code>${code}</code></a></td><td>${status}</td>`,
      );
    }
  });

  it("is where a real problem document's type link leads", async () => {
    const problem = expectProblem(await t.app.inject({ url: '/api/nowhere' }), 404, 'NOT_FOUND');
    const [path, anchor] = problem.type.split('#');
    const page = await t.app.inject({ url: path ?? '' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<section id="${anchor}">`);
  });

  it('lists, for each code, exactly the operations whose document declares it', () => {
    const endpoints = errorEndpoints(document);
    expect([...endpoints.keys()]).toEqual(ERROR_CODES);
    const operations = declared(document);
    expect(operations.length).toBeGreaterThan(10);
    for (const code of ERROR_CODES) {
      const expected = operations
        .filter((o) => o.codes.includes(code))
        .map((o) => `${o.method} ${o.path}`);
      expect(
        endpoints.get(code)?.map((e) => `${e.method} ${e.path}`),
        code,
      ).toEqual(expected);
    }
    // Spot checks against the routes' declarations (http/route-answers.ts).
    const of = (code: ErrorCode) => endpoints.get(code)?.map((e) => e.operationId) ?? [];
    expect(of('CART_LIMIT_EXCEEDED')).toEqual(['addLine', 'applyActions', 'mergeCart']);
    expect(of('CART_EMPTY')).toEqual(['checkout']);
    expect(of('PRICES_CHANGED')).toEqual(['checkout']);
    expect(of('UNAUTHORIZED')).toContain('createProduct');
    expect(of('UNAUTHORIZED')).not.toContain('addLine');
    expect(of('IDEMPOTENCY_KEY_REUSED')).not.toContain('getCart');
    expect(of('INTERNAL')).toContain('createCart');
    // Answered by the HTTP layer before any route: no operation declares it.
    expect(endpoints.get('HEADERS_TOO_LARGE')).toEqual([]);
  });

  it('names each operation on the page, and shows the example the document has', async () => {
    const html = (await t.app.inject({ url: '/docs/errors' })).body;
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const entry of errorReference(document)) {
      const section = sectionOf(html, entry.code);
      for (const e of entry.endpoints)
        expect(section).toContain(
          `<li><code>${escape(`${e.method} ${e.path}`)}</code>${e.operationId ? ` (<code>${e.operationId}</code>)` : ''}</li>`,
        );
      expect(section).toContain(escape(JSON.stringify(entry.example, null, 2)));
      const first = entry.endpoints.find((e) => e.operationId !== undefined) ?? entry.endpoints[0];
      if (first === undefined) {
        expect(section).toContain('No operation declares it');
        expect(entry.example).toEqual(exampleProblem(entry.code, ''));
        continue;
      }
      // The example is the one the document gives for this code on that operation.
      const operation = paths[first.path]?.[first.method.toLowerCase()] ?? {};
      const response = (operation.responses as Record<string, Json>)[String(entry.status)] ?? {};
      const media = Object.entries((response.content ?? {}) as Record<string, Json>).find(
        ([type]) => type.startsWith('application/problem+json'),
      )?.[1];
      const example = ((media?.examples ?? {}) as Record<string, { value: unknown }>)[entry.code];
      expect(example?.value, entry.code).toEqual(entry.example);
      expect(entry.example.type).toBe(errorType(entry.code));
    }
  });

  it('escapes catalog text, so that no entry can inject markup', () => {
    const entry = ERROR_CATALOG.INTERNAL as { title: string; message: string };
    const guide = ERROR_GUIDE.INTERNAL;
    const saved = { ...entry };
    const savedGuide = { ...guide };
    try {
      entry.title = `Tom & Jerry's <b>"bold"</b>`;
      entry.message = '<script>alert(1)</script>';
      guide.cause = 'A `<i>` and <img src=x onerror=alert(1)>.';
      const html = renderErrorPage(document);
      expect(html).toContain(
        '<strong>500 Tom &amp; Jerry&#39;s &lt;b&gt;&quot;bold&quot;&lt;/b&gt;.</strong>',
      );
      expect(html).toContain('<blockquote>&lt;script&gt;alert(1)&lt;/script&gt;</blockquote>');
      expect(html).toContain(
        '<dd>A <code>&lt;i&gt;</code> and &lt;img src=x onerror=alert(1)&gt;.</dd>',
      );
      expect(html).not.toContain('<b>');
      expect(html).not.toContain('<i>');
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<script>');
    } finally {
      Object.assign(entry, saved);
      Object.assign(guide, savedGuide);
    }
    expect(renderErrorPage(document)).toContain(
      `<strong>500 ${ERROR_CATALOG.INTERNAL.title}.</strong>`,
    );
  });

  it('lists codes in catalog order, every code once', () => {
    const html = renderErrorPage(document);
    const codes = [...html.matchAll(/<h2><code>([A-Z_]+)<\/code><\/h2>/g)].map(
      (m) => m[1] as ErrorCode,
    );
    expect(codes).toEqual(ERROR_CODES);
  });

  it('reads codes only from problem schemas, narrowed by allOf, widened by oneOf', () => {
    const doc: Json = {
      paths: {
        '/a': {
          parameters: [],
          get: {
            operationId: 'getA',
            responses: {
              '200': { content: { 'application/json': { schema: { type: 'object' } } } },
              '404': { $ref: '#/components/responses/NotFound' },
              '409': {
                content: {
                  'application/problem+json; charset=utf-8': {
                    schema: {
                      oneOf: [
                        { properties: { code: { enum: ['OUT_OF_STOCK'] } } },
                        { properties: { code: { enum: ['CART_CLOSED', 'TEAPOT'] } } },
                      ],
                    },
                  },
                },
              },
              // Unconstrained (the Problem component alone allows every code): nothing declared.
              '500': {
                content: {
                  'application/problem+json': { schema: { $ref: '#/components/schemas/Any' } },
                },
              },
            },
          },
        },
      },
      components: {
        responses: {
          NotFound: {
            content: {
              'application/problem+json': {
                schema: {
                  allOf: [
                    { $ref: '#/components/schemas/Problem' },
                    { properties: { code: { enum: ['CART_NOT_FOUND', 'OUT_OF_STOCK'] } } },
                  ],
                },
              },
            },
          },
        },
        schemas: {
          Problem: { properties: { code: { enum: [...ERROR_CODES] } } },
          Any: { type: 'object' },
        },
      },
    };
    const endpoints = errorEndpoints(doc);
    const a = [{ method: 'GET', path: '/a', operationId: 'getA' }];
    expect(endpoints.get('CART_NOT_FOUND')).toEqual(a);
    expect(endpoints.get('OUT_OF_STOCK')).toEqual(a);
    expect(endpoints.get('CART_CLOSED')).toEqual(a);
    expect(endpoints.get('INTERNAL')).toEqual([]);
    expect(endpoints.get('VALIDATION_FAILED')).toEqual([]);
    expect(errorEndpoints({}).get('INTERNAL')).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  let t: TestApp;
  let page: string;
  beforeAll(async () => {
    t = await buildTestApp();
    page = renderErrorMarkdown((await t.app.inject({ url: '/openapi.json' })).json<Json>());
  });
  afterAll(() => t.close());

  it('gives every code its status, title, retry verdict, message, cause, fix and anchor', () => {
    for (const code of ERROR_CODES) {
      const { status, title, message } = ERROR_CATALOG[code];
      const { cause, fix } = ERROR_GUIDE[code];
      const anchor = errorAnchor(code);
      expect(page).toContain(`<a id="${anchor}"></a>\n\n### \`${code}\``);
      expect(page).toMatch(
        new RegExp(
          `\\| \\[\`${code}\`\\]\\(#${anchor}\\) +\\| ${status} +\\| ${title} +\\| ${isRetryable(code) ? 'yes' : 'no'} +\\|`,
        ),
      );
      const section = page.slice(page.indexOf(`<a id="${anchor}">`)).split('\n<a id=')[0] ?? '';
      expect(section).toContain(`> ${message}`);
      expect(section).toContain(`**Cause**: ${cause}`);
      expect(section).toContain(`**Fix**: ${fix}`);
      expect(section).toContain(`**Retry**: ${isRetryable(code) ? RETRY_YES : RETRY_NO}.`);
      expect(section).toContain('**Answered by**:');
      expect(section).toContain('```json\n{\n');
    }
  });

  it('names troubleshooting sections that exist', () => {
    const guide = readFileSync(
      new URL('../../../../docs/troubleshooting.md', import.meta.url),
      'utf8',
    );
    const headings = new Set([...guide.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]));
    for (const [code, heading] of Object.entries(TROUBLESHOOTING_SECTIONS)) {
      expect(
        headings.has(heading),
        `${code}: no heading "${heading}" in docs/troubleshooting.md`,
      ).toBe(true);
      expect(page).toContain(`see docs/troubleshooting.md, section “${heading}”`);
    }
  });

  it('is what scripts/gen-error-docs.ts writes (run it after changing the catalog or the routes)', async () => {
    // Compared byte for byte with the committed page (docs/errors.md at the repository root).
    await expect(page).toMatchFileSnapshot('../../../../docs/errors.md');
  });
});
