/**
 * Durability of the real server process (docs/architecture.md: nothing acknowledged to a client
 * is ever lost, including when the process is killed mid-request), and a graceful stop
 * on SIGTERM. The server runs as a child process from the compiled bundle, as
 * production runs it: `node --enable-source-maps packages/server/dist/server.js`, the
 * bundle `npm start` runs (test/global-setup.ts brings it up to date before the tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product } from '@cart/core';
import { HttpClient, sleep, startRawRequest } from '@cart/test-support/http.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const ADMIN_TOKEN = 'durability-admin-token-0123456789';
/** The bundle `npm run build` makes, run with source maps as production runs it. */
const SERVER_ARGS = ['--enable-source-maps', 'packages/server/dist/server.js'];

interface ServerProcess {
  child: ChildProcess;
  url: string;
  http: HttpClient;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs: string[];
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

afterEach(() => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cart-durability-'));
  tempDirs.push(dir);
  return join(dir, 'cart.db');
}

/** Starts `packages/server/dist/server.js` on `dbFile` and waits for its "listening" line. */
async function startServer(dbFile: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TMPDIR: process.env.TMPDIR ?? tmpdir(),
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${dbFile}`,
      SEED_DEMO: 'false',
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      // A load test (DESIGN §2): the limiter must not turn acknowledged work into 429s.
      RATE_LIMITS: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const logs: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
  const url = await new Promise<string>((found, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`the server did not start in 30 s:\n${logs.join('\n')}`)),
      30_000,
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      logs.push(line);
      if (!line.includes('cart server listening')) return;
      try {
        const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
        if (entry.msg === 'cart server listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          found(entry.url);
        }
      } catch {
        // Not a JSON line: keep reading.
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(
        new Error(`the server exited (${code ?? signal}) before listening:\n${logs.join('\n')}`),
      );
    });
  });
  return { child, url, http: new HttpClient(url), exited, logs };
}

async function stopServer(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/** Runs `tasks` with at most `concurrency` in flight. */
async function pool<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await run(item);
      }
    }),
  );
}

async function createProducts(server: ServerProcess, count: number): Promise<Product[]> {
  const products: Product[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const reply = await server.http.post<Product>('/api/admin/products', {
        token: ADMIN_TOKEN,
        body: {
          sku: `dur-${i}`,
          name: `Durable ${i}`,
          description: '',
          price: { amount: 100 + i, currency: 'USD' },
          stock: null,
          maxPerOrder: null,
          imageUrl: null,
        },
      });
      expect(reply.status, reply.text).toBe(201);
      products.push(reply.body);
    },
  );
  return products;
}

interface AuditRecord {
  cartId: string;
  beforeVersion: number | null;
  afterVersion: number;
}

describe('durability of the server process', () => {
  it('keeps every acknowledged change when killed with SIGKILL mid-load', async () => {
    const dbFile = tempDatabase();
    const first = await startServer(dbFile);

    const CARTS = 3;
    const PER_CART = 30;
    const products = await createProducts(first, CARTS * PER_CART);
    const carts: CreatedCart[] = [];
    for (let i = 0; i < CARTS; i += 1) {
      const reply = await first.http.post<CreatedCart>('/api/carts');
      expect(reply.status, reply.text).toBe(201);
      carts.push(reply.body);
    }

    // Interleaved: each cart gets its own products, one add per request.
    const tasks: { cart: CreatedCart; product: Product }[] = [];
    for (let j = 0; j < PER_CART; j += 1) {
      for (const [i, cart] of carts.entries()) {
        tasks.push({ cart, product: products[i * PER_CART + j] as Product });
      }
    }
    const acked = new Map<string, { productIds: Set<string>; maxVersion: number }>(
      carts.map((c) => [c.id, { productIds: new Set<string>(), maxVersion: 1 }]),
    );
    let ackCount = 0;
    let killed = false;
    const killAfter = Math.floor(tasks.length / 2);

    await pool(tasks, 12, async ({ cart, product }) => {
      if (killed) return;
      try {
        const reply = await first.http.post<Cart>(`/api/carts/${cart.id}/lines`, {
          token: cart.token,
          body: { productId: product.id, quantity: 1 },
        });
        if (reply.status !== 200) throw new Error(`${reply.status} ${reply.text}`);
        const record = acked.get(cart.id);
        if (!record) throw new Error('unknown cart');
        record.productIds.add(product.id);
        record.maxVersion = Math.max(record.maxVersion, reply.body.version);
        ackCount += 1;
        if (ackCount >= killAfter && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      } catch (error) {
        // After the kill, requests in flight fail: they were never acknowledged.
        if (!killed) throw error;
      }
    });
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(ackCount).toBeGreaterThanOrEqual(killAfter);
    expect(ackCount).toBeLessThan(tasks.length);

    const second = await startServer(dbFile);
    try {
      for (const cart of carts) {
        const reply = await second.http.get<Cart>(`/api/carts/${cart.id}`, { token: cart.token });
        expect(reply.status, reply.text).toBe(200);
        const stored = reply.body;
        const record = acked.get(cart.id);
        const lineProducts = new Set(stored.lines.map((l) => l.productId));
        for (const productId of record?.productIds ?? []) {
          expect(lineProducts.has(productId), `acknowledged add of ${productId} is lost`).toBe(
            true,
          );
        }
        expect(stored.version).toBeGreaterThanOrEqual(record?.maxVersion ?? 1);
        // Each accepted add made one line and one version: nothing half-applied.
        expect(stored.lines).toHaveLength(stored.version - 1);
        expect(stored.lines.every((l) => l.quantity === 1)).toBe(true);

        const audit = await second.http.get<{ items: AuditRecord[] }>(
          `/api/admin/audit?cartId=${cart.id}&limit=100`,
          { token: ADMIN_TOKEN },
        );
        expect(audit.status, audit.text).toBe(200);
        const versions = audit.body.items
          .filter((r) => r.afterVersion > 1)
          .map((r) => r.afterVersion)
          .sort((a, b) => a - b);
        expect(versions).toEqual(Array.from({ length: stored.version - 1 }, (_, i) => i + 2));
      }
      for (const product of products) {
        const reply = await second.http.get(`/api/products/${product.id}`);
        expect(reply.status, `product ${product.id}`).toBe(200);
      }
      // The restarted server takes changes again.
      const more = await second.http.post<Cart>(`/api/carts/${carts[0]?.id}/lines`, {
        token: carts[0]?.token ?? '',
        body: { productId: products[0]?.id, quantity: 1 },
      });
      expect(more.status, more.text).toBe(200);
    } finally {
      await stopServer(second);
    }
  }, 90_000);

  it('on SIGTERM finishes the request in flight, keeps it, and exits 0', async () => {
    const dbFile = tempDatabase();
    const server = await startServer(dbFile);
    const [product] = await createProducts(server, 1);
    const created = await server.http.post<CreatedCart>('/api/carts');
    expect(created.status).toBe(201);
    const cart = created.body;

    const body = JSON.stringify({ productId: product?.id, quantity: 2 });
    const slow = startRawRequest(server.url, {
      method: 'POST',
      path: `/api/carts/${cart.id}/lines`,
      headers: {
        authorization: `Bearer ${cart.token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    const half = Math.floor(body.length / 2);
    slow.request.flushHeaders();
    slow.request.write(body.slice(0, half));
    await sleep(300);

    server.child.kill('SIGTERM');
    await sleep(300);
    expect(server.child.exitCode).toBeNull();
    slow.request.end(body.slice(half));
    const reply = await slow.response;
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as Cart).version).toBe(2);

    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });

    const again = await startServer(dbFile);
    try {
      const read = await again.http.get<Cart>(`/api/carts/${cart.id}`, { token: cart.token });
      expect(read.status, read.text).toBe(200);
      expect(read.body).toMatchObject({ version: 2, itemCount: 2 });
    } finally {
      await stopServer(again);
    }
  }, 60_000);
});
