import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Config } from '../config.ts';
import { hashToken, safeEqual, sha256Hex, CART_TOKEN_PATTERN } from '../security/tokens.ts';
import { HttpProblem } from './problem.ts';
import type { AdminSession } from './admin-session.ts';
import type { RoutePolicy } from './route-policy.ts';

export const CART_COOKIE = 'cart_token';
export const CSRF_COOKIE = 'csrf_token';
/** The dashboard's login (POST /api/admin/session): a signed, expiring admin session. */
export const ADMIN_SESSION_COOKIE = 'admin_session';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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

/**
 * A string that identifies the credential for scoping idempotency keys (not secret-revealing).
 * A route that takes no credential (`auth: 'none'`: creating a cart) is scoped by the client
 * address alone, whatever cookie comes with it: the creation sets the cart cookie itself, so
 * a retry after an answer lost on its way (its headers, and the cookie, arrived; its body did
 * not) carries a cookie the first try did not, and must still get the same cart back.
 */
export function credentialScope(request: FastifyRequest, auth: RoutePolicy['auth']): string {
  if (auth === 'none') return `anonymous:${request.ip}`;
  const token = bearer(request);
  if (token !== null) return `bearer:${hashToken(token).toString('hex')}`;
  const cookie = request.cookies[CART_COOKIE];
  if (cookie !== undefined) return `cookie:${hashToken(cookie).toString('hex')}`;
  // Without a credential the client address scopes the key, so that a key another
  // client happened to use never replays that client's answer (a new cart's token).
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

/**
 * Admin access, checked before the body is read: `Authorization: Bearer <ADMIN_TOKEN>`,
 * or the dashboard's session cookie (see admin-session.ts). A change authenticated by
 * the cookie must also pass the CSRF check (same origin and `X-CSRF-Token`), exactly as
 * a cart change by cookie does. A bearer header, when present, is the credential: a
 * wrong one is refused even if a valid cookie came along.
 */
/** The OpenAPI security of every admin route: the bearer token or a dashboard session. */
export const ADMIN_SECURITY: Record<string, string[]>[] = [
  { adminToken: [] },
  { adminSession: [] },
];

/**
 * An `onRequest` hook that lets only the admin through (`requireAdmin`), before the
 * body is read: every admin route plugin adds it.
 */
export function adminOnly(config: Config): onRequestHookHandler {
  return (request, _reply, done) => {
    requireAdmin(config, request).then(
      () => done(),
      (error: unknown) => done(error as Error),
    );
  };
}

/**
 * Resolves when the request carries the admin credential, with its dashboard session (null
 * for the bearer token); rejects with 401 (or 403 for a cookie change without CSRF).
 * Asynchronous: a session cookie is checked against the sign-outs kept in the database
 * (admin-session.ts).
 */
export async function requireAdmin(
  config: Config,
  request: FastifyRequest,
): Promise<AdminSession | null> {
  const token = bearer(request);
  if (token !== null) {
    if (isAdminToken(config, token)) return null;
    throw adminUnauthorized();
  }
  const sessions = (request.server as Partial<FastifyInstance>).adminSessions;
  const session = sessions ? await sessions.verify(request.cookies[ADMIN_SESSION_COOKIE]) : null;
  if (!sessions || !session) throw adminUnauthorized();
  if (UNSAFE_METHODS.has(request.method)) sessions.csrf.verify(request);
  return session;
}

/**
 * Whether `token` is ADMIN_TOKEN. Both are hashed first, so the comparison is constant
 * time and does not even reveal the token's length.
 */
export function isAdminToken(config: Config, token: string): boolean {
  return (
    config.ADMIN_TOKEN !== undefined && safeEqual(sha256Hex(token), sha256Hex(config.ADMIN_TOKEN))
  );
}

function adminUnauthorized(): HttpProblem {
  return new HttpProblem(
    'UNAUTHORIZED',
    'This needs the admin credential: Authorization: Bearer <ADMIN_TOKEN>, or a dashboard login (POST /api/admin/session).',
    { headers: { 'www-authenticate': 'Bearer realm="cart-admin"' } },
  );
}
