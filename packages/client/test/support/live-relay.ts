import type { FastifyInstance } from 'fastify';
import type { ScriptedRequest } from './scripted-fetch.ts';

/**
 * The real application's live stream (`GET /api/carts/:id/events`), relayed. The route
 * cannot go through `app.inject`, which waits for the end of a response, and an event
 * stream never ends. So the stream is served here from the server's own parts: the
 * credential is checked by reading the cart through the real route (a refusal is
 * passed on exactly as the server gave it), then the stream sends `retry:`, the current
 * cart (unless Last-Event-ID names its version, as the route does), and every cart the
 * server's CartService publishes after a committed change, in the server's own frame
 * format, until the client aborts. Use as `wire.route(EVENTS, relay.handle)`.
 */
export class LiveRelay {
  /** Streams opened so far. */
  connections = 0;
  /** Streams open now. */
  open = 0;

  constructor(private readonly app: FastifyInstance) {}

  readonly handle = async ({ path, init }: ScriptedRequest): Promise<Response> => {
    const headers = new Headers(init.headers);
    const cartPath = path.replace(/\/events(\?.*)?$/, '');
    const authorization = headers.get('authorization');
    const read = await this.app.inject({
      url: cartPath,
      headers: authorization === null ? {} : { authorization },
    });
    if (read.statusCode !== 200) {
      const type = read.headers['content-type'];
      return new Response(new Uint8Array(read.rawPayload), {
        status: read.statusCode,
        headers: typeof type === 'string' ? { 'content-type': type } : {},
      });
    }
    const cart = read.json<{ id: string; version: number }>();
    const signal = init.signal;
    const encoder = new TextEncoder();
    let finish = () => undefined as void;

    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (signal?.aborted) {
          controller.error(new DOMException('aborted', 'AbortError'));
          return;
        }
        this.connections++;
        this.open++;
        let ended = false;
        let lastVersion = 0;
        const send = (version: number, bytes: Uint8Array) => {
          if (ended || version <= lastVersion) return;
          lastVersion = version;
          controller.enqueue(bytes);
        };
        const unsubscribe = this.app.cartService.events.subscribe(cart.id, (next, frame) =>
          send(next.version, new Uint8Array(frame().bytes)),
        );
        finish = () => {
          if (ended) return;
          ended = true;
          this.open--;
          unsubscribe();
        };
        signal?.addEventListener(
          'abort',
          () => {
            finish();
            controller.error(new DOMException('aborted', 'AbortError'));
          },
          { once: true },
        );
        controller.enqueue(encoder.encode('retry: 2000\n\n'));
        if (headers.get('last-event-id') === String(cart.version)) lastVersion = cart.version;
        else
          send(
            cart.version,
            encoder.encode(`event: cart\nid: ${cart.version}\ndata: ${read.body}\n\n`),
          );
      },
      cancel: () => finish(),
    });
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' },
    });
  };
}
