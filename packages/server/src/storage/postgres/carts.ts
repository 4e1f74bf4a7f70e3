/**
 * The carts module of the PostgreSQL adapter: carts and stored answers as reads give
 * them, the sweeps' queries and purges, and what every instance on the database shares
 * (the server secret, signed-out dashboard sessions). Mutations are mutation.ts.
 */
import type { CartRead, CartStore, IdempotencyRecord, StoredCart } from '../port.ts';
import { toIdempotency, toStoredCart, type CartRow, type IdempotencyRow } from '../rows.ts';
import type { PostgresConnection } from './connection.ts';

export class PostgresCarts implements Omit<CartStore, 'mutate'> {
  constructor(private readonly conn: PostgresConnection) {}

  async getCart(id: string): Promise<StoredCart | null> {
    const { rows } = await this.conn.pool.query<CartRow>(
      'SELECT id, state, token_hash FROM carts WHERE id = $1',
      [id],
    );
    return rows[0] ? toStoredCart(rows[0]) : null;
  }

  async readCart(id: string, knownVersion: number | null): Promise<CartRead | null> {
    // Named: prepared once per connection, then bound and run (one round trip, no parse).
    const { rows } = await this.conn.pool.query<CartRow & { version: number }>({
      name: 'cart-read',
      text: 'SELECT id, CASE WHEN version = $2 THEN NULL ELSE state END AS state, token_hash, version FROM carts WHERE id = $1',
      values: [id, knownVersion ?? -1],
    });
    const row = rows[0];
    if (!row) return null;
    return {
      tokenHash: row.token_hash,
      version: row.version,
      state: row.state === null ? null : toStoredCart(row).state,
    };
  }

  async getIdempotency(id: string): Promise<IdempotencyRecord | null> {
    const { rows } = await this.conn.pool.query<IdempotencyRow>(
      'SELECT * FROM idempotency_keys WHERE id = $1',
      [id],
    );
    return rows[0] ? toIdempotency(rows[0]) : null;
  }

  async findExpiredCarts(now: string, limit: number): Promise<string[]> {
    const { rows } = await this.conn.pool.query<{ id: string }>(
      "SELECT id FROM carts WHERE status = 'active' AND expires_at <= $1 LIMIT $2",
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async purgeIdempotency(now: string): Promise<number> {
    const { rowCount } = await this.conn.pool.query(
      'DELETE FROM idempotency_keys WHERE expires_at <= $1',
      [now],
    );
    return rowCount ?? 0;
  }

  // ---- shared by every instance on the database -----------------------------------

  async serverSecret(name: string, candidate: Buffer): Promise<Buffer> {
    // Two statements, each committed on its own: an instance starting at the same moment
    // makes the INSERT wait for its commit and then do nothing, and the SELECT (a fresh
    // snapshot under READ COMMITTED) reads the winner's value.
    await this.conn.pool.query(
      'INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [name, candidate, new Date().toISOString()],
    );
    const { rows } = await this.conn.pool.query<{ value: Buffer }>(
      'SELECT value FROM server_secrets WHERE name = $1',
      [name],
    );
    const value = rows[0]?.value;
    if (!value) throw new Error(`server secret ${name} was not stored`);
    return value;
  }

  async revokeAdminSession(id: string, expiresAt: string): Promise<void> {
    await this.conn.pool.query(
      'INSERT INTO revoked_admin_sessions (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [id, expiresAt],
    );
  }

  async isAdminSessionRevoked(id: string): Promise<boolean> {
    const { rows } = await this.conn.pool.query(
      'SELECT 1 FROM revoked_admin_sessions WHERE id = $1',
      [id],
    );
    return rows.length > 0;
  }

  async purgeRevokedAdminSessions(now: string): Promise<number> {
    const { rowCount } = await this.conn.pool.query(
      'DELETE FROM revoked_admin_sessions WHERE expires_at <= $1',
      [now],
    );
    return rowCount ?? 0;
  }
}
