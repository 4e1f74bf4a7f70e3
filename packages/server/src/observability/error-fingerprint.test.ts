import { describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  applicationPath,
  errorClassOf,
  fingerprintOf,
  pageRoute,
  parseStack,
  scrubError,
  topClientFrame,
  topServerFrame,
  truncate,
} from './error-fingerprint.ts';

const root = '/srv/shop';

const serverStack = (line: number, fn = 'CartService.checkout') =>
  [
    'TypeError: x is not a function',
    '    at Object.parse (node:internal/json:1:1)',
    '    at Parser.run (/srv/shop/node_modules/fastify/lib/x.js:10:5)',
    `    at async ${fn} (/srv/shop/packages/server/src/domain/cart-service.ts:${line}:7)`,
    '    at file:///srv/shop/packages/server/src/app.ts:300:1',
  ].join('\n');

describe('stack frames', () => {
  it('reads V8, Firefox and Safari frames, with and without a function name', () => {
    expect(
      parseStack(
        [
          'Error: boom',
          '    at fn (/a/b.ts:1:2)',
          '    at /a/c.ts:3:4',
          '    at new Thing (file:///a/d.ts:5:6)',
          'handle@https://shop.example/assets/app.js:7:8',
          '@https://shop.example/assets/app.js:9:10',
          '    at Array.map (<anonymous>)',
        ].join('\n'),
      ),
    ).toEqual([
      { fn: 'fn', location: '/a/b.ts', line: 1 },
      { fn: null, location: '/a/c.ts', line: 3 },
      { fn: 'Thing', location: 'file:///a/d.ts', line: 5 },
      { fn: 'handle', location: 'https://shop.example/assets/app.js', line: 7 },
      { fn: null, location: 'https://shop.example/assets/app.js', line: 9 },
    ]);
  });

  it('takes the first frame in the repository, not Node’s or a dependency’s', () => {
    expect(topServerFrame(serverStack(238), root)).toEqual({
      shown: 'packages/server/src/domain/cart-service.ts:238',
      key: 'packages/server/src/domain/cart-service.ts#CartService.checkout',
    });
    expect(applicationPath('node:internal/x', root)).toBeNull();
    expect(applicationPath('/srv/shop/node_modules/pg/lib/client.js', root)).toBeNull();
    expect(applicationPath('/elsewhere/file.ts', root)).toBeNull();
    expect(applicationPath('file:///srv/shop/packages/core/src/a.ts', root)).toBe(
      'packages/core/src/a.ts',
    );
    expect(topServerFrame('Error: no frames', root)).toBeNull();
  });

  it('knows this repository as the one it lives in', () => {
    expect(applicationPath(import.meta.filename)).toBe(
      'packages/server/src/observability/error-fingerprint.test.ts',
    );
    expect(REPO_ROOT).not.toContain('packages');
  });

  it('keys a frame by file and function, so moved lines keep their group', () => {
    const before = topServerFrame(serverStack(238), root);
    const after = topServerFrame(serverStack(251), root);
    expect(after?.shown).not.toBe(before?.shown);
    expect(after?.key).toBe(before?.key);
    expect(topServerFrame(serverStack(238, 'CartService.merge'), root)?.key).not.toBe(before?.key);
    // Without a function name, the line is all there is.
    expect(topServerFrame('Error\n    at /srv/shop/a.ts:9:1', root)).toEqual({
      shown: 'a.ts:9',
      key: 'a.ts:9',
    });
  });

  it('takes the first http(s) frame of a browser stack, without origin, query or build hash', () => {
    const stack = [
      'TypeError: x',
      '    at chrome-extension://abc/inject.js:1:1',
      '    at Summary (https://shop.example/assets/index-B1x2c3D4.js?v=1:40:1234)',
    ].join('\n');
    expect(topClientFrame(stack)).toEqual({
      shown: '/assets/index-B1x2c3D4.js:40',
      key: '/assets/index.js#Summary',
    });
    expect(topClientFrame('')).toBeNull();
  });
});

describe('fingerprints', () => {
  const base = {
    source: 'server',
    errorClass: 'TypeError',
    frameKey: 'a.ts#f',
    route: 'GET /x',
  } as const;

  it('are 32 hex digits, the same for the same facts and different for any other', () => {
    const f = fingerprintOf(base);
    expect(f).toMatch(/^[a-f0-9]{32}$/);
    expect(fingerprintOf({ ...base })).toBe(f);
    for (const other of [
      { ...base, source: 'client' as const },
      { ...base, errorClass: 'RangeError' },
      { ...base, frameKey: 'a.ts#g' },
      { ...base, route: 'GET /y' },
    ])
      expect(fingerprintOf(other)).not.toBe(f);
  });

  it('name the class of what was thrown', () => {
    class WriteConflict extends Error {}
    expect(errorClassOf(new TypeError('x'))).toBe('TypeError');
    expect(errorClassOf(new WriteConflict('x'))).toBe('WriteConflict');
    expect(errorClassOf(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe('AbortError');
    expect(errorClassOf(Object.assign(new Error('x'), { name: 'not valid!' }))).toBe('Error');
    expect(errorClassOf('a string')).toBe('NonError');
    expect(errorClassOf({ message: 'x' })).toBe('NonError');
  });
});

describe('scrubbing', () => {
  it('takes out emails, credentials, secrets, opaque tokens and card numbers', () => {
    const cartToken = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdE';
    const text = [
      'user ann@example.com failed',
      'Authorization: Bearer abc.def',
      `token=${cartToken}`,
      'password: hunter2',
      '"apiKey": "k-123"',
      'sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'card 4111 1111 1111 1111',
      'the admin-secret-value-xyz leaked',
    ].join('\n');
    const out = scrubError(text, ['admin-secret-value-xyz']);
    for (const secret of [
      'ann@example.com',
      'abc.def',
      cartToken,
      'hunter2',
      'k-123',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      '4111 1111 1111 1111',
      'admin-secret-value-xyz',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('user [email] failed');
  });

  it('keeps what helps to debug: ids, error classes, paths and frames', () => {
    const text = [
      'TokenExpiredError: cart 0b5a4a4e-5c1f-4c55-9a33-0d1b2f3e4a5b not found',
      '    at CartService.checkout (/srv/shop/packages/server/src/domain/cart-service.ts:238:7)',
      'ERR_SOMETHING_QUITE_LONG_BUT_NOT_RANDOM_AT_ALL',
    ].join('\n');
    expect(scrubError(text)).toBe(text);
  });

  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('turns id segments of a page into :id', () => {
    expect(pageRoute('/cart/0b5a4a4e-5c1f-4c55-9a33-0d1b2f3e4a5b')).toBe('/cart/:id');
    expect(pageRoute('/orders/123/items')).toBe('/orders/:id/items');
    expect(pageRoute('/')).toBe('/');
  });
});
