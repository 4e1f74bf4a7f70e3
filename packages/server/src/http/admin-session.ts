import { createHmac, randomBytes } from 'node:crypto';
import { hmac, safeEqual } from '../security/tokens.ts';
import type { Storage } from '../storage/port.ts';
import type { Csrf } from './csrf.ts';

/** How long a dashboard login lasts, at most. */
export const ADMIN_SESSION_MAX_AGE_SECONDS = 8 * 3600;

/** A verified session: its id (for logout) and when it ends (epoch seconds). */
export interface AdminSession {
  id: string;
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The dashboard's login sessions; `requireAdmin` accepts one instead of the bearer. */
    adminSessions: AdminSessions;
  }
}

const VALUE = /^v1\.([A-Za-z0-9_-]{22})\.([1-9]\d{0,11})\.([A-Za-z0-9_-]{43})$/;

/** Where sign-outs are kept: the database, shared by every instance (storage/port.ts). */
export type RevokedSessions = Pick<Storage, 'revokeAdminSession' | 'isAdminSessionRevoked'>;

/**
 * Signed admin sessions for the dashboard's cookie: `v1.<id>.<expiry>.<mac>`, an
 * HMAC-SHA256 over the id and expiry. The key is derived from the server secret (the one
 * that signs CSRF tokens: SECRET, else the one stored in the database, see
 * security/server-secret.ts) *and* ADMIN_TOKEN, so rotating either one ends every
 * session at once, and someone who can read the database cannot forge a session.
 *
 * Nothing is stored per session, except a sign-out: its id goes to the database until
 * the session would have expired anyway (the background sweep then deletes it), so every
 * instance refuses it, restarts included. A cookie whose signature checks is looked up
 * there on every request: admin traffic is a handful of people, so one indexed read per
 * request costs nothing worth caching, and a cache would let a signed-out session work
 * on another instance for as long as it lived. A forged or expired cookie is refused
 * before any read.
 */
export class AdminSessions {
  private readonly key: Buffer | null;

  constructor(
    secret: Buffer,
    adminToken: string | undefined,
    /** CSRF check for changes authenticated by the session cookie. */
    readonly csrf: Csrf,
    private readonly revoked: RevokedSessions,
    private readonly now: () => number = Date.now,
  ) {
    this.key =
      adminToken === undefined
        ? null
        : createHmac('sha256', secret).update(`admin-session\u0000${adminToken}`).digest();
  }

  private mac(id: string, expiresAt: number): string {
    return hmac(this.key ?? Buffer.alloc(32), `v1.${id}.${expiresAt}`);
  }

  /** A new session value, valid for ADMIN_SESSION_MAX_AGE_SECONDS from now. */
  issue(): string {
    if (this.key === null) throw new Error('admin sessions need ADMIN_TOKEN');
    const id = randomBytes(16).toString('base64url');
    const expiresAt = Math.floor(this.now() / 1000) + ADMIN_SESSION_MAX_AGE_SECONDS;
    return `v1.${id}.${expiresAt}.${this.mac(id, expiresAt)}`;
  }

  /** The session a cookie value holds, when it is signed by us, unexpired and not signed out. */
  async verify(value: string | undefined): Promise<AdminSession | null> {
    if (this.key === null || value === undefined) return null;
    const m = VALUE.exec(value);
    if (!m) return null;
    const [, id = '', exp = '', mac = ''] = m;
    const expiresAt = Number(exp);
    if (!safeEqual(mac, this.mac(id, expiresAt))) return null;
    const nowSeconds = this.now() / 1000;
    // Signed by us, so never issued for longer than the maximum; the bound still keeps a
    // session from outliving a shortened maximum after an upgrade.
    if (expiresAt <= nowSeconds || expiresAt > nowSeconds + ADMIN_SESSION_MAX_AGE_SECONDS + 60)
      return null;
    if (await this.revoked.isAdminSessionRevoked(id)) return null;
    return { id, expiresAt };
  }

  /** Ends a session (sign-out): every instance refuses it from now on, until it expires. */
  async revoke(session: AdminSession): Promise<void> {
    await this.revoked.revokeAdminSession(
      session.id,
      new Date(session.expiresAt * 1000).toISOString(),
    );
  }
}
