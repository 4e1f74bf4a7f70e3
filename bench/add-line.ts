/**
 * Add-line throughput against a bare Fastify route, measured in one run on this machine
 * (`npm run bench`). Both servers run in this process on 127.0.0.1 with the same client
 * and concurrency; the result is recorded in bench/results/add-line.json as a ratio, since
 * absolute numbers mean little across machines.
 *
 * The cart server runs with its real stack: SQLite with synchronous=FULL (every add is
 * on disk before it is acknowledged), the hash-chained audit record, the analytics events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../packages/server/src/app.ts';
import { loadConfig } from '../packages/server/src/config.ts';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function load(
  name: string,
  request: () => Promise<Response>,
): Promise<{ name: string; requests: number; perSecond: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const end = Date.now() + DURATION_MS;
  const worker = async () => {
    while (Date.now() < end) {
      const t = performance.now();
      const r = await request();
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Number(
      (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2),
    );
  return {
    name,
    requests: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

async function main(): Promise<void> {
  const bare = Fastify();
  bare.post('/add', (request) => ({ ok: true, body: request.body }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/add`;

  const dir = mkdtempSync(join(tmpdir(), 'cart-bench-'));
  const admin = 'bench-admin-token-0123456789';
  const app = await buildApp(
    loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
      SEED_DEMO: 'true',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: admin,
      MAX_QUANTITY_PER_LINE: '1000000',
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api`;
  const carts = await Promise.all(
    Array.from({ length: CONCURRENCY }, () =>
      fetch(`${base}/carts`, { method: 'POST' }).then(
        (r) => r.json() as Promise<{ id: string; token: string }>,
      ),
    ),
  );
  let i = 0;
  const body = JSON.stringify({ productId: 'coffee-beans-house', quantity: 1 });
  const products = ['paper-filters', 'linen-tea-towel']; // unlimited stock, no maxPerOrder

  const bareResult = await load('bare fastify POST', () =>
    fetch(bareUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
  );
  const cartResult = await load('cart add line', () => {
    const cart = carts[i++ % carts.length]!;
    const productId = products[i % products.length]!;
    return fetch(`${base}/carts/${cart.id}/lines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cart.token}` },
      body: JSON.stringify({ productId, quantity: 1 }),
    });
  });
  await app.close();
  await bare.close();
  rmSync(dir, { recursive: true, force: true });

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    durationMs: DURATION_MS,
    concurrency: CONCURRENCY,
    baseline: bareResult,
    cart: cartResult,
    throughputRatio: Number((cartResult.perSecond / bareResult.perSecond).toFixed(3)),
  };
  writeFileSync(
    join(import.meta.dirname, 'results', 'add-line.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
}

void main();
