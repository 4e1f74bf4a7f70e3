/**
 * Tracing against a local OTLP/HTTP receiver (127.0.0.1): a request carrying a W3C
 * `traceparent` yields a SERVER span in that trace, child of the caller's span, named by
 * its route template with the HTTP attributes, and the storage calls it made are CLIENT
 * spans under it; spans are flushed when the app closes. Without an endpoint there is no
 * provider and no hook at all.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCart, Product } from '@cart/core';
import { loadConfig } from '../../src/config.ts';
import { startTracing, tracesUrl } from '../../src/observability/tracing.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { buildTestApp, logLines } from '@cart/test-support/test-app.ts';
import { startTestServer } from '@cart/test-support/test-server.ts';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number };
}
interface ExportRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/** A local OTLP/HTTP traces receiver: keeps every JSON export request it is sent. */
class Receiver {
  readonly requests: { path: string; contentType: string; body: ExportRequest }[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  spans(): OtlpSpan[] {
    return this.requests.flatMap((r) =>
      r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
    );
  }

  serviceNames(): string[] {
    return this.requests.flatMap((r) =>
      r.body.resourceSpans.map(
        (rs) =>
          rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '',
      ),
    );
  }
}

/** A span's attributes as a plain object (integers as numbers). */
function attrs(span: OtlpSpan): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(
    span.attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : value.boolValue),
    ]),
  );
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const receiver = new Receiver();
  let endpoint: string;
  beforeAll(async () => {
    endpoint = await receiver.start();
  });
  afterAll(() => receiver.close());

  it('continues the caller’s trace: a SERVER span per request with storage spans under it', async () => {
    const server = await startTestServer({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'cart-tracing-test' },
    });
    const client = new HttpClient(server.url);
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const traceparent = `00-${traceId}-${callerSpanId}-01`;
    let product: Product;
    let cart: CreatedCart;
    try {
      product = (
        await client.post<Product>('/api/admin/products', {
          token: server.adminToken,
          body: {
            sku: 'trace-mug',
            name: 'Mug',
            description: '',
            price: { amount: 900, currency: 'USD' },
            stock: null,
            maxPerOrder: null,
            imageUrl: null,
          },
        })
      ).body;
      cart = (await client.post<CreatedCart>('/api/carts')).body;
      const added = await client.post(`/api/carts/${cart.id}/lines`, {
        token: cart.token,
        body: { productId: product.id, quantity: 1 },
        headers: { traceparent, 'x-request-id': 'traced-1' },
      });
      expect(added.status, added.text).toBe(200);
      const missing = await client.get(`/api/carts/${cart.id}/nothing`, {
        headers: { traceparent },
      });
      expect(missing.status).toBe(404);
      // Nothing is promised before the batch is flushed: closing the app flushes it.
      expect(server.app.hasPlugin('tracing')).toBe(true);
    } finally {
      await server.close();
    }

    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const r of receiver.requests) {
      expect(r.path).toBe('/v1/traces');
      expect(r.contentType).toMatch(/^application\/json/);
    }
    expect(new Set(receiver.serviceNames())).toEqual(new Set(['cart-tracing-test']));

    const spans = receiver.spans();
    const inTrace = spans.filter((s) => s.traceId === traceId);
    const serverSpan = inTrace.find((s) => s.name === 'POST /api/carts/:id/lines');
    expect(serverSpan).toBeDefined();
    if (!serverSpan) return;
    expect(serverSpan.kind).toBe(SPAN_KIND_SERVER);
    expect(serverSpan.parentSpanId).toBe(callerSpanId);
    expect(attrs(serverSpan)).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/carts/:id/lines',
      'url.path': `/api/carts/${cart.id}/lines`,
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'http.request.id': 'traced-1',
      'client.address': '127.0.0.1',
    });
    expect(serverSpan.status?.code ?? 0).not.toBe(2); // not ERROR

    const children = inTrace.filter((s) => s.parentSpanId === serverSpan.spanId);
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) {
      expect(child.kind).toBe(SPAN_KIND_CLIENT);
      expect(child.name).toMatch(/^storage\.\w+$/);
      expect(attrs(child)['db.system.name']).toBe('sqlite');
    }
    expect(children.map((c) => c.name)).toContain('storage.mutate');
    expect(attrs(children.find((c) => c.name === 'storage.mutate') as OtlpSpan)).toMatchObject({
      'db.operation.name': 'mutate',
    });

    // An unmatched route is named by its method alone; a 4xx is not a server error.
    const unrouted = inTrace.find((s) => s.kind === SPAN_KIND_SERVER && s !== serverSpan);
    expect(unrouted?.name).toBe('GET');
    expect(unrouted && attrs(unrouted)['http.response.status_code']).toBe(404);
    expect(unrouted?.status?.code ?? 0).not.toBe(2);

    // Requests without a traceparent start traces of their own.
    const created = spans.find((s) => s.name === 'POST /api/carts');
    expect(created?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(created?.traceId).not.toBe(traceId);
    expect(created?.parentSpanId ?? '').toBe('');
    expect(
      spans.some(
        (s) =>
          s.traceId === created?.traceId &&
          s.parentSpanId === created?.spanId &&
          s.name === 'storage.mutate',
      ),
    ).toBe(true);
  });

  it('puts the trace id in the request line and every line the request logs', async () => {
    const t = await buildTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    try {
      const traceId = hex(16);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/carts',
        headers: { traceparent: `00-${traceId}-${hex(8)}-01`, 'x-request-id': 'traced-log-1' },
      });
      expect(res.statusCode).toBe(201);
      const line = logLines(t.logs, 'request completed').find((l) => l.reqId === 'traced-log-1');
      expect(line).toMatchObject({ traceId });
      expect(line?.spanId).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await t.close();
    }
  });
});

describe('a collector that never answers', () => {
  it('does not hold up the app’s shutdown', async () => {
    const silent = http.createServer(() => {
      // Takes the export and never answers it.
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    try {
      const port = (silent.address() as AddressInfo).port;
      const server = await startTestServer({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      });
      expect((await new HttpClient(server.url).post('/api/carts')).status).toBe(201);
      await server.close(); // the flush is abandoned after a bounded wait
    } finally {
      silent.closeAllConnections();
      await new Promise((done) => silent.close(done));
    }
  });
});

describe('tracing without an endpoint', () => {
  it('sets nothing up: no provider, no plugin, no request decoration, no trace id in logs', async () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(startTracing(config)).toBeNull();
    const t = await buildTestApp();
    try {
      expect(t.app.hasPlugin('tracing')).toBe(false);
      expect(t.app.hasRequestDecorator('traceSpan')).toBe(false);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/carts',
        headers: { traceparent: `00-${hex(16)}-${hex(8)}-01`, 'x-request-id': 'untraced-1' },
      });
      expect(res.statusCode).toBe(201);
      const line = logLines(t.logs, 'request completed').find((l) => l.reqId === 'untraced-1');
      expect(line).toBeDefined();
      expect(line).not.toHaveProperty('traceId');
    } finally {
      await t.close();
    }
  });

  it('posts to <endpoint>/v1/traces, with or without a trailing slash', () => {
    expect(tracesUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
  });
});
