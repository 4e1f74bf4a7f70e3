import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Product } from '@cart/core';
import { ADMIN_SESSION_MAX_AGE_SECONDS } from '../http/admin-session.ts';
import {
  JSON_TYPE,
  TEST_ADMIN_TOKEN,
  adminAuth,
  buildTestApp,
  expectProblem,
  header,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';

type Inject = Awaited<ReturnType<TestApp['app']['inject']>>;

/** The `admin_session=<value>` pair a login set, ready for a Cookie header. */
function sessionCookie(res: Inject): string {
  const set = header(res, 'set-cookie');
  const m = /(?:^|, )admin_session=([^;]+)/.exec(set);
  if (!m?.[1]) throw new Error(`no admin_session cookie in ${set}`);
  return `admin_session=${m[1]}`;
}

const login = (t: TestApp, token: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/admin/session',
    headers: { ...JSON_TYPE, ...headers },
    payload: { token },
  });

async function signIn(t: TestApp): Promise<string> {
  const res = await login(t, TEST_ADMIN_TOKEN);
  expect(res.statusCode, res.body).toBe(204);
  return sessionCookie(res);
}

const expectUnauthorized = (res: Inject) => {
  expectProblem(res, 401, 'UNAUTHORIZED');
  expect(header(res, 'www-authenticate')).toBe('Bearer realm="cart-admin"');
};

describe('admin session: sign in', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp({ env: { RATE_LIMITS: 'off' } })));
  afterAll(() => t.close());

  it('refuses a wrong token with 401 in words, and sets no cookie', async () => {
    for (const token of [`${TEST_ADMIN_TOKEN}x`, TEST_ADMIN_TOKEN.slice(0, -1), 'x']) {
      const res = await login(t, token);
      const problem = expectProblem(res, 401, 'UNAUTHORIZED');
      expect(problem.detail).toBe('That admin token is not right.');
      expect(header(res, 'set-cookie')).toBe('');
    }
  });

  it('sets an HttpOnly, SameSite=Strict, 8-hour cookie scoped to /api/admin on the right token', async () => {
    const res = await login(t, TEST_ADMIN_TOKEN);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    expect(header(res, 'cache-control')).toBe('no-store');
    const cookie = header(res, 'set-cookie');
    expect(cookie).toMatch(/^admin_session=v1\.[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain(`Max-Age=${ADMIN_SESSION_MAX_AGE_SECONDS}`);
    expect(cookie).toContain('Path=/api/admin');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    // Plain HTTP here: Secure would make the browser drop it.
    expect(cookie).not.toContain('Secure');
  });

  it('validates the body strictly', async () => {
    for (const payload of [
      {},
      { token: 42 },
      { token: TEST_ADMIN_TOKEN, extra: 1 },
      { token: '' },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/session',
        headers: JSON_TYPE,
        payload,
      });
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await login(t, TEST_ADMIN_TOKEN, { 'sec-fetch-site': 'cross-site' });
    expectProblem(res, 403, 'CSRF_TOKEN_INVALID');
    expect(header(res, 'set-cookie')).toBe('');
  });

  it('never writes the token or the session to the log', async () => {
    const cookie = await signIn(t);
    await t.app.inject({ url: '/api/admin/session', headers: { cookie } });
    await login(t, `${TEST_ADMIN_TOKEN}-wrong`);
    const text = JSON.stringify(t.logs);
    expect(text).not.toContain(TEST_ADMIN_TOKEN);
    expect(text).not.toContain(cookie.slice('admin_session='.length));
  });
});

