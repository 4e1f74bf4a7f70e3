/**
 * A real server with the demo catalogue and the built storefront, and a headless
 * Chromium to drive it: what every storefront browser test starts with, once per file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import type { Cart } from '@cart/core';
import { WEB_DIST } from '../../src/routes/web.ts';
import { launchChromium } from '@cart/test-support/browser.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

export interface Storefront {
  server: TestServer;
  browser: Browser;
  http: HttpClient;
  /** A cart as the server has it now, read from storage (its token is in an HttpOnly cookie). */
  stored(id: string): Promise<Cart>;
  /** The carts created since `from` (ISO time), found by the audit log. */
  createdSince(from: string): Promise<Cart[]>;
  close(): Promise<void>;
}

/** Starts the server and the browser; fails at once when the storefront is not built. */
export async function startStorefront(): Promise<Storefront> {
  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error(`the storefront is not built (${WEB_DIST}): run \`npm run build\` first`);
  const server = await startTestServer({ env: { SEED_DEMO: 'true' } });
  const browser = await launchChromium();
  const http = new HttpClient(server.url);
  const stored = async (id: string): Promise<Cart> => {
    const cart = await server.app.storage.getCart(id);
    if (!cart) throw new Error(`cart ${id} is not stored`);
    return server.app.cartService.view(cart.state, new Date());
  };
  return {
    server,
    browser,
    http,
    stored,
    async createdSince(from) {
      const res = await http.get<{ items: { cartId: string }[] }>(
        `/api/admin/audit?action=cart.create&from=${encodeURIComponent(from)}`,
        { token: server.adminToken },
      );
      expect(res.status, res.text).toBe(200);
      return Promise.all(res.body.items.map(({ cartId }) => stored(cartId)));
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
