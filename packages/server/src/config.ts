import * as z from 'zod';
import { AlertRulesConfig } from './alerts/rules.ts';
import { parseAuditKeys, type AuditKey } from './audit/keyring.ts';

/** `"true"`/`"false"` (and 1/0, yes/no, on/off) from the environment. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      message: 'must be true or false',
    })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const DatabaseUrl = z
  .string()
  .default('sqlite:./data/cart.db')
  .refine((v) => /^sqlite:.+/.test(v) || (/^postgres(ql)?:\/\/./.test(v) && URL.canParse(v)), {
    message: 'must be sqlite:<path> or postgres://user@host:port/database',
  });

/**
 * Configuration, read once at start from the environment (the README's configuration table). Every value is
 * checked here; a bad one stops the start with one line naming it.
 */
export const ConfigSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: DatabaseUrl,
  /** PostgreSQL connections each process may open. */
  DATABASE_POOL_MAX: int(10, 1, 200),
  /**
   * SQLite group commit: how long a group of writes stays open for more, in ms. 0 (the
   * default) commits at the end of the event-loop turn that opened it: writes arriving
   * together share one fsync, and a lone write waits for nothing. A few ms more makes
   * larger groups under heavy load, at that cost in latency (docs/performance.md).
   */
  SQLITE_COMMIT_WINDOW_MS: int(0, 0, 100),
  /**
   * SQLite's `synchronous` setting. `full` (the default): every commit is on disk before
   * any change in it is acknowledged, through a crash of the machine or a power loss.
   * `normal`: commits are synced at checkpoints only, so an acknowledged change survives
   * a crash of the process but the last ones may be lost with the machine's power
   * (docs/performance.md).
   */
  SQLITE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  /** Longest a PostgreSQL statement may run (lock waits included) before it is cancelled. */
  DATABASE_STATEMENT_TIMEOUT_MS: int(5000, 100, 600_000),
  /**
   * Longest a request waits for a PostgreSQL connection, one of the pool's coming free or
   * a new one opening, before it fails (answered 503 UNAVAILABLE with Retry-After).
   */
  DATABASE_POOL_WAIT_MS: int(5000, 100, 600_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be redis://host:port or rediss://…')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1–64 letters, digits, ":", "_" or "-"')
    .default('cart:'),
  /**
   * Longest one Redis command (a rate-limit hit, a publish, the readiness ping) may take:
   * past it the hit is counted in this process instead, so a stalled Redis never holds
   * up a request for longer than this.
   */
  REDIS_COMMAND_TIMEOUT_MS: int(250, 10, 10_000),
  ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7E]+$/, 'must be visible ASCII')
    .optional(),
  SEED_DEMO: flag(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The default region a store without regions gets on its first start (seed/regions.ts);
  // regions are admin data from then on.
  TAX_RATE_BPS: int(0, 0, 10_000),
  CURRENCY: z.literal('USD').default('USD'),
  CART_TTL_SECONDS: int(30 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
  MAX_LINES_PER_CART: int(100, 1, 10_000),
  MAX_QUANTITY_PER_LINE: int(999, 1, 1_000_000),
  MAX_DISCOUNTS_PER_CART: int(5, 1, 100),
  MAX_BODY_BYTES: int(64 * 1024, 1024, 10 * 1024 * 1024),
  MAX_BATCH_ACTIONS: int(100, 1, 1000),
  IDEMPOTENCY_TTL_SECONDS: int(24 * 3600, 24 * 3600, 30 * 24 * 3600),
  /**
   * Largest cart, as answered (JSON bytes): a change or merge that would make it larger is
   * refused whole with 422 CART_TOO_LARGE. A full cart of realistic products (100 demo
   * lines with four attributes each, a full note, an email) weighs 45 KB (docs/api.md).
   */
  MAX_CART_BYTES: int(256 * 1024, 16 * 1024, 16 * 1024 * 1024),
  /**
   * The bound of each of the two caches of carts by version, in characters of JSON (the
   * objects take about as much again): the priced, serialized carts a read answers from
   * when the cart is still at the version seen last (CartService.read), and, on SQLite,
   * the states a change starts from without parsing its row again. 0 turns both off.
   */
  CART_CACHE_MAX_BYTES: int(32 * 1024 * 1024, 0, 4 * 1024 * 1024 * 1024),
  /**
   * Idempotent answers kept per cart: storing one more deletes that cart's oldest, so a
   * retry with a key older than the newest this many is applied again as a new request.
   */
  MAX_IDEMPOTENT_ANSWERS_PER_CART: int(100, 10, 10_000),
  // false; true (every hop: only when the proxy overwrites X-Forwarded-For); a hop count;
  // or the proxies' addresses/CIDRs, comma-separated (the safest).
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx): boolean | number | string[] => {
      if (v === undefined || ['false', '0', 'no', 'off'].includes(v)) return false;
      if (['true', 'yes', 'on'].includes(v)) return true;
      if (/^[1-9]\d?$/.test(v)) return Number(v);
      const list = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (list.length > 0 && list.every((a) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a))) return list;
      ctx.addIssue({
        code: 'custom',
        message: 'must be true, false, a hop count, or proxy addresses/CIDRs',
      });
      return z.NEVER;
    }),
  RATE_LIMITS: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 3600),
  RATE_LIMIT_CLIENT: int(600, 1, 1_000_000),
  RATE_LIMIT_CART: int(120, 1, 1_000_000),
  RATE_LIMIT_DISCOUNT_CART: int(10, 1, 1_000_000),
  RATE_LIMIT_DISCOUNT_CLIENT: int(30, 1, 1_000_000),
  RATE_LIMIT_CHECKOUT: int(10, 1, 1_000_000),
  /**
   * Dashboard sign-in attempts (`POST /api/admin/session`) per client and window: each
   * one is a guess of ADMIN_TOKEN, so it gets a budget of its own, well under the client's.
   */
  RATE_LIMIT_ADMIN_LOGIN: int(10, 1, 1_000_000),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.url())),
  /**
   * Signs CSRF tokens and (with ADMIN_TOKEN) dashboard sessions. Optional, even with
   * several instances: unset, they share one generated once and kept in the database
   * (security/server-secret.ts). Changing it ends every session and CSRF token.
   */
  SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 120_000),

  // ---- live-event streams, GET /api/carts/:id/events (docs/security.md, API4) ----
  /** Streams one client (address; IPv6 /64) may have open on this instance; then 429. */
  LIVE_STREAMS_PER_CLIENT: int(10, 1, 100_000),
  /** Streams one cart may have open on this instance; then 429. */
  LIVE_STREAMS_PER_CART: int(20, 1, 100_000),
  /** Streams this instance keeps open in all (each holds a socket); then 503. */
  LIVE_STREAMS_MAX: int(1000, 1, 1_000_000),
  /** A stream is ended after this long (less up to a tenth, at random); the client reconnects. */
  LIVE_STREAM_LIFETIME_SECONDS: int(30 * 60, 1, 24 * 3600),
  /**
   * Bytes a subscriber may leave unsent (it does not read) before it is disconnected.
   * Keep it above MAX_CART_BYTES: a slow reader holds at most about one cart unsent.
   */
  LIVE_STREAM_MAX_BUFFERED_BYTES: int(1024 * 1024, 16 * 1024, 256 * 1024 * 1024),

  // ---- sockets (docs/deploy.md#timeouts) ----
  /** Longest a client may take to send a whole request, headers and body (then 408). */
  REQUEST_TIMEOUT_MS: int(30_000, 200, 600_000),
  /** Longest a client may take to send the request's headers (at most REQUEST_TIMEOUT_MS). */
  HEADERS_TIMEOUT_MS: int(10_000, 200, 600_000),
  /** How long an idle keep-alive connection is kept: longer than the proxy's own. */
  KEEP_ALIVE_TIMEOUT_MS: int(72_000, 1000, 600_000),
  /**
   * A connection on which nothing moves either way for this long is closed (an answer
   * the client does not read, say). Above the live-event stream's 15 s heartbeat.
   */
  CONNECTION_TIMEOUT_MS: int(60_000, 20_000, 3_600_000),

  // ---- the audit chain's keys (docs/security.md#the-audit-log) ----
  /**
   * HMAC keys of the audit chain: `id:base64secret` entries (each secret at least 32
   * bytes), comma-separated, the signing key first, the older ones after it (they only
   * verify). Never stored in the database. With PostgreSQL this or AUDIT_KEY_FILE is
   * required (every instance must sign with the same key); on SQLite without either,
   * the key file `audit.key` next to the database file is used, made on first start.
   */
  AUDIT_KEYS: z
    .string()
    .optional()
    .transform((v, ctx): AuditKey[] | undefined => {
      if (v === undefined) return undefined;
      try {
        return parseAuditKeys(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** A file holding the audit keys in the AUDIT_KEYS format, one a line (a mounted secret). */
  AUDIT_KEY_FILE: z.string().min(1).optional(),

  // ---- error groups (docs/operations.md#error-tracking; docs/security.md, API4) ----
  /**
   * New error groups one client (address) may start per hour with its reports
   * (`POST /api/client-errors`); beyond that, its reports still count in groups that
   * exist, and a report that would start one more is dropped (and counted).
   */
  ERROR_GROUPS_NEW_PER_CLIENT_HOUR: int(20, 1, 100_000),
  /** Error groups kept per source (server, client): beyond, a new group is dropped (and counted). */
  ERROR_GROUPS_MAX: int(10_000, 10, 1_000_000),
  /** An error group not seen for this many days is deleted by the background sweep. */
  ERROR_GROUP_RETENTION_DAYS: int(30, 1, 3650),

  // ---- monitoring (docs/operations.md) ----
  /** `pretty` for readable development logs; `json` (one object a line) otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Who may scrape /metrics: `public`, or `token` (Bearer METRICS_TOKEN, else ADMIN_TOKEN). */
  METRICS_ACCESS: z.enum(['public', 'token']).default('public'),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7E]+$/, 'must be visible ASCII')
    .optional(),
  /** OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318); tracing is off without it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('cart-server'),
  /** A cart with items untouched this long counts as abandoned (analytics). */
  ABANDON_AFTER_SECONDS: int(3600, 1, 30 * 24 * 3600),
  /** Where firing and resolved alerts are POSTed (JSON), if anywhere. */
  ALERT_WEBHOOK_URL: z.url().optional(),
  /** How often the alert rules are evaluated. */
  ALERT_EVALUATION_INTERVAL_MS: int(15_000, 100, 3_600_000),
  /**
   * Alert rule settings as JSON, merged over the defaults (docs/operations.md#alerts),
   * e.g. {"errorBudgetBurn":{"objective":0.999,"windows":[{"long":3600,"short":300,"burnRate":14.4}]}}.
   */
  ALERT_RULES: z
    .string()
    .optional()
    .transform((v, ctx): unknown => {
      if (v === undefined) return {};
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(AlertRulesConfig),
});
export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError with one line naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable (`ADMIN_TOKEN=`) means "not set", as in most twelve-factor apps.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
