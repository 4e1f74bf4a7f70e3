import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pino from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { newCartToken } from '../security/tokens.ts';
import { EMAIL_REDACTED, REDACTED, lineScrubber, redactFields, scrubText } from './redact.ts';

const csrfToken = () =>
  `${randomBytes(18).toString('base64url')}.${randomBytes(32).toString('base64url')}`;

describe('scrubText', () => {
  it('replaces cart tokens, CSRF tokens, bearer credentials and email addresses', () => {
    const token = newCartToken();
    const csrf = csrfToken();
    const text = `cart ${token}, csrf ${csrf}, Authorization: Bearer s3cr3t-admin, mail Ada.L+x@mail.example.co.uk`;
    const out = scrubText(text);
    expect(out).toBe(
      `cart ${REDACTED}, csrf ${REDACTED}, Authorization: Bearer ${REDACTED}, mail ${EMAIL_REDACTED}`,
    );
  });

  it('finds an email percent-encoded, as in a query string', () => {
    expect(scrubText('/x?email=ada%40example.com&y=1')).toBe(`/x?email=${EMAIL_REDACTED}&y=1`);
  });

  it('replaces configured secrets wherever they appear', () => {
    expect(scrubText('token=abc-admin-secret-123;', ['abc-admin-secret-123'])).toBe(
      `token=${REDACTED};`,
    );
  });

  it('leaves ordinary text alone: ids, paths, package scopes, one-case words of 43 letters', () => {
    const text = [
      'request 3f1c2a9e-2b7d-4c1e-9a8b-0123456789ab took 1.2 ms',
      'at handler (/work/main/node_modules/@fastify/cookie/plugin.js:12:3)',
      'x'.repeat(43),
      'a-lowercase-file-name-that-is-43-chars-long',
      'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'route /api/carts/:id/lines answered 200',
    ].join('\n');
    expect(scrubText(text)).toBe(text);
  });

  it('scrubs every cart token, whatever its characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string(), (bytes, around) => {
        const token = Buffer.from(bytes).toString('base64url');
        const out = scrubText(`${around} ${token} ${around}`);
        expect(out).not.toContain(token);
      }),
    );
  });
});

describe('redactFields', () => {
  it('replaces the values of sensitive fields at any depth, and only those', () => {
    expect(
      redactFields({
        a: { b: [{ password: 'p', Email: 'e', note: 'n' }], sourceToken: 't' },
        headers: { Cookie: 'c', 'Set-Cookie': ['s'], 'x-csrf-token': 'x', authorization: 'a' },
        count: 3,
      }),
    ).toEqual({
      a: { b: [{ password: REDACTED, Email: REDACTED, note: 'n' }], sourceToken: REDACTED },
      headers: {
        Cookie: REDACTED,
        'Set-Cookie': REDACTED,
        'x-csrf-token': REDACTED,
        authorization: REDACTED,
      },
      count: 3,
    });
  });
});

describe('lineScrubber', () => {
  const scrub = lineScrubber(['configured-admin-token-0123456789', 'short']);

  it('keeps every line one valid JSON object, whatever was logged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, text) => {
        const token = newCartToken();
        const line = `${JSON.stringify({ level: 30, value, msg: `${text}\n${token} ada@example.com` })}\n`;
        const out = scrub(line);
        expect(out.endsWith('\n')).toBe(true);
        expect(() => JSON.parse(out) as unknown).not.toThrow();
        expect(out).not.toContain(token);
        expect(out).not.toContain('ada@example.com');
      }),
    );
  });

  it('does not let an escape sequence shield a token or mangle the escape', () => {
    const token = newCartToken();
    const line = `${JSON.stringify({ msg: `line\n${token}\tbob@example.org` })}\n`;
    const out = scrub(line);
    expect(JSON.parse(out)).toEqual({ msg: `line\n${REDACTED}\t${EMAIL_REDACTED}` });
  });

  it('redacts configured secrets in their JSON-escaped form too, and ignores very short ones', () => {
    const quoted = lineScrubber(['admin"token\\0123456789']);
    const out = quoted(`${JSON.stringify({ msg: 'x admin"token\\0123456789 y' })}\n`);
    expect(JSON.parse(out)).toEqual({ msg: `x ${REDACTED} y` });
    expect(scrub(`${JSON.stringify({ msg: 'short' })}\n`)).toContain('short');
  });

  it('works as pino’s streamWrite hook: fields, messages, errors and bindings are scrubbed', () => {
    let written = '';
    const log = pino(
      { hooks: { streamWrite: scrub } },
      new Writable({
        write(chunk: Buffer, _e, done) {
          written += chunk.toString();
          done();
        },
      }),
    );
    const token = newCartToken();
    const csrf = csrfToken();
    log
      .child({ email: 'child@example.com' })
      .error(
        { err: new Error(`bad token ${token}`), body: { cookie: `cart_token=${token}`, csrf } },
        `for configured-admin-token-0123456789 and grace@example.org`,
      );
    const line = JSON.parse(written) as Record<string, unknown>;
    expect(line).toMatchObject({
      email: REDACTED,
      msg: `for ${REDACTED} and ${EMAIL_REDACTED}`,
      body: { cookie: REDACTED, csrf: REDACTED },
      err: { message: `bad token ${REDACTED}` },
    });
    for (const secret of [token, csrf, 'child@example.com', 'configured-admin-token'])
      expect(written).not.toContain(secret);
  });
});