describe('admin session: using the cookie', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off' } });
    cookie = await signIn(t);
  });
  afterAll(() => t.close());

  it('lets the cookie read admin routes', async () => {
    for (const url of ['/api/admin/products', '/api/admin/discounts', '/api/admin/audit']) {
      const res = await t.app.inject({ url, headers: { cookie } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
    const me = await t.app.inject({ url: '/api/admin/session', headers: { cookie } });
    expect(me.statusCode, me.body).toBe(200);
    const body = me.json<{ via: string; expiresAt: string }>();
    expect(body.via).toBe('cookie');
    const left = Date.parse(body.expiresAt) - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(ADMIN_SESSION_MAX_AGE_SECONDS * 1000);
  });

  it('still takes the bearer token, and says so', async () => {
    const me = await t.app.inject({ url: '/api/admin/session', headers: adminAuth });
    expect(me.json()).toEqual({ via: 'bearer', expiresAt: null });
  });

  it('answers 401 to no credential at all', async () => {
    expectUnauthorized(await t.app.inject({ url: '/api/admin/session' }));
  });

  it('refuses a change by cookie without the CSRF token, and changes nothing', async () => {
    for (const headers of [
      { cookie },
      { cookie, 'sec-fetch-site': 'same-origin' },
      { cookie, 'sec-fetch-site': 'same-origin', 'x-csrf-token': 'forged.token' },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: { ...headers, ...JSON_TYPE },
        payload: productInput(),
      });
      expectProblem(res, 403, 'CSRF_TOKEN_INVALID');
    }
    const list = await t.app.inject({ url: '/api/admin/products', headers: { cookie } });
    expect(list.json<{ items: Product[] }>().items).toEqual([]);
  });

  it('accepts a change by cookie with the CSRF token from the same origin', async () => {
    const csrf = (await t.app.inject({ url: '/api/csrf' })).json<{ token: string }>().token;
    const withToken = (site: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: {
          ...JSON_TYPE,
          cookie: `${cookie}; csrf_token=${csrf}`,
          'x-csrf-token': csrf,
          'sec-fetch-site': site,
        },
        payload: productInput(),
      });
    expectProblem(await withToken('cross-site'), 403, 'CSRF_TOKEN_INVALID');
    const res = await withToken('same-origin');
    expect(res.statusCode, res.body).toBe(201);
    // The change is audited as the admin's, like one made with the bearer token.
    const audit = await t.app.inject({ url: '/api/admin/audit?limit=1', headers: { cookie } });
    expect(audit.json<{ items: { action: string; actorType: string }[] }>().items[0]).toMatchObject(
      { action: 'admin.product.create', actorType: 'admin' },
    );
  });

  it('lets a wrong bearer token win over a valid cookie (refused)', async () => {
    expectUnauthorized(
      await t.app.inject({
        url: '/api/admin/products',
        headers: { cookie, authorization: `Bearer ${TEST_ADMIN_TOKEN}x` },
      }),
    );
  });

  it('refuses tampered, forged and malformed cookies', async () => {
    const value = cookie.slice('admin_session='.length);
    const [v, id, exp, mac] = value.split('.') as [string, string, string, string];
    const flip = (s: string, at: number) =>
      s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const variants = [
      `${v}.${id}.${Number(exp) + 3600}.${mac}`, // longer life, old signature
      `${v}.${flip(id, 0)}.${exp}.${mac}`, // another id
      `${v}.${id}.${exp}.${flip(mac, 5)}`, // a changed signature
      `v2.${id}.${exp}.${mac}`,
      `${v}.${id}.${exp}`,
      'garbage',
      '',
    ];
    for (const variant of variants) {
      expectUnauthorized(
        await t.app.inject({
          url: '/api/admin/products',
          headers: { cookie: `admin_session=${variant}` },
        }),
      );
    }
  });

  it('signs out: the cookie is cleared and the old value no longer works', async () => {
    const mine = await signIn(t);
    expect(
      (await t.app.inject({ url: '/api/admin/audit', headers: { cookie: mine } })).statusCode,
    ).toBe(200);
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/admin/session',
      headers: { cookie: mine },
    });
    expect(out.statusCode, out.body).toBe(204);
    const cleared = header(out, 'set-cookie');
    expect(cleared).toMatch(/^admin_session=;/);
    expect(cleared).toContain('Path=/api/admin');
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expectUnauthorized(await t.app.inject({ url: '/api/admin/audit', headers: { cookie: mine } }));
    // Other sessions are not affected, and signing out twice is harmless.
    expect((await t.app.inject({ url: '/api/admin/audit', headers: { cookie } })).statusCode).toBe(
      200,
    );
    const again = await t.app.inject({
      method: 'DELETE',
      url: '/api/admin/session',
      headers: { cookie: mine },
    });
    expect(again.statusCode).toBe(204);
  });
});

