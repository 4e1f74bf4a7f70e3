/**
 * The OpenAPI document exactly as the server serves it at `/openapi.json`: the app is
 * built on a throwaway SQLite file (nothing listens) and asked for its document.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';

export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-openapi-'));
  try {
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
    });
    const app = await buildApp(config);
    try {
      await app.ready();
      const res = await app.inject({ url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
      return res.json<Record<string, unknown>>();
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
