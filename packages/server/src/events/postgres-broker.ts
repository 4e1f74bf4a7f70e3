import pg from 'pg';
import {
  decodeAnnouncement,
  encodeAnnouncement,
  type Announcement,
  type EventBroker,
} from './cart-events.ts';

const CHANNEL = 'cart_events';
const RECONNECT_MS = 1000;

/**
 * Fan-out over PostgreSQL LISTEN/NOTIFY, for deployments on PostgreSQL without Redis.
 * One dedicated connection listens; announcements go out through short queries. If the
 * listening connection drops it is opened again, with a pause between attempts.
 */
export class PostgresBroker implements EventBroker {
  readonly name = 'postgres';
  private listener: pg.Client | null = null;
  private readonly notifier: pg.Pool;
  private closed = false;
  private onMessage: ((announcement: Announcement) => void) | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.notifier = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 2000 });
    this.notifier.on('error', onError);
  }

  async publish(announcement: Announcement): Promise<void> {
    await this.notifier.query('SELECT pg_notify($1, $2)', [
      CHANNEL,
      encodeAnnouncement(announcement),
    ]);
  }

  async start(onMessage: (announcement: Announcement) => void): Promise<void> {
    this.onMessage = onMessage;
    await this.listen().catch((error: unknown) => {
      this.onError(error);
      this.scheduleReconnect();
    });
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: 2000,
    });
    client.on('notification', (n) => {
      const announcement = decodeAnnouncement(n.payload ?? '');
      if (announcement) this.onMessage?.(announcement);
    });
    client.on('error', (error) => {
      this.onError(error);
      this.drop(client);
    });
    client.on('end', () => this.drop(client));
    this.listener = client;
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  }

  private drop(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.listen().catch((error: unknown) => {
        this.onError(error);
        this.scheduleReconnect();
      });
    }, RECONNECT_MS);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const listener = this.listener;
    this.listener = null;
    await Promise.allSettled([listener?.end(), this.notifier.end()]);
  }
}
