import { z } from 'zod';
import { AlertRulesConfig } from './alerts/rules.ts';

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
 * Configuration, read once at start from the environment (DESIGN.md §2). Every value is
 * checked here; a bad one stops the start with one line naming it.
 */
export const ConfigSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: DatabaseUrl,
  /** PostgreSQL connections each process may open. */
  DATABASE_POOL_MAX: int(10, 1, 200),
  /** Longest a PostgreSQL statement may run (lock waits included) before it is cancelled. */
  DATABASE_STATEMENT_TIMEOUT_MS: int(5000, 100, 600_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be redis://host:port or rediss://…')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1–64 letters, digits, ":", "_" or "-"')
    .default('cart:'),
  ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7E]+$/, 'must be visible ASCII')
    .optional(),
  SEED_DEMO: flag(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TAX_RATE_BPS: int(0, 0, 10_000),
  CURRENCY: z.literal('USD').default('USD'),
  CART_TTL_SECONDS: int(30 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
  MAX_LINES_PER_CART: int(100, 1, 10_000),
  MAX_QUANTITY_PER_LINE: int(999, 1, 1_000_000),
  MAX_DISCOUNTS_PER_CART: int(5, 1, 100),
  MAX_BODY_BYTES: int(64 * 1024, 1024, 10 * 1024 * 1024),
  MAX_BATCH_ACTIONS: int(100, 1, 1000),
  IDEMPOTENCY_TTL_SECONDS: int(24 * 3600, 24 * 3600, 30 * 24 * 3600),
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
  SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 120_000),

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
