import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import { ADMIN_SESSION_MAX_AGE_SECONDS, AdminSessions } from './admin-session.ts';
import { Csrf } from './csrf.ts';

// The signed session values themselves, below the routes (routes/admin-session.test.ts
// covers signing in and out over HTTP): what a value must be to be a session, when it
// stops being one, and what a sign-out keeps.
const secret = Buffer.alloc(32, 5);
const adminToken = 'the-admin-token-of-this-test';
const storage = new SqliteStorage(':memory:');
const csrf = new Csrf(secret, loadConfig({ DATABASE_URL: 'sqlite::memory:' }));
afterAll(() => storage.close());

/** Sessions whose clock reads `seconds` (epoch seconds), with `token` as ADMIN_TOKEN. */
const sessions = (seconds: number, token: string | undefined) =>
  new AdminSessions(secret, token, csrf, storage, () => seconds * 1000);
const at = (seconds: number) => sessions(seconds, adminToken);

const T = 1_800_000_000;

describe('AdminSessions', () => {
  it('issues a value that verifies as a session ending after the maximum age', async () => {
    const value = at(T).issue();
    expect(value).toMatch(/^v1\.[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43}$/);
    const session = await at(T).verify(value);
    expect(session).toEqual({
      id: value.split('.')[1],
      expiresAt: T + ADMIN_SESSION_MAX_AGE_SECONDS,
    });
  });

  it('ends at its expiry, to the second', async () => {
    const value = at(T).issue();
    const end = T + ADMIN_SESSION_MAX_AGE_SECONDS;
    expect(await at(end - 1).verify(value)).not.toBeNull();
    expect(await at(end).verify(value)).toBeNull();
  });

  it('refuses a signed value that ends later than a session issued now could', async () => {
    // Issued by a clock 60 s ahead: still within the allowance; any further and it is refused.
    expect(await at(T).verify(at(T + 60).issue())).not.toBeNull();
    expect(await at(T).verify(at(T + 61).issue())).toBeNull();
  });

  it('needs ADMIN_TOKEN: without it none is issued and no value verifies', async () => {
    const none = sessions(T, undefined);
    expect(() => none.issue()).toThrow(new Error('admin sessions need ADMIN_TOKEN'));
    expect(await none.verify(undefined)).toBeNull();
    // Not even one signed with the key the sessions would use in its place.
    const id = 'A'.repeat(22);
    const expiresAt = T + 3600;
    const mac = createHmac('sha256', Buffer.alloc(32))
      .update(`v1.${id}.${expiresAt}`)
      .digest('base64url');
    expect(await none.verify(`v1.${id}.${expiresAt}.${mac}`)).toBeNull();
  });

  it('keeps a sign-out until the session would have ended, so the purge leaves it refused', async () => {
    const value = at(T).issue();
    const session = (await at(T).verify(value))!;
    await at(T).revoke(session);
    expect(await at(T).verify(value)).toBeNull();
    // The background purge, an hour later, drops only sign-outs of sessions that ended.
    await storage.purgeRevokedAdminSessions(new Date((T + 3600) * 1000).toISOString());
    expect(await at(T + 3600).verify(value)).toBeNull();
  });
});
