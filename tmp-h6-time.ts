const t0 = performance.now();
const zod = await import('zod');
zod.config({ jitless: true });
const t1 = performance.now();
const core = await import('@cart/core');
const t2 = performance.now();
const client = await import('@cart/client');
const t3 = performance.now();
console.log('zod', (t1 - t0).toFixed(1), 'core', (t2 - t1).toFixed(1), 'client', (t3 - t2).toFixed(1));
const res = await fetch('http://127.0.0.1:3999/api/products?limit=12');
const body = await res.json();
for (let i = 0; i < 3; i++) {
  const a = performance.now();
  core.ProductPage.safeParse(body);
  console.log('parse page', (performance.now() - a).toFixed(2));
}
