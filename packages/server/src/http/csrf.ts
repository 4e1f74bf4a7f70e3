import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { hmac, safeEqual } from '../security/tokens.ts';
import { CSRF_COOKIE, isSecure } from './credentials.ts';
import { HttpProblem } from './problem.ts';

/**
 * CSRF defence for cookie-authenticated changes (docs/security.md), in two independent
 * layers: the request must be same-origin (Sec-Fetch-Site, else Origin), and it must
 * carry a signed double-submit token: `X-CSRF-Token` equal to the `csrf_token` cookie,
 * and signed by this server (so a cookie planted by a sibling subdomain is useless).
 */
export class Csrf {
  constructor(
    private readonly secret: Buffer,
    private readonly config: Config,
  ) {}

  issue(request: FastifyRequest, reply: FastifyReply): string {
    const nonce = randomBytes(18).toString('base64url');
    const token = `${nonce}.${hmac(this.secret, `csrf:${nonce}`)}`;
    void reply.setCookie(CSRF_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: isSecure(request),
      path: '/',
    });
    return token;
  }

  private validToken(token: string): boolean {
    const [nonce, signature, extra] = token.split('.');
    return (
      extra === undefined &&
      !!nonce &&
      !!signature &&
      safeEqual(signature, hmac(this.secret, `csrf:${nonce}`))
    );
  }

  /**
   * Whether the request comes from our own pages: `Sec-Fetch-Site: same-origin` (or
   * `none`, typed by the user), else an `Origin` equal to our scheme and host or listed
   * in ALLOWED_ORIGINS. `strict` demands a browser signal; otherwise a request with
   * neither header (curl, a server) passes.
   */
  sameOrigin(request: FastifyRequest, strict: boolean): boolean {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined) return site === 'same-origin' || site === 'none';
    const origin = request.headers.origin;
    if (origin === undefined) return !strict;
    const own = `${request.protocol}://${request.host}`;
    return origin === own || this.config.ALLOWED_ORIGINS.includes(origin);
  }

  /** Throws 403 CSRF_TOKEN_INVALID unless a cookie-authenticated change is safe. */
  verify(request: FastifyRequest): void {
    const header = request.headers['x-csrf-token'];
    const cookie = request.cookies[CSRF_COOKIE];
    const tokenOk =
      typeof header === 'string' &&
      cookie !== undefined &&
      safeEqual(header, cookie) &&
      this.validToken(header);
    if (!this.sameOrigin(request, true) || !tokenOk) {
      throw new HttpProblem(
        'CSRF_TOKEN_INVALID',
        'This change must come from the shop page itself, with its CSRF token (GET /api/csrf).',
      );
    }
  }

  /**
   * For requests that do not need a token (creating a cart, signing in or out): refuse
   * only a cross-site browser, saying `what` it tried ("Carts can be created").
   */
  verifyOrigin(request: FastifyRequest, what: string): void {
    if (!this.sameOrigin(request, false)) {
      throw new HttpProblem('CSRF_TOKEN_INVALID', `${what} only from the shop's own pages.`);
    }
  }
}
