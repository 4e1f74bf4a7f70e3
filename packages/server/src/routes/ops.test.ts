import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { rawRequest, type RawReply } from '@cart/test-support/http.ts';
import { buildTestApp, header, type TestApp } from '@cart/test-support/test-app.ts';

describe('health and readiness', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('is alive and ready while the database answers', async () => {
    t = await buildTestApp();
    const health = await t.app.inject({ url: '/healthz' });
    expect({ status: health.statusCode, body: health.json<unknown>() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    const ready = await t.app.inject({ url: '/readyz' });
    expect({ status: ready.statusCode, body: ready.json<unknown>() }).toEqual({
      status: 200,
      body: { status: 'ready' },
    });
    expect(ready.headers['retry-after']).toBeUndefined();
  });

  it('is not ready, but still alive, when the database stops answering', async () => {
    let storage: SqliteStorage | undefined;
    t = await buildTestApp({ storage: (path) => (storage = new SqliteStorage(path)) });
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    // The connection is gone: the storage's own ping now fails.
    await storage?.close();
    const ready = await t.app.inject({ url: '/readyz' });
    expect({ status: ready.statusCode, body: ready.json<unknown>() }).toEqual({
      status: 503,
      body: { status: 'database unavailable' },
    });
    expect(header(ready, 'retry-after')).toBe('5');
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 503 "draining" to a readiness check still in flight when shutdown begins', async () => {
    t = await buildTestApp({ ready: false });
    const app = t.app;
    // Holds /readyz after routing until the app's own preClose hook has run.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const routed = new Promise<void>((resolve) => (arrived = resolve));
    app.addHook('onRequest', async (request) => {
      if (request.url !== '/readyz') return;
      arrived();
      await held;
    });
    app.addHook('preClose', (done) => {
      release();
      done();
    });
    await app.ready();
    const pending = app.inject({ url: '/readyz' });
    await routed;
    const closing = app.close();
    const ready = await pending;
    await closing;
    expect({ status: ready.statusCode, body: ready.json<unknown>() }).toEqual({
      status: 503,
      body: { status: 'draining' },
    });
    expect(header(ready, 'retry-after')).toBe('5');
  });

  it('answers 503 "draining" with Retry-After to a readiness check that arrives once shutdown began', async () => {
    t = await buildTestApp({ ready: false });
    const app = t.app;
    let during: Promise<RawReply> | undefined;
    // The server still listens while preClose hooks run: a load balancer's check arrives.
    app.addHook('preClose', async () => {
      during = rawRequest(url, { method: 'GET', path: '/readyz' });
      await during;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const url = `http://127.0.0.1:${address.port}`;
    await app.close();
    const ready = await during;
    expect(ready?.status).toBe(503);
    expect({ body: ready?.json, retryAfter: ready?.headers['retry-after'] }).toEqual({
      body: { status: 'draining' },
      retryAfter: '5',
    });
  });
});
