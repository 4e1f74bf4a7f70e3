/**
 * What every instance on one database shares (migration 005): the server secret, created
 * once by whichever asks first and the same for everyone after, and signed-out dashboard
 * sessions, seen by every adapter on the database until the sweep deletes them.
 *
 * Secret names and session ids are fresh per test, so no other test's rows matter.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OpenedStorage } from './storage-contract.ts';

const secretName = () => `contract-${randomUUID()}`;
const sessionId = () => randomBytes(16).toString('base64url');

export function defineSharedContract(subject: OpenedStorage): void {
  describe('shared by every instance', () => {
    it('stores the first candidate of a secret and returns it to every later caller', async () => {
      const { storage, reopen } = await subject();
      const name = secretName();
      const first = randomBytes(32);
      expect(await storage.serverSecret(name, first)).toEqual(first);
      expect(await storage.serverSecret(name, randomBytes(32))).toEqual(first);

      const other = await reopen();
      try {
        expect(await other.serverSecret(name, randomBytes(32))).toEqual(first);
        // Another name is another secret.
        const second = randomBytes(48);
        expect(await other.serverSecret(secretName(), second)).toEqual(second);
      } finally {
        await other.close();
      }
    });

    it('gives adapters asking at the same moment one and the same secret', async () => {
      const { storage, reopen } = await subject();
      const other = await reopen();
      try {
        const name = secretName();
        const candidates = Array.from({ length: 6 }, () => randomBytes(32));
        const answers = await Promise.all(
          candidates.map((c, i) => (i % 2 === 0 ? storage : other).serverSecret(name, c)),
        );
        const winner = answers[0];
        expect(candidates.some((c) => winner?.equals(c))).toBe(true);
        for (const answer of answers) expect(answer).toEqual(winner);
      } finally {
        await other.close();
      }
    });

    it('refuses a secret shorter than 32 bytes, and stores nothing', async () => {
      const { storage } = await subject();
      const name = secretName();
      await expect(storage.serverSecret(name, randomBytes(16))).rejects.toThrow();
      const good = randomBytes(32);
      expect(await storage.serverSecret(name, good)).toEqual(good);
    });

    it('keeps signed-out sessions for every adapter until the purge after their expiry', async () => {
      const { storage, reopen } = await subject();
      const early = sessionId();
      const late = sessionId();
      expect(await storage.isAdminSessionRevoked(early)).toBe(false);
      await storage.revokeAdminSession(early, '2040-01-01T08:00:00.000Z');
      await storage.revokeAdminSession(early, '2040-01-01T08:00:00.000Z'); // again: harmless
      await storage.revokeAdminSession(late, '2040-01-01T09:00:00.000Z');

      const other = await reopen();
      try {
        expect(await other.isAdminSessionRevoked(early)).toBe(true);
        expect(await other.isAdminSessionRevoked(late)).toBe(true);
        expect(await other.isAdminSessionRevoked(sessionId())).toBe(false);

        // Nothing has expired yet; then only `early` (expiry included), then `late`.
        expect(await other.purgeRevokedAdminSessions('2040-01-01T07:59:59.999Z')).toBe(0);
        expect(await other.purgeRevokedAdminSessions('2040-01-01T08:00:00.000Z')).toBe(1);
        expect(await storage.isAdminSessionRevoked(early)).toBe(false);
        expect(await storage.isAdminSessionRevoked(late)).toBe(true);
        expect(await storage.purgeRevokedAdminSessions('2040-01-01T09:30:00.000Z')).toBe(1);
        expect(await storage.isAdminSessionRevoked(late)).toBe(false);
      } finally {
        await other.close();
      }
    });
  });
}
