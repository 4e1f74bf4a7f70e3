import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { hashToken, safeEqual, CART_TOKEN_PATTERN } from '../security/tokens.ts';
import { HttpProblem } from './problem.ts';

export const CART_COOKIE = 'cart_token';
export const CSRF_COOKIE = 'csrf_token';

export interface CartCredential {
  /** How the token came: a bearer header, the browser cookie, or not at all. */
  kind: 'bearer' | 'cookie' | 'none';
  /** SHA-256 of the presented token; null when none or malformed (answers as a wrong token). */
  hash: Buffer | null;
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer ([\x21-\x7E]+)$/i.exec(header);
  return m?.[1] ?? '';
}

/** The cart credential of a request: `Authorization: Bearer <token>`, else the cookie. */
export function cartCredential(request: FastifyRequest): CartCredential {
  const token = bearer(request);
  if (token !== null)
    return { kind: 'bearer', hash: CART_TOKEN_PATTERN.test(token) ? hashToken(token) : null };
  const cookie = request.cookies[CART_COOKIE];
  if (cookie !== undefined)
    return { kind: 'cookie', hash: CART_TOKEN_PATTERN.test(cookie) ? hashToken(cookie) : null };
  return { kind: 'none', hash: null };
}

/** A string that identifies the credential for scoping idempotency keys (not secret-revealing). */
export function credentialScope(request: FastifyRequest): string {
  const token = bearer(request);
  if (token !== null) return `bearer:${hashToken(token).toString('hex')}`;
  const cookie = request.cookies[CART_COOKIE];
  if (cookie !== undefined) return `cookie:${hashToken(cookie).toString('hex')}`;
  // Without a credential (creating a cart) the client address scopes the key, so that
  // a key another client happened to use never replays that client's new cart token.
  return `anonymous:${request.ip}`;
}

/** Whether the request is over TLS (directly, or as a trusted proxy says). */
export const isSecure = (request: FastifyRequest) => request.protocol === 'https';

/** Sets the cart cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, scoped to the API. */
export function setCartCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
): void {
  void reply.setCookie(CART_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecure(request),
    path: '/api',
    maxAge: maxAgeSeconds,
  });
}

/** Admin access: `Authorization: Bearer <ADMIN_TOKEN>`; checked before the body is read. */
export function requireAdmin(config: Config, request: FastifyRequest): void {
  const token = bearer(request);
  if (config.ADMIN_TOKEN === undefined || token === null || !safeEqual(token, config.ADMIN_TOKEN)) {
    throw new HttpProblem(
      'UNAUTHORIZED',
      'This needs the admin credential: Authorization: Bearer <ADMIN_TOKEN>.',
      {
        headers: { 'www-authenticate': 'Bearer realm="cart-admin"' },
      },
    );
  }
}
