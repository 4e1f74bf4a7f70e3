/**
 * CSRF in a real browser (headless Chromium): a page on another origin posting to the
 * cart API with the shopper's cookie is refused and the cart does not change; the
 * shop's own origin, with its CSRF token, succeeds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart } from '@cart/core';
import { launchChromium } from '@cart/test-support/browser.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

/** The attacker's site: one page that tries every way a page can post cross-site. */
function attackerPage(target: string, cartId: string): string {
  const url = `${target}/api/carts/${cartId}/lines`;
  const body = JSON.stringify({ productId: 'PRODUCT', quantity: 5 });
  return `<!doctype html><html><body>
<form id="plain" method="POST" action="${url}" enctype="text/plain" target="sink"><input name='${body.slice(0, -1)},"x":"' value='"}'></form>
<form id="urlenc" method="POST" action="${url}" target="sink2"><input name="productId" value="PRODUCT"><input name="quantity" value="5"></form>
<iframe name="sink"></iframe><iframe name="sink2"></iframe>
<script>
window.attack = async () => {
  const results = [];
  const attempt = async (label, init) => {
    try { const r = await fetch(${JSON.stringify(url)}, { method: 'POST', credentials: 'include', ...init }); results.push(label + ':' + r.status); }
    catch (e) { results.push(label + ':blocked'); }
  };
  await attempt('no-cors text/plain', { mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} });
  await attempt('cors json', { headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} });
  await attempt('cors json + forged token', { headers: { 'content-type': 'application/json', 'x-csrf-token': 'forged.token' }, body: ${JSON.stringify(body)} });
  document.getElementById('plain').submit();
  document.getElementById('urlenc').submit();
  await new Promise((r) => setTimeout(r, 500));
  return results;
};
</script></body></html>`;
}

describe('CSRF in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let attacker: Server;
  let attackerPort = 0;
  let productId = '';
  let pageHtml = '';

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const created = await fetch(`${server.url}/api/admin/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sku: 'CSRF-1',
        name: 'Target',
        description: '',
        price: { amount: 1000, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
      }),
    });
    productId = ((await created.json()) as { id: string }).id;
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(pageHtml);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await server?.close();
  });

  it('refuses a second origin posting with the cookie, and the shop origin succeeds', async () => {
    const context = await browser.newContext();
    const shop = await context.newPage();
    // The shop's own origin: create a cart (the cookie is set), fetch a CSRF token, add a line.
    await shop.goto(`${server.url}/docs/errors`);
    const own = await shop.evaluate(async (pid) => {
      const cart = (await (await fetch('/api/carts', { method: 'POST' })).json()) as {
        id: string;
        token: string;
      };
      const { token } = (await (await fetch('/api/csrf')).json()) as { token: string };
      const withoutToken = await fetch(`/api/carts/${cart.id}/lines`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ productId: pid, quantity: 1 }),
      });
      const added = await fetch(`/api/carts/${cart.id}/lines`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
        body: JSON.stringify({ productId: pid, quantity: 1 }),
      });
      return {
        id: cart.id,
        token: cart.token,
        withoutToken: withoutToken.status,
        added: added.status,
        body: (await added.json()) as { version: number },
      };
    }, productId);
    expect(own.withoutToken).toBe(403);
    expect(own.added).toBe(200);
    expect(own.body.version).toBe(2);

    const read = async (): Promise<Cart> =>
      (await (
        await fetch(`${server.url}/api/carts/${own.id}`, {
          headers: { authorization: `Bearer ${own.token}` },
        })
      ).json()) as Cart;
    const before = await read();

    // Same site, other origin (another port), and another site altogether (localhost vs 127.0.0.1).
    for (const origin of [`http://127.0.0.1:${attackerPort}`, `http://localhost:${attackerPort}`]) {
      pageHtml = attackerPage(server.url, own.id).replaceAll('PRODUCT', productId);
      const evil = await context.newPage();
      await evil.goto(`${origin}/`);
      const results = await evil.evaluate(() =>
        (window as unknown as { attack: () => Promise<string[]> }).attack(),
      );
      // Whatever reached the server was refused; the rest never left the browser.
      for (const r of results) expect(r, `${origin} ${r}`).toMatch(/:(blocked|0|403|404|415)$/);
      await evil.close();
    }

    const after = await read();
    expect(after.version).toBe(before.version);
    expect(after.lines).toEqual(before.lines);
    await context.close();
  });
});
