import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The Content-Security-Policy of the pages (storefront, dashboard, error reference): no
 * inline script, nothing from other origins but images.
 */
const PAGE_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'https:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/** The headers helmet sets with these options, read once from a response of our own. */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: () => undefined,
  };
  helmet({
    contentSecurityPolicy: { directives: PAGE_CSP },
    // HSTS only matters behind TLS, which a proxy terminates; it is the proxy's to send.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  })({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/** A page's headers: helmet's whole set, with the page CSP above. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze(helmetHeaders());

/**
 * An API answer's headers (JSON, problem documents, event streams): it is never
 * rendered, so it needs no page policy; a CSP that allows nothing, in case a browser is
 * made to open one as a page, and the headers that stop sniffing, framing and referrers.
 * Everything else (pages, and the scripts, styles and images they load) gets the page
 * set: a script's own CSP governs it when it runs as a worker (the storefront's service
 * worker fetches the API).
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

const PAGE = Object.entries(PAGE_HEADERS);
const API = Object.entries(API_HEADERS);

/** Content types of API answers: JSON, problem documents, live-event streams. */
const API_TYPES = /^(application\/(json|problem\+json)|text\/event-stream)\b/;

/**
 * Security headers on every answer, computed once at start (helmet's middleware would
 * rebuild the CSP string on every response): API answers get the small API set, every
 * other answer helmet's full set. A header a route set itself is kept: /docs (Swagger
 * UI) sends a CSP of its own.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    const headers = typeof type === 'string' && API_TYPES.test(type) ? API : PAGE;
    for (const [name, value] of headers) if (!reply.hasHeader(name)) void reply.header(name, value);
    done(null, payload);
  });
}
