import { afterEach, describe, expect, it, vi } from 'vitest';
import { CartApiError, CartNetworkError } from './errors.ts';
import type { Runtime } from './runtime.ts';
import { Transport, type FetchLike, type RetryInfo } from './transport.ts';

/** A scripted network: each call takes the next answer (a Response, or an error to throw). */
function scripted(answers: (Response | Error | (() => Promise<Response>))[]) {
  const calls: { url: string; init: RequestInit; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push({ url, init, headers: { ...(init.headers as Record<string, string>) } });
    const next = answers.shift();
    if (next === undefined) throw new Error('no more answers scripted');
    if (next instanceof Error) return Promise.reject(next);
    if (typeof next === 'function') return next();
    return Promise.resolve(next);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const problem = (status: number, code: string, headers: Record<string, string> = {}, extra = {}) =>
  new Response(
    JSON.stringify({
      type: `/docs/errors#${code.toLowerCase()}`,
      title: 't',
      status,
      detail: `detail of ${code}`,
      code,
      requestId: 'req-1',
      ...extra,
    }),
    { status, headers: { 'content-type': 'application/problem+json', ...headers } },
  );

function clock(now = Date.UTC(2026, 10, 28, 10, 0, 0)) {
  const sleeps: number[] = [];
  const runtime: Partial<Runtime> = {
    now: () => now,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  return { runtime, sleeps };
}

describe('Transport', () => {
  afterEach(() => vi.useRealTimers());

  it('retries network failures with capped, jittered backoff and one Idempotency-Key', async () => {
    const net = scripted([new TypeError('down'), new TypeError('down'), json(200, { ok: 1 })]);
    const { runtime, sleeps } = clock();
    const retries: RetryInfo[] = [];
    const t = new Transport({
      fetch: net.fetch,
      runtime,
      retry: { baseDelayMs: 100, maxDelayMs: 150 },
      newKey: () => 'key-1',
      onRetry: (info) => retries.push(info),
    });
    const res = await t.request({ method: 'POST', path: '/api/x', body: { a: 1 } });
    expect(res).toMatchObject({
      status: 200,
      body: { ok: 1 },
      attempts: 3,
      idempotencyKey: 'key-1',
    });
    expect(net.calls.map((c) => c.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1']);
    expect(net.calls.map((c) => c.init.body)).toEqual(Array(3).fill('{"a":1}'));
    // random 0.5 of min(150, 100·2^n): 50, then 75 (capped at 150)
    expect(sleeps).toEqual([50, 75]);
    expect(retries.map((r) => [r.attempt, r.error.name])).toEqual([
      [1, 'CartNetworkError'],
      [2, 'CartNetworkError'],
    ]);
  });

  it('keeps the caller’s key on every attempt', async () => {
    const net = scripted([problem(503, 'UNAVAILABLE'), json(200, {})]);
    const t = new Transport({ fetch: net.fetch, runtime: clock().runtime });
    await t.request({ method: 'PATCH', path: '/x', body: {}, idempotencyKey: 'mine' });
    expect(net.calls.map((c) => c.headers['idempotency-key'])).toEqual(['mine', 'mine']);
  });

  it('sends no key with a read', async () => {
    const net = scripted([json(200, {})]);
    const t = new Transport({ fetch: net.fetch, runtime: clock().runtime, baseUrl: 'http://a/' });
    await t.request({ method: 'GET', path: '/api/y' });
    expect(net.calls[0]?.headers['idempotency-key']).toBeUndefined();
    expect(net.calls[0]?.url).toBe('http://a/api/y');
  });

  it('honours Retry-After in seconds and as an HTTP-date; a longer one is the caller’s to wait', async () => {
    const { runtime, sleeps } = clock();
    const net = scripted([
      problem(429, 'RATE_LIMITED', { 'retry-after': '3' }),
      problem(503, 'UNAVAILABLE', { 'retry-after': 'Sat, 28 Nov 2026 10:00:20 GMT' }),
      problem(429, 'RATE_LIMITED', { 'retry-after': '86400' }),
      json(200, {}),
    ]);
    const t = new Transport({
      fetch: net.fetch,
      runtime,
      retry: { maxAttempts: 4, maxRetryAfterMs: 60_000 },
    });
    const error = await t.request({ method: 'POST', path: '/x' }).catch((e: unknown) => e);
    // Never cut short: a wait past the cap ends the request, saying how long to wait.
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 86_400_000 });
    expect(sleeps).toEqual([3000, 20_000]);
  });

  it('retries 408, 5xx and 409 IDEMPOTENCY_IN_FLIGHT', async () => {
    const net = scripted([
      new Response('', { status: 408 }),
      new Response('<html>bad gateway</html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      }),
      problem(409, 'IDEMPOTENCY_IN_FLIGHT', { 'retry-after': '1' }),
      problem(500, 'INTERNAL'),
      json(201, { id: 'c' }),
    ]);
    const t = new Transport({
      fetch: net.fetch,
      runtime: clock().runtime,
      retry: { maxAttempts: 5 },
    });
    const res = await t.request({ method: 'POST', path: '/x' });
    expect(res.status).toBe(201);
  });

  it.each([
    [400, 'VALIDATION_FAILED'],
    [403, 'CSRF_TOKEN_INVALID'],
    [404, 'CART_NOT_FOUND'],
    [409, 'OUT_OF_STOCK'],
    [409, 'CART_CLOSED'],
    [412, 'VERSION_CONFLICT'],
    [422, 'IDEMPOTENCY_KEY_REUSED'],
  ])('never retries %i %s', async (status, code) => {
    const net = scripted([problem(status, code)]);
    const t = new Transport({ fetch: net.fetch, runtime: clock().runtime });
    const error = await t.request({ method: 'POST', path: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CartApiError);
    expect(error).toMatchObject({ code, status });
    expect(net.calls).toHaveLength(1);
  });

  it('reads problem documents into a typed error with the catalog words', async () => {
    const net = scripted([
      problem(
        409,
        'OUT_OF_STOCK',
        {},
        { errors: [{ path: '/actions/1/quantity', message: 'Only 2 left.' }] },
      ),
    ]);
    const t = new Transport({ fetch: net.fetch, runtime: clock().runtime });
    const error = (await t
      .request({ method: 'POST', path: '/x' })
      .catch((e: unknown) => e)) as CartApiError;
    expect(error).toMatchObject({
      name: 'CartApiError',
      code: 'OUT_OF_STOCK',
      status: 409,
      title: 'Out of stock',
      message: 'Sorry, we do not have that many in stock.',
      detail: 'detail of OUT_OF_STOCK',
      requestId: 'req-1',
      errors: [{ path: '/actions/1/quantity', message: 'Only 2 left.' }],
      retryable: false,
    });
  });

  it('names a non-problem error answer by its status', async () => {
    const net = scripted([new Response('nope', { status: 502 })]);
    const t = new Transport({
      fetch: net.fetch,
      runtime: clock().runtime,
      retry: { maxAttempts: 1 },
    });
    const error = await t.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 502, retryable: true });
  });

  it('gives up after maxAttempts with the last failure', async () => {
    const net = scripted([new TypeError('a'), new TypeError('b'), new TypeError('c')]);
    const t = new Transport({
      fetch: net.fetch,
      runtime: clock().runtime,
      retry: { maxAttempts: 3 },
    });
    const error = await t.request({ method: 'POST', path: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CartNetworkError);
    expect(error).toMatchObject({ kind: 'network', attempts: 3 });
    expect((error as Error).cause).toMatchObject({ message: 'c' });
  });

  it('times an attempt out, and retries it', async () => {
    vi.useFakeTimers();
    const hang = (): Promise<Response> => new Promise(() => undefined);
    const calls: AbortSignal[] = [];
    let n = 0;
    const fetch: FetchLike = (_url, init) => {
      calls.push(init.signal as AbortSignal);
      if (n++ > 0) return Promise.resolve(json(200, { late: false }));
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError')),
        );
        void hang();
      });
    };
    const t = new Transport({
      fetch,
      timeoutMs: 5000,
      runtime: { sleep: () => Promise.resolve() },
    });
    const pending = t.request({ method: 'GET', path: '/slow' });
    await vi.advanceTimersByTimeAsync(5000);
    const res = await pending;
    expect(res.body).toEqual({ late: false });
    expect(calls[0]?.aborted).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('reports a timeout as such when every attempt times out', async () => {
    vi.useFakeTimers();
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError')),
        );
      });
    const t = new Transport({
      fetch,
      timeoutMs: 1000,
      retry: { maxAttempts: 2 },
      runtime: { sleep: () => Promise.resolve() },
    });
    const pending = t.request({ method: 'GET', path: '/slow' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await pending).toMatchObject({ name: 'CartNetworkError', kind: 'timeout', attempts: 2 });
  });

  it('stops at once when the caller aborts', async () => {
    const controller = new AbortController();
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError')),
        );
        controller.abort();
      });
    const t = new Transport({ fetch, runtime: clock().runtime });
    const error = await t
      .request({ method: 'GET', path: '/x', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
  });

  it('marks replayed answers', async () => {
    const net = scripted([json(200, {}, { 'idempotent-replayed': 'true' })]);
    const t = new Transport({ fetch: net.fetch, runtime: clock().runtime });
    expect((await t.request({ method: 'POST', path: '/x' })).replayed).toBe(true);
  });
});
