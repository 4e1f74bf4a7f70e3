import net from 'node:net';

/**
 * A TCP proxy in front of a real server that can lose answers the way a phone on a
 * train does: it forwards requests, and for the requests it is told to, destroys the
 * client's socket when the answer starts to arrive — after the server has committed
 * the change, before the client has heard of it. `down()` refuses every connection.
 */
export interface FlakyProxy {
  url: string;
  /** Requests seen ("POST /api/carts/…/actions"), in order. */
  readonly requests: string[];
  /** Requests whose answer was destroyed instead of relayed. */
  readonly dropped: string[];
  /** Destroys the answer to the next `count` requests matching `pattern`. */
  dropAnswers(pattern: RegExp, count?: number): void;
  /** Closes every open connection and refuses new ones until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const dropped: string[] = [];
  let drop: { pattern: RegExp; count: number } | null = null;
  let isDown = false;

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    let current = '';
    client.on('data', (chunk: Buffer) => {
      const m = /^(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.1/m.exec(chunk.toString('latin1'));
      if (m) {
        current = `${m[1]} ${m[2]}`;
        requests.push(current);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (drop && drop.count > 0 && drop.pattern.test(current)) {
        drop.count--;
        dropped.push(current);
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    dropped,
    dropAnswers(pattern, count = 1) {
      drop = { pattern, count };
    },
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      isDown = false;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
