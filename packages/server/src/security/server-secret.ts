import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Storage } from '../storage/port.ts';

/** The name of the stored secret that signs CSRF tokens and (with ADMIN_TOKEN) sessions. */
export const SIGNING_SECRET = 'signing';

/**
 * The server secret: it signs CSRF tokens and, together with ADMIN_TOKEN, dashboard
 * sessions (http/csrf.ts, http/admin-session.ts).
 *
 * SECRET, when set, wins: the operator chose it, and changing it ends every session and
 * CSRF token at once. Otherwise the secret is the one stored in the database, generated
 * by the first instance that starts on it (32 random bytes), so every instance on one
 * database signs alike, with no setup, and a restart changes nothing.
 *
 * Keeping it in the database is acceptable because of what it protects: a CSRF token is
 * one half of a defence whose other half is the same-origin check, and someone who can
 * read the database can already change carts directly. Dashboard sessions are keyed from
 * this secret *and* ADMIN_TOKEN, which is never stored, so reading the database is not
 * enough to forge an admin session.
 *
 * An instance that can neither read nor store the secret must not start with a key of
 * its own (its tokens and sessions would be refused by its siblings, and its sign-outs
 * unknown to them): this throws, with one line saying what to do.
 */
export async function serverSecret(
  config: Pick<Config, 'SECRET'>,
  storage: Pick<Storage, 'serverSecret'>,
): Promise<Buffer> {
  if (config.SECRET) return Buffer.from(config.SECRET);
  try {
    return await storage.serverSecret(SIGNING_SECRET, randomBytes(32));
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    throw new Error(
      `the shared secret (for CSRF tokens and dashboard sessions) could not be read or stored in the database: ${reason}. ` +
        'Fix the database, or set SECRET (at least 32 characters, the same on every instance).',
      { cause: error },
    );
  }
}