describe('admin session: expiry and keys', () => {
  afterEach(() => vi.useRealTimers());

  it('refuses a session once its 8 hours are over', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = await buildTestApp({ env: { RATE_LIMITS: 'off' } });
    try {
      const cookie = await signIn(t);
      vi.setSystemTime(Date.now() + (ADMIN_SESSION_MAX_AGE_SECONDS - 60) * 1000);
      const before = await t.app.inject({ url: '/api/admin/audit', headers: { cookie } });
      expect(before.statusCode, before.body).toBe(200);
      vi.setSystemTime(Date.now() + 61 * 1000);
      expectUnauthorized(await t.app.inject({ url: '/api/admin/audit', headers: { cookie } }));
    } finally {
      await t.close();
    }
  });

  it('is honoured by another instance with the same SECRET and ADMIN_TOKEN only', async () => {
    const SECRET = 'a-shared-secret-of-at-least-32-characters';
    const a = await buildTestApp({ env: { SECRET } });
    const same = await buildTestApp({ env: { SECRET } });
    const otherSecret = await buildTestApp({ env: { SECRET: `${SECRET}-rotated` } });
    const otherToken = await buildTestApp({
      env: { SECRET, ADMIN_TOKEN: `${TEST_ADMIN_TOKEN}-rotated` },
    });
    const noSecret = await buildTestApp();
    try {
      const cookie = await signIn(a);
      const status = async (t: TestApp) =>
        (await t.app.inject({ url: '/api/admin/audit', headers: { cookie } })).statusCode;
      expect(await status(same)).toBe(200);
      expect(await status(otherSecret)).toBe(401);
      expect(await status(otherToken)).toBe(401);
      expect(await status(noSecret)).toBe(401);
    } finally {
      await Promise.all([a, same, otherSecret, otherToken, noSecret].map((t) => t.close()));
    }
  });

  it('sets the Secure flag when the request came over HTTPS', async () => {
    const t = await buildTestApp({ env: { TRUST_PROXY: 'true' } });
    try {
      const res = await login(t, TEST_ADMIN_TOKEN, { 'x-forwarded-proto': 'https' });
      expect(res.statusCode, res.body).toBe(204);
      expect(header(res, 'set-cookie')).toContain('Secure');
    } finally {
      await t.close();
    }
  });

  it('cannot sign in when the server has no ADMIN_TOKEN', async () => {
    const t = await buildTestApp({ env: { ADMIN_TOKEN: '' } });
    try {
      for (const token of [TEST_ADMIN_TOKEN, 'undefined']) {
        const problem = expectProblem(await login(t, token), 401, 'UNAUTHORIZED');
        expect(problem.detail).toMatch(/without ADMIN_TOKEN/);
      }
    } finally {
      await t.close();
    }
  });

  it('counts sign-in attempts against the per-client rate limit', async () => {
    const t = await buildTestApp({ env: { RATE_LIMITS: 'on', RATE_LIMIT_CLIENT: '3' } });
    try {
      for (let i = 0; i < 3; i++) expectProblem(await login(t, `wrong-${i}`), 401, 'UNAUTHORIZED');
      const limited = await login(t, TEST_ADMIN_TOKEN);
      expectProblem(limited, 429, 'RATE_LIMITED');
      expect(header(limited, 'set-cookie')).toBe('');
    } finally {
      await t.close();
    }
  });
});
