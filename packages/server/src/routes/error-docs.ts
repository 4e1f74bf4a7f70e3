import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  endpointLabel,
  errorReference,
  type ErrorReferenceEntry,
} from '../http/error-reference.ts';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Catalog prose as HTML: escaped, with its `code spans` as <code>. */
const prose = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function section(e: ErrorReferenceEntry): string {
  const answeredBy =
    e.endpoints.length === 0
      ? '<p>No operation declares it: see the cause.</p>'
      : `<ul>${e.endpoints
          .map(
            (endpoint) =>
              `<li><code>${escapeHtml(endpointLabel(endpoint))}</code>${
                endpoint.operationId === undefined
                  ? ''
                  : ` (<code>${escapeHtml(endpoint.operationId)}</code>)`
              }</li>`,
          )
          .join('')}</ul>`;
  return `<section id="${e.anchor}">
<h2><code>${e.code}</code></h2>
<p><strong>${e.status} ${escapeHtml(e.title)}.</strong></p>
<blockquote>${escapeHtml(e.message)}</blockquote>
<dl>
<dt>Cause</dt><dd>${prose(e.cause)}</dd>
<dt>Fix</dt><dd>${prose(e.fix)}</dd>
<dt>Retry</dt><dd>${escapeHtml(e.retry)}.</dd>
<dt>Answered by</dt><dd>${answeredBy}</dd>
<dt>Example</dt><dd><pre><code>${escapeHtml(JSON.stringify(e.example, null, 2))}</code></pre></dd>
</dl>
</section>`;
}

/**
 * The error reference as a page: where every problem document's `type` points (each
 * code's section is anchored at the fragment of its `errorType`). `document` is the
 * OpenAPI document the server serves, which says what operations answer each code.
 */
export function renderErrorPage(document: Record<string, unknown>): string {
  const entries = errorReference(document);
  const rows = entries
    .map(
      (e) =>
        `<tr><td><a href="#${e.anchor}"><code>${e.code}</code></a></td><td>${e.status}</td><td>${escapeHtml(e.title)}</td><td>${e.retryable ? 'yes' : 'no'}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cart API errors</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}section{border-top:1px solid #ddd;padding:.5rem 1rem;margin:1rem -1rem}section:target{background:#fff3c4}dt{font-weight:600}dd{margin:0 0 .6rem}pre{background:#f5f5f5;padding:.6rem;overflow-x:auto}blockquote{margin:.5rem 0;padding-left:1rem;border-left:3px solid #ccc}</style>
</head><body>
<h1>Cart API errors</h1>
<p>Every error is <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>. Branch on the code, never on the text. The quoted message is the one a shopper is shown; the cause and the fix are for developers. <em>Retry</em> says whether sending the very same request again may succeed (retry a change with the same <code>Idempotency-Key</code>). <em>Answered by</em> lists the operations whose description in the <a href="/openapi.json">OpenAPI document</a> declares the code.</p>
<table><thead><tr><th>code</th><th>status</th><th>title</th><th>retry</th></tr></thead><tbody>
${rows}
</tbody></table>
${entries.map(section).join('\n')}
</body></html>`;
}

/**
 * `/docs/errors`: the page is rendered on the first request, from the document the
 * server serves at `/openapi.json` (complete only once the app is ready), and kept.
 */
const errorDocsRoutes: FastifyPluginAsyncZod = (app) => {
  let page: string | undefined;
  app.get('/docs/errors', { schema: { hide: true } }, (_request, reply) => {
    page ??= renderErrorPage(app.swagger() as unknown as Record<string, unknown>);
    return reply.type('text/html; charset=utf-8').send(page);
  });
  return Promise.resolve();
};

export default errorDocsRoutes;
