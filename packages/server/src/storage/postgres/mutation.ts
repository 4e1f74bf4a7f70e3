/**
 * The mutation module of the PostgreSQL adapter: `mutate`, queued behind its cart's other
 * mutations in this process (cart-queue.ts), then run with mutations of other carts in a
 * group, with its cart's next ones in a chain, or alone (group-commit.ts), each a
 * transaction of five round trips (load.ts, write.ts, audit.ts); and the stored answers
 * of admin changes, written in their transaction.
 */
import {
  WriteConflictError,
  type CartStore,
  type IdempotencyRecord,
  type MutationDecision,
  type MutationPlan,
  type MutationSnapshot,
} from '../port.ts';
import type { PostgresAudit } from './audit.ts';
import { CartQueue } from './cart-queue.ts';
import type { PostgresConnection, Queryable } from './connection.ts';
import { GroupCommit, mutateAlone, type GroupCommitOptions, type Member } from './group-commit.ts';

export interface MutationOptions {
  /** How long a mutation may wait in its cart's queue: as long as for the row lock. */
  statementTimeoutMs: number;
  /** The pool's size, which bounds the groups in flight by default. */
  poolMax: number;
  /** By default two groups (fewer with a pool under four) of up to 64. */
  groupCommit?: Partial<GroupCommitOptions>;
}

export class PostgresMutation implements Pick<CartStore, 'mutate'> {
  /** Mutations of one cart, in this process, one at a time and in arrival order. */
  private readonly queue: CartQueue<Member>;
  /** Mutation groups (group-commit.ts); its `stats` are read by the tests. */
  readonly groups: GroupCommit;

  constructor(conn: PostgresConnection, audit: PostgresAudit, options: MutationOptions) {
    // A mutation waits in its cart's queue no longer than for the row lock in the database.
    this.queue = new CartQueue<Member>(options.statementTimeoutMs, {
      start: (member) => this.groups.submit(member),
      expire: (member, error) => member.reject(error),
    });
    const maxMembers = options.groupCommit?.maxMembers ?? 64;
    this.groups = new GroupCommit(
      {
        connect: () => conn.pool.connect(),
        alone: (plan, decide) =>
          conn.transaction((c) => mutateAlone(c, plan, decide, audit.auditKeys)),
        adopt: (member, max) => this.queue.adopt(member, max),
        keys: audit.auditKeys,
      },
      {
        maxGroups: options.groupCommit?.maxGroups ?? (options.poolMax >= 4 ? 2 : 1),
        maxMembers,
      },
    );
  }

  /**
   * In the cart's queue (and the source's), then in a group with mutations of other carts
   * ready at the same time, in a chain with the mutations of its cart queued behind it,
   * or alone: see GroupCommit. Answered once committed, when the cart's next turn starts.
   */
  mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const member: Member = {
        keys: plan.sourceCartId === undefined ? [plan.cartId] : [plan.cartId, plan.sourceCartId],
        plan,
        decide,
        resolve: (value) => {
          this.queue.release(member);
          resolve(value as T);
        },
        reject: (error) => {
          this.queue.release(member);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      this.queue.enqueue(member);
    });
  }

  /**
   * Stores an admin change's answer, in `c`'s transaction. A key already taken is
   * WriteConflictError.
   */
  async insertIdempotency(c: Queryable, rec: IdempotencyRecord): Promise<void> {
    // Another process committed the same key first (two requests raced past the snapshot):
    // this one rolls back, and the service's next attempt replays the winner's answer.
    const inserted = await c.query(
      'INSERT INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at, cart_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
      [rec.id, rec.fingerprint, rec.payload, rec.createdAt, rec.expiresAt, rec.cartId],
    );
    if (inserted.rowCount !== 1) throw new WriteConflictError('idempotency', rec.id);
  }

  /** Deletes an answer stored in `c`'s transaction (a change that came to nothing keeps none). */
  async deleteIdempotency(c: Queryable, id: string): Promise<void> {
    await c.query('DELETE FROM idempotency_keys WHERE id = $1', [id]);
  }
}
