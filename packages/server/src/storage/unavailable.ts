/**
 * Whether an error means "the database cannot be reached or dropped us" — a condition a
 * client should retry after a pause (503 UNAVAILABLE with Retry-After) — as opposed to a
 * bug. A transaction that fails this way was rolled back, or (if the connection died
 * during COMMIT) its outcome is unknown to us; either way a retry with the same
 * Idempotency-Key is safe.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

export function isStorageUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      // PostgreSQL SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown,
      // crash, cannot connect now), 53300 (too many connections).
      // 57014: statement timeout (a lock or query took too long; rolled back);
      // 55P03: lock not available.
      if (
        /^08/.test(code) ||
        /^57P0[1-3]$/.test(code) ||
        code === '53300' ||
        code === '57014' ||
        code === '55P03'
      )
        return true;
      if (NETWORK_CODES.has(code)) return true;
      // SQLite: the file is locked by another process for longer than busy_timeout.
      if (code === 'SQLITE_BUSY') return true;
    }
    if (
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(
        e.message,
      )
    ) {
      return true;
    }
    if (e instanceof AggregateError && e.errors.some((inner) => isStorageUnavailable(inner)))
      return true;
  }
  return false;
}
