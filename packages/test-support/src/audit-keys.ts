/** Audit keys for test servers. */

/** AUDIT_KEYS of test servers on PostgreSQL (SQLite ones make their own key file). */
export const TEST_AUDIT_KEYS = `test-audit:${Buffer.alloc(32, 0x5a).toString('base64')}`;

/** AUDIT_KEYS when `databaseUrl` is PostgreSQL, which refuses to start without a key. */
export const auditKeysFor = (databaseUrl: string | undefined): Record<string, string> =>
  /^postgres(ql)?:/.test(databaseUrl ?? '') ? { AUDIT_KEYS: TEST_AUDIT_KEYS } : {};
