import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (const variant of ['plain', 'decimal', 'currency', 'en', 'tolocale', 'pluralrules', 'date']) {
  const page = await browser.newPage();
  await page.goto('http://127.0.0.1:3999/healthz');
  console.log(variant, await page.evaluate((v) => {
    const a = performance.now();
    if (v === 'plain') new Intl.NumberFormat();
    if (v === 'decimal') new Intl.NumberFormat('en-US', { minimumFractionDigits: 2 });
    if (v === 'currency') new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
    if (v === 'en') new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' });
    if (v === 'tolocale') (1).toLocaleString();
    if (v === 'pluralrules') new Intl.PluralRules('en-US');
    if (v === 'date') new Date().toLocaleDateString();
    const b = performance.now();
    new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
    return `${(b - a).toFixed(1)} then currency ${(performance.now() - b).toFixed(1)}`;
  }, variant));
  await page.close();
}
await browser.close();
