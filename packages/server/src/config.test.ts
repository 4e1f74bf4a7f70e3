import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATABASE_URL: 'sqlite:./data/cart.db',
      SEED_DEMO: true,
      LOG_LEVEL: 'info',
      TAX_RATE_BPS: 0,
      MAX_LINES_PER_CART: 100,
      MAX_QUANTITY_PER_LINE: 999,
      MAX_BODY_BYTES: 65536,
      MAX_BATCH_ACTIONS: 100,
      IDEMPOTENCY_TTL_SECONDS: 86400,
      ALLOWED_ORIGINS: [],
    });
    expect(c.ADMIN_TOKEN).toBeUndefined();
  });

  it('reads values and flags', () => {
    const c = loadConfig({
      PORT: '8080',
      SEED_DEMO: 'false',
      TAX_RATE_BPS: '825',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      TRUST_PROXY: 'yes',
    });
    expect(c.PORT).toBe(8080);
    expect(c.SEED_DEMO).toBe(false);
    expect(c.TAX_RATE_BPS).toBe(825);
    expect(c.TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    expect(loadConfig({ TRUST_PROXY: 'off' }).TRUST_PROXY).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'some proxy' })).toThrow(
      /TRUST_PROXY must be true, false, a hop count/,
    );
    expect(c.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('bounds sockets and Redis commands by default', () => {
    expect(loadConfig({})).toMatchObject({
      REQUEST_TIMEOUT_MS: 30_000,
      HEADERS_TIMEOUT_MS: 10_000,
      KEEP_ALIVE_TIMEOUT_MS: 72_000,
      CONNECTION_TIMEOUT_MS: 60_000,
      REDIS_COMMAND_TIMEOUT_MS: 250,
    });
    // Below the live-event heartbeat, every stream would be cut as idle.
    expect(() => loadConfig({ CONNECTION_TIMEOUT_MS: '15000' })).toThrow(
      /CONNECTION_TIMEOUT_MS must be at least 20000/,
    );
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow(/REQUEST_TIMEOUT_MS/);
  });

  it('bounds the wait for a PostgreSQL connection: 5 s by default, 100 ms to 10 minutes', () => {
    expect(loadConfig({}).DATABASE_POOL_WAIT_MS).toBe(5000);
    expect(loadConfig({ DATABASE_POOL_WAIT_MS: '250' }).DATABASE_POOL_WAIT_MS).toBe(250);
    expect(loadConfig({ DATABASE_POOL_WAIT_MS: '600000' }).DATABASE_POOL_WAIT_MS).toBe(600_000);
    // 0 would be pg's "wait forever": refused, as is anything past ten minutes.
    expect(() => loadConfig({ DATABASE_POOL_WAIT_MS: '0' })).toThrow(
      /DATABASE_POOL_WAIT_MS must be at least 100/,
    );
    expect(() => loadConfig({ DATABASE_POOL_WAIT_MS: '600001' })).toThrow(
      /DATABASE_POOL_WAIT_MS must be at most 600000/,
    );
    expect(() => loadConfig({ DATABASE_POOL_WAIT_MS: '5s' })).toThrow(
      /DATABASE_POOL_WAIT_MS must be a whole number/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ADMIN_TOKEN: '' }).ADMIN_TOKEN).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be at most 65535'],
    [{ TAX_RATE_BPS: '-5' }, 'TAX_RATE_BPS must be a whole number'],
    [{ SEED_DEMO: 'maybe' }, 'SEED_DEMO must be true or false'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN must be at least 16 characters'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be sqlite:<path>'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ALLOWED_ORIGINS: 'not a url' }, 'ALLOWED_ORIGINS'],
  ])('refuses %j with one line naming it', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toContain(message);
    expect(text.split('\n')).toHaveLength(1);
  });
});
