// `GET /carts/:id/events`: the live-event stream of one cart (Server-Sent Events). The
// streams themselves, their bounds and metrics are in cart-events.ts.
import * as z from 'zod';
import { cartCredential } from '../http/credentials.ts';
import { HttpProblem } from '../http/problem.ts';
import {
  authHeader,
  CART_READ,
  CartParams,
  type CartApp,
  type CartRoutesOptions,
} from './cart-route-common.ts';

export function cartEventsRoute(app: CartApp, { service, streams }: CartRoutesOptions): void {
  app.get(
    '/carts/:id/events',
    {
      config: { policy: CART_READ, errors: ['CART_NOT_FOUND'] },
      schema: {
        tags: ['carts'],
        operationId: 'streamCartEvents',
        summary: 'Live cart changes (Server-Sent Events)',
        description:
          '`event: cart` with the full cart (`id:` its version), first the current one (unless `Last-Event-ID` names that version already) and then after every change; `event: stock` with `{"productId","stock"}` (units left, null for unlimited, no `id:`) when an admin replaces or a checkout reserves a product a line of the cart holds; a comment heartbeat every 15 s. The stream ends after LIVE_STREAM_LIFETIME_SECONDS (30 min by default): reconnect with `Last-Event-ID`. Bounded: 429 `RATE_LIMITED` past LIVE_STREAMS_PER_CLIENT or LIVE_STREAMS_PER_CART open streams, 503 `UNAVAILABLE` past LIVE_STREAMS_MAX, both with `Retry-After`; a subscriber leaving more than LIVE_STREAM_MAX_BUFFERED_BYTES unsent is disconnected.',
        params: CartParams,
        ...authHeader,
        response: {
          200: {
            description:
              'The event stream: `event: cart`, `id: <version>`, `data: <the cart as JSON>`; `event: stock`, `data: {"productId":"…","stock":2}`; and `: heartbeat` comments.',
            content: { 'text/event-stream': { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      const cart = await service.read(request.params.id, cartCredential(request).hash, new Date());
      if (!cart) throw new HttpProblem('CART_NOT_FOUND');
      // Counted against the stream bounds only now that the credential matched.
      streams.serve(request, reply, cart);
    },
  );
}
