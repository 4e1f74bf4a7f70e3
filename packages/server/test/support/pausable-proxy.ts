import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real service (Redis, here) that can stall it the
 * way a hung server or a black-holed network does: `pause()` stops forwarding in both
 * directions but keeps every socket open — nothing is refused, nothing is closed, nothing
 * answers — and `resume()` lets the held bytes through.
 */
export interface PausableProxy {
  /** `host:port` of the proxy. */
  readonly host: string;
  readonly port: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startPausableProxy(targetPort: number): Promise<PausableProxy> {
  const sockets = new Set<net.Socket>();
  // Bytes read while paused, per direction, in order: written out on resume.
  const held: { to: net.Socket; chunk: Buffer }[] = [];
  let paused = false;

  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (paused) held.push({ to, chunk });
      else to.write(chunk);
    });

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const { to, chunk } of held.splice(0)) if (!to.destroyed) to.write(chunk);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
