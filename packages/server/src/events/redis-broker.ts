import { Redis } from 'ioredis';
import {
  decodeAnnouncement,
  encodeAnnouncement,
  type Announcement,
  type EventBroker,
} from './cart-events.ts';

/**
 * Fan-out over Redis pub/sub. Two connections (a subscribed connection can do nothing
 * else). ioredis reconnects by itself; while Redis is away, announcements are dropped
 * (local subscribers are still served, and SSE clients catch up on reconnect, since
 * every cart event carries the whole cart; a missed stock level is checked again at checkout). A publish is never awaited by a request
 * (CartEvents fires and forgets it), and one Redis does not answer within
 * `commandTimeoutMs` is dropped too, so a stalled Redis cannot pile them up in memory.
 */
export class RedisBroker implements EventBroker {
  readonly name = 'redis';
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(
    url: string,
    onError: (error: unknown) => void,
    private readonly channel = 'cart:events',
    commandTimeoutMs = 250,
  ) {
    const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true };
    this.pub = new Redis(url, { ...options, commandTimeout: commandTimeoutMs });
    // No command timeout on the subscriber: SUBSCRIBE waits for Redis as long as it takes
    // (start() stops waiting after `waitMs`), and messages are pushed, not answered.
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true });
    this.pub.on('error', onError);
    this.sub.on('error', onError);
  }

  async publish(announcement: Announcement): Promise<void> {
    await this.pub.publish(this.channel, encodeAnnouncement(announcement));
  }

  /**
   * Subscribes; resolves once subscribed, or after `waitMs` if Redis is not reachable
   * now (the service starts without it and ioredis keeps trying in the background).
   */
  async start(onMessage: (announcement: Announcement) => void, waitMs = 2000): Promise<void> {
    this.sub.on('message', (_channel: string, message: string) => {
      const announcement = decodeAnnouncement(message);
      if (announcement) onMessage(announcement);
    });
    this.pub.connect().catch(() => {});
    this.sub.connect().catch(() => {});
    const subscribed = this.sub.subscribe(this.channel).then(
      () => true,
      () => false,
    );
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  close(): Promise<void> {
    this.pub.disconnect();
    this.sub.disconnect();
    return Promise.resolve();
  }
}
