import { describe, expect, it } from 'vitest';
import { computeTotals } from '@cart/core';
import { CartApiError, codeForStatus, errorFromResponse } from './errors.ts';
import { placeholderCart } from './optimistic-view.ts';
import { ManualOnlineSignal, alwaysOnline, browserOnlineSignal } from './online-signal.ts';
import { randomId, systemRuntime } from './runtime.ts';

const NOW = '2026-12-07T10:00:00.000Z';

describe('errors', () => {
  it('names a status without a problem body by the catalog', () => {
    const table = [401, 403, 404, 408, 412, 413, 415, 418, 429, 431, 500, 502, 503, 504].map(
      (s) => [s, codeForStatus(s)],
    );
    expect(Object.fromEntries(table)).toEqual({
      401: 'UNAUTHORIZED',
      403: 'CSRF_TOKEN_INVALID',
      404: 'NOT_FOUND',
      408: 'UNAVAILABLE',
      412: 'VERSION_CONFLICT',
      413: 'PAYLOAD_TOO_LARGE',
      415: 'UNSUPPORTED_MEDIA_TYPE',
      418: 'VALIDATION_FAILED',
      429: 'RATE_LIMITED',
      431: 'HEADERS_TOO_LARGE',
      500: 'INTERNAL',
      502: 'UNAVAILABLE',
      503: 'UNAVAILABLE',
      504: 'UNAVAILABLE',
    });
  });

  it('keeps the current cart a VERSION_CONFLICT carries', () => {
    const cart = computeTotals(placeholderCart('USD', { taxRateBps: 0, taxInclusive: false }, NOW));
    cart.id = 'c';
    cart.version = 4;
    const e = errorFromResponse(
      412,
      { type: 't', title: 't', status: 412, detail: 'd', code: 'VERSION_CONFLICT', cart },
      null,
    );
    expect(e).toBeInstanceOf(CartApiError);
    expect(e.cart).toEqual(cart);
    expect(e.retryable).toBe(false);
    expect(new CartApiError({ code: 'INTERNAL', status: 500 }).retryable).toBe(true);
  });

  it('reads a code it does not know as the code for its status, keeping the rest', () => {
    const body = { type: 't', title: 't', status: 409, detail: 'Not yet.', code: 'NEWER_THING' };
    const e = errorFromResponse(409, { ...body, requestId: 'r1', cart: { id: 'c' } }, null);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.detail).toBe('Not yet.');
    expect(e.requestId).toBe('r1');
    // A cart that cannot be read is left out rather than handed on half-made.
    expect(e.cart).toBeUndefined();
  });

  it("keeps a refused code's terms, and drops terms it cannot read without the rest", () => {
    const body = {
      type: 't',
      title: 't',
      status: 422,
      detail: 'Not yet.',
      code: 'DISCOUNT_INVALID',
    };
    const terms = {
      code: 'SAVE5',
      kind: 'fixed',
      value: 500,
      minSubtotal: 3000,
      combinable: true,
      currency: 'USD',
    };
    expect(errorFromResponse(422, { ...body, discount: terms }, null).discount).toEqual(terms);
    const odd = errorFromResponse(422, { ...body, discount: { code: 'SAVE5' } }, null);
    expect(odd.discount).toBeNull();
    expect(odd.detail).toBe('Not yet.');
    expect(odd.problem).toBe(true);
    expect(errorFromResponse(422, body, null).discount).toBeNull();
  });
});

describe('online signals', () => {
  it('follows navigator.onLine and the window events', () => {
    const scope = Object.assign(new EventTarget(), { navigator: { onLine: true } });
    const signal = browserOnlineSignal(scope);
    const seen: boolean[] = [];
    const stop = signal.subscribe((o) => seen.push(o));
    expect(signal.isOnline()).toBe(true);
    scope.navigator.onLine = false;
    scope.dispatchEvent(new Event('offline'));
    expect(signal.isOnline()).toBe(false);
    scope.navigator.onLine = true;
    scope.dispatchEvent(new Event('online'));
    stop();
    scope.dispatchEvent(new Event('offline'));
    expect(seen).toEqual([false, true]);
  });

  it('is always online where there is no navigator (Node)', () => {
    expect(browserOnlineSignal({})).toBe(alwaysOnline);
    expect(alwaysOnline.isOnline()).toBe(true);
    alwaysOnline.subscribe(() => undefined)();
  });

  it('can be switched by hand', () => {
    const s = new ManualOnlineSignal();
    const seen: boolean[] = [];
    const stop = s.subscribe((o) => seen.push(o));
    s.set(false);
    s.set(false);
    s.set(true);
    stop();
    s.set(false);
    expect(seen).toEqual([false, true]);
  });
});

describe('the system runtime', () => {
  it('sleeps, and stops sleeping when aborted', async () => {
    await systemRuntime.sleep(1);
    const c = new AbortController();
    const sleeping = systemRuntime.sleep(10_000, c.signal);
    c.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    await expect(systemRuntime.sleep(1, c.signal)).rejects.toMatchObject({ name: 'AbortError' });
    let ran = false;
    systemRuntime.setTimer(() => (ran = true), 10_000)();
    expect(ran).toBe(false);
  });

  it('makes 128-bit ids usable as keys, action ids and line ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
