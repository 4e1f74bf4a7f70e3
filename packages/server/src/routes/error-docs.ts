import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_CATALOG, ERROR_CODES, errorType } from '@cart/core';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The error catalog as a page: where every problem document's `type` points. */
export function renderErrorPage(): string {
  const rows = ERROR_CODES.map((code) => {
    const e = ERROR_CATALOG[code];
    const anchor = errorType(code).split('#')[1] ?? '';
    return `<tr id="${anchor}"><td><code>${code}</code></td><td>${e.status}</td><td>${escapeHtml(e.title)}</td><td>${escapeHtml(e.message)}</td></tr>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cart API errors</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}tr:target{background:#fff3c4}</style>
</head><body>
<h1>Cart API errors</h1>
<p>Every error is <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>. Branch on the code, never on the text.</p>
<table><thead><tr><th>code</th><th>status</th><th>title</th><th>message</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>`;
}

const errorDocsRoutes: FastifyPluginAsyncZod = (app) => {
  const page = renderErrorPage();
  app.get('/docs/errors', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  );
  return Promise.resolve();
};

export default errorDocsRoutes;
