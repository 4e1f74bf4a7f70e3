import { chromium } from 'playwright-core';
const url = process.argv[2] ?? 'http://127.0.0.1:3999/';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const ctx = await browser.newContext({ viewport: { width: Number(process.argv[3] ?? 1280), height: 900 } });
const page = await ctx.newPage();
page.on('console', (m) => console.log('console', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror', e.message));
await page.goto(url);
await page.waitForTimeout(1500);
await page.screenshot({ path: `test-artifacts/h6-${process.argv[4] ?? 'probe'}.png`, fullPage: true });
if (process.argv[5] === 'add') {
  await page.getByRole('button', { name: 'Add Ceramic Mug to cart' }).click();
  await page.getByRole('button', { name: 'Add Ceramic Mug to cart' }).click();
  await page.getByRole('button', { name: 'Add Hand Grinder to cart' }).click();
  await page.getByRole('button', { name: 'Add Hand Grinder to cart' }).click();
  await page.waitForTimeout(1000);
  await page.getByRole('button', { name: /^Cart/ }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `test-artifacts/h6-${process.argv[4] ?? 'probe'}-drawer.png` });
  console.log(await page.getByTestId('cart-count').textContent());
  console.log(await page.locator('[role=alert]').textContent());
}
await browser.close();
