/**
 * The carts module of the SQLite adapter: carts and stored answers as reads give them,
 * the sweeps' queries and purges, and what every instance on the database shares (the
 * server secret, signed-out dashboard sessions). Mutations are mutation.ts.
 */
import type Database from 'better-sqlite3';
import type { CartRead, CartStore, IdempotencyRecord, StoredCart } from '../port.ts';
import {
  toCartStateFromRow,
  toIdempotency,
  toStoredCart,
  type IdempotencyRow,
  type StoredCartState,
} from '../rows.ts';
import { prepareOnBoth, read, type SqliteConnection } from './connection.ts';

const statements = (db: Database.Database) => ({
  cart: db.prepare<[string], { state: string; token_hash: Buffer }>(
    'SELECT state, token_hash FROM carts WHERE id = ?',
  ),
  // The state only when it is not the version the caller knows (readCart).
  cartUnlessAt: db.prepare<
    [number, string],
    { state: string | null; token_hash: Buffer; version: number }
  >(
    'SELECT CASE WHEN version = ? THEN NULL ELSE state END AS state, token_hash, version FROM carts WHERE id = ?',
  ),
  idempotency: db.prepare<[string], IdempotencyRow>('SELECT * FROM idempotency_keys WHERE id = ?'),
  expiredCarts: db.prepare<[string, number], { id: string }>(
    "SELECT id FROM carts WHERE status = 'active' AND expires_at <= ? LIMIT ?",
  ),
  purgeIdempotency: db.prepare<[string]>('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
  insertServerSecret: db.prepare<[string, Buffer, string]>(
    'INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
  ),
  serverSecret: db.prepare<[string], { value: Buffer }>(
    'SELECT value FROM server_secrets WHERE name = ?',
  ),
  revokeAdminSession: db.prepare<[string, string]>(
    'INSERT INTO revoked_admin_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
  ),
  adminSessionRevoked: db.prepare<[string], { id: string }>(
    'SELECT id FROM revoked_admin_sessions WHERE id = ?',
  ),
  purgeRevokedAdminSessions: db.prepare<[string]>(
    'DELETE FROM revoked_admin_sessions WHERE expires_at <= ?',
  ),
});

type Statements = ReturnType<typeof statements>;

export class SqliteCarts implements Omit<CartStore, 'mutate'> {
  private readonly stmt: Statements;
  private readonly reads: Statements;

  constructor(private readonly conn: SqliteConnection) {
    ({ stmt: this.stmt, reads: this.reads } = prepareOnBoth(conn, statements));
  }

  getCart(id: string): Promise<StoredCart | null> {
    const row = this.reads.cart.get(id);
    return Promise.resolve(
      row
        ? toStoredCart({
            state: JSON.parse(row.state) as StoredCartState,
            token_hash: row.token_hash,
          })
        : null,
    );
  }

  readCart(id: string, knownVersion: number | null): Promise<CartRead | null> {
    const row = this.reads.cartUnlessAt.get(knownVersion ?? -1, id);
    if (!row) return Promise.resolve(null);
    return Promise.resolve({
      tokenHash: row.token_hash,
      version: row.version,
      state:
        row.state === null ? null : toCartStateFromRow(JSON.parse(row.state) as StoredCartState),
    });
  }

  getIdempotency(id: string): Promise<IdempotencyRecord | null> {
    const row = this.reads.idempotency.get(id);
    return Promise.resolve(row ? toIdempotency(row) : null);
  }

  findExpiredCarts(now: string, limit: number): Promise<string[]> {
    return Promise.resolve(this.reads.expiredCarts.all(now, limit).map((r) => r.id));
  }

  purgeIdempotency(now: string): Promise<number> {
    return this.conn.commits.write(() => this.stmt.purgeIdempotency.run(now).changes);
  }

  // ---- shared by every instance on the database -----------------------------------

  serverSecret(name: string, candidate: Buffer): Promise<Buffer> {
    return this.conn.commits.write(() => {
      // The first writer wins; every caller (this one included) reads the winner back.
      this.stmt.insertServerSecret.run(name, candidate, new Date().toISOString());
      const row = this.stmt.serverSecret.get(name);
      if (!row) throw new Error(`server secret ${name} was not stored`);
      return row.value;
    });
  }

  revokeAdminSession(id: string, expiresAt: string): Promise<void> {
    return this.conn.commits.write(() => void this.stmt.revokeAdminSession.run(id, expiresAt));
  }

  isAdminSessionRevoked(id: string): Promise<boolean> {
    return read(() => this.reads.adminSessionRevoked.get(id) !== undefined);
  }

  purgeRevokedAdminSessions(now: string): Promise<number> {
    return this.conn.commits.write(() => this.stmt.purgeRevokedAdminSessions.run(now).changes);
  }
}
