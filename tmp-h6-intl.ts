import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.goto('http://127.0.0.1:3999/healthz');
console.log(await page.evaluate(() => {
  const out: string[] = [];
  let a = performance.now();
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  out.push('ctor ' + (performance.now() - a).toFixed(1));
  a = performance.now(); f.format('19.99' as any); out.push('format1 ' + (performance.now() - a).toFixed(1));
  a = performance.now(); f.resolvedOptions(); out.push('resolved ' + (performance.now() - a).toFixed(1));
  a = performance.now(); for (let i = 0; i < 100; i++) f.format('19.99' as any); out.push('format100 ' + (performance.now() - a).toFixed(1));
  a = performance.now(); new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }); out.push('ctor2 ' + (performance.now() - a).toFixed(1));
  a = performance.now(); for (let i = 0; i < 100; i++) f.format(19.99); out.push('formatnum100 ' + (performance.now() - a).toFixed(1));
  return out.join(' | ');
}));
await browser.close();
