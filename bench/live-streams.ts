/**
 * What unread live-event streams cost the server (issue 10, finding 3): the server runs
 * in a child process (`node --conditions=@cart/source --import tsx
 * packages/server/src/server.ts`, as `npm start` runs it) on a fresh SQLite file; one cart is filled to about 650 KB (100 lines with 20
 * long attributes each); 200 subscribers open its event stream and never read; then 15
 * small changes are made. The server's resident set and V8 heap (from its own /metrics)
 * are sampled before the streams, with them open, and after the changes.
 *
 *   npm run bench:streams -- [SERVER_ROOT]
 *
 * SERVER_ROOT (default: this repository) is the tree whose server is started, so the same
 * run can be made against an older checkout (e.g. one made with `git archive`). Results
 * are printed as JSON and, for this repository's own server, recorded in
 * bench/results/live-streams.json (`npm run bench:streams`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 15);
const ADMIN = 'bench-admin-token-0123456789abcdef';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ['--conditions=@cart/source', '--import', 'tsx', 'packages/server/src/server.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        RATE_LIMITS: 'off',
        ADMIN_TOKEN: ADMIN,
        MAX_BODY_BYTES: String(4 * 1024 * 1024),
        MAX_CART_BYTES: String(2 * 1024 * 1024),
        // One address opens them all here; the caps are measured by the tests.
        LIVE_STREAMS_PER_CLIENT: String(STREAMS),
        LIVE_STREAMS_PER_CART: String(STREAMS),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const sockets: Socket[] = [];
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error('the server did not start');
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(100);
    }
    const json = async <T>(path: string, init: RequestInit & { token?: string } = {}) => {
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const memory = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const read = (name: string) =>
        Number(
          /^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2],
        );
      return {
        rssMB: Math.round(read('cart_process_resident_memory_bytes') / 2 ** 20),
        heapUsedMB: Math.round(read('cart_nodejs_heap_size_used_bytes') / 2 ** 20),
        externalMB: Math.round(read('cart_nodejs_external_memory_bytes') / 2 ** 20),
      };
    };

    const product = await json<{ id: string }>('/api/admin/products', {
      method: 'POST',
      token: ADMIN,
      body: JSON.stringify({
        sku: 'BENCH-1',
        name: 'Engraved pen',
        description: '',
        price: { amount: 1200, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
      }),
    });
    const cart = await json<{ id: string; token: string }>('/api/carts', {
      method: 'POST',
      body: '{}',
    });
    const actions = Array.from({ length: 100 }, (_, i) => ({
      type: 'addLine',
      productId: product.id,
      quantity: 1,
      attributes: Object.fromEntries(
        Array.from({ length: 20 }, (_, k) => [
          `attribute-${k}-`.padEnd(64, 'k'),
          `line ${i} value ${k} `.padEnd(256, 'v'),
        ]),
      ),
    }));
    await json(`/api/carts/${cart.id}/actions`, {
      method: 'POST',
      token: cart.token,
      body: JSON.stringify({ actions }),
    });
    const cartBytes = (
      await (
        await fetch(`${base}/api/carts/${cart.id}`, {
          headers: { authorization: `Bearer ${cart.token}` },
        })
      ).arrayBuffer()
    ).byteLength;
    await sleep(1000);
    const before = await memory();

    for (let i = 0; i < STREAMS; i++) {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      socket.pause(); // never reads
      socket.write(
        `GET /api/carts/${cart.id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: Bearer ${cart.token}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      sockets.push(socket);
    }
    // Every request reads the 650 KB cart first: wait until all are streaming (the old
    // server has no gauge: give it the longest wait).
    for (let i = 0; i < 120; i++) {
      await sleep(500);
      const text = await (await fetch(`${base}/metrics`)).text();
      const open = /^cart_live_streams_open (\d+)$/m.exec(text)?.[1];
      if (open !== undefined ? Number(open) >= STREAMS : i >= 40) break;
    }
    const streamsOpen = await memory();

    let peak = streamsOpen.rssMB;
    for (let i = 0; i < CHANGES; i++) {
      await json(`/api/carts/${cart.id}`, {
        method: 'PATCH',
        token: cart.token,
        body: JSON.stringify({ note: `change ${i}` }),
      });
      peak = Math.max(peak, (await memory()).rssMB);
    }
    await sleep(2000);
    const after = await memory();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const stat = (name: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(name))
        .join('; ') || null;
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      streams: STREAMS,
      changes: CHANGES,
      cartKB: Math.round(cartBytes / 1024),
      before,
      streamsOpen,
      afterChanges: after,
      peakRssMB: Math.max(peak, after.rssMB),
      rssGrowthMB: Math.max(peak, after.rssMB) - before.rssMB,
      open: stat('cart_live_streams_open'),
      dropped: stat('cart_live_streams_dropped_total'),
      serializations: stat('cart_live_event_serializations_total'),
      refused: stat('cart_live_streams_refused_total'),
      expired: stat('cart_live_streams_expired_total'),
    };
    console.log(JSON.stringify({ serverRoot: ROOT, ...result }, null, 2));
    // Another checkout's numbers are for comparing by hand; only this one's are recorded.
    if (ROOT === resolve(join(import.meta.dirname, '..')))
      writeFileSync(
        join(import.meta.dirname, 'results', 'live-streams.json'),
        `${JSON.stringify(result, null, 2)}\n`,
      );
  } finally {
    for (const s of sockets) s.destroy();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
