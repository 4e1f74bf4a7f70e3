import type pg from 'pg';
import type { AuditKey, AuditKeyring } from '../../audit/keyring.ts';
import type { AuditEntry, MutationDecision, MutationPlan, MutationSnapshot } from '../port.ts';
import { insertAudit, readAuditHead } from './audit.ts';
import type { Queryable } from './connection.ts';
import { loadSnapshots } from './load.ts';
import {
  checkWriteItem,
  writeChanges,
  writeItemOf,
  writesSomething,
  type WriteItem,
} from './write.ts';

/**
 * One mutation in its own transaction: BEGIN (the caller's), load and lock, decide,
 * write (ending with the audit lock and head), append the audit records, COMMIT (the
 * caller's): five round trips. A race lost is the WriteConflictError it names; the
 * caller rolls back.
 */
export async function mutateAlone<T>(
  c: Queryable,
  plan: MutationPlan,
  decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  keys: AuditKeyring,
): Promise<T> {
  const [snapshot] = await loadSnapshots(c, [plan], true);
  if (!snapshot) throw new Error('a waiting load skipped its cart');
  const decision = decide(snapshot);
  const item = writeItemOf(decision);
  if (!writesSomething(item)) return decision.reply;
  checkWriteItem(item);
  const audit = decision.write?.audit ?? [];
  // Before any write: without a signing key nothing is written at all.
  const key = audit.length ? keys.requireSigning() : null;
  const outcome = await writeChanges(c, [item], key !== null);
  if (!outcome.ok) throw outcome.conflicts[0] ?? new Error('a conditional write failed');
  if (key) await insertAudit(c, audit, outcome.head, key);
  return decision.reply;
}

export interface GroupCommitOptions {
  /** Groups in flight at once, each on a connection of its own. */
  maxGroups: number;
  /** Most mutations in one group, or in one chain of a cart's mutations. */
  maxMembers: number;
}

/** A mutation waiting for its turn: what it needs, and how to answer it. */
export interface Member {
  /** Its cart, and a merge's source: the keys of its turn in the cart queue. */
  readonly keys: readonly string[];
  readonly plan: MutationPlan;
  readonly decide: (snapshot: MutationSnapshot) => MutationDecision<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Decided {
  member: Member;
  reply: unknown;
  item: WriteItem;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A conditional write of a group or chain lost a race: it is rolled back and redone. */
class GroupLost extends Error {}

/**
 * Group commit. The audit chain's lock is held across COMMIT, a WAL flush, so one
 * mutation after another, each with its own commit, would run at the disk's flush rate,
 * whatever the carts. Mutations that are ready together share one transaction instead:
 * one round trip per step for all of them, one hold of the chain's lock, one commit.
 *
 * Mutations of different carts go in a group: the one-mutation transaction
 * (`mutateAlone`) done for several at once.
 * - Their carts are locked in one statement that passes over carts another transaction
 *   holds (SKIP LOCKED): such a mutation runs alone, and waits there, so one cart busy
 *   elsewhere never holds up the group.
 * - Every decision is made on that statement's snapshot; one that throws rejects its own
 *   mutation only, and one that writes nothing just answers at the commit. Decisions of
 *   one group do not see each other's writes: they share nothing but what is written
 *   conditionally (stock, code uses, keys) and what is read, not locked (products), as
 *   mutations of two processes do.
 * - Every write is one statement, with every conditional check of every decision.
 *
 * Mutations of one cart (a hot cart) go in a chain: the cart queue lets one at a time
 * through, and the one let through takes over those queued right behind it (`adopt`).
 * They run one after the other in its transaction, each loading what the one before
 * wrote: two round trips each, one commit for all.
 *
 * In both, a race lost (stock, a code's limit, a key taken) or any error before COMMIT
 * rolls everything back, and each mutation runs again alone (a chain's one after the
 * other, in order), deciding again on fresh data (`decide` may run more than once) and
 * meeting its own outcome. None is
 * answered before the COMMIT has returned; a COMMIT that fails fails them all, as it
 * would have failed each one alone. A single mutation ready on its own runs alone at
 * once: nothing waits to fill a group.
 */
export class GroupCommit {
  private readonly queue: Member[] = [];
  private running = 0;
  private scheduled: NodeJS.Immediate | null = null;
  /** Groups and chains committed, mutations in them and mutations run alone (tests, metrics). */
  readonly stats = { groups: 0, grouped: 0, chains: 0, chained: 0, alone: 0, redone: 0 };

  constructor(
    private readonly db: {
      connect: () => Promise<pg.PoolClient>;
      /** One mutation in a transaction of its own, retried on deadlock. */
      alone: <T>(
        plan: MutationPlan,
        decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
      ) => Promise<T>;
      /** The mutations queued right behind `member` for its cart, now its to run. */
      adopt: (member: Member, max: number) => Member[];
      keys: AuditKeyring;
    },
    private readonly options: GroupCommitOptions,
  ) {}

  /** Runs `member` (which holds its cart's turn) in a group, a chain, or alone. */
  submit(member: Member): void {
    this.queue.push(member);
    // At the end of this turn of the event loop, with whatever else arrived in it: the
    // requests read from the network together go together, and a lone one waits for
    // nothing but the turn.
    this.scheduled ??= setImmediate(() => {
      this.scheduled = null;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.maxGroups && this.queue.length > 0) {
      // A mutation with others of its cart queued behind it leads a chain of its own,
      // beside the group: in a group, its cart would get one change per commit.
      const members = this.queue.splice(0, this.options.maxMembers).filter((m) => {
        const followers = this.db.adopt(m, this.options.maxMembers - 1);
        if (followers.length) void this.chain([m, ...followers]);
        return followers.length === 0;
      });
      if (members.length === 0) continue;
      this.running += 1;
      const done = () => {
        this.running -= 1;
        this.pump();
      };
      const [only] = members;
      if (members.length === 1 && only) void this.alone(only).finally(done);
      else void this.group(members).finally(done);
    }
  }

  /** One mutation, with the mutations of its cart queued behind it, if there are any. */
  private alone(m: Member): Promise<void> {
    const followers = this.db.adopt(m, this.options.maxMembers - 1);
    if (followers.length) return this.chain([m, ...followers]);
    this.stats.alone += 1;
    return this.db.alone(m.plan, m.decide).then(m.resolve, m.reject);
  }

  private async group(members: Member[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.db.connect();
    } catch (error) {
      for (const m of members) m.reject(error);
      return;
    }
    /** Mutations to run alone once this group is over: held elsewhere, or redone. */
    const alone: Member[] = [];
    const decided: Decided[] = [];
    /** Mutations whose decision threw: answered already. */
    const refused = new Set<Member>();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const snapshots = await loadSnapshots(
        client,
        members.map((m) => m.plan),
        false,
      );
      let key: AuditKey | null = null;
      members.forEach((member, i) => {
        const snapshot = snapshots[i];
        if (!snapshot) {
          alone.push(member);
          return;
        }
        try {
          const decision = member.decide(snapshot);
          const item = writeItemOf(decision);
          checkWriteItem(item);
          if (decision.write?.audit.length) key ??= this.db.keys.requireSigning();
          decided.push({ member, reply: decision.reply, item });
        } catch (error) {
          refused.add(member);
          member.reject(error);
        }
      });
      const writing = decided.filter((d) => writesSomething(d.item));
      if (writing.length) {
        const audit: AuditEntry[] = writing.flatMap((d) => d.item.write?.audit ?? []);
        const outcome = await writeChanges(
          client,
          writing.map((d) => d.item),
          audit.length > 0,
        );
        if (!outcome.ok) throw new GroupLost();
        if (key) await insertAudit(client, audit, outcome.head, key);
      }
    } catch {
      // Nothing of the group is kept: each of its mutations runs again alone, and meets
      // its own outcome (the race it lost, the error it causes, or success).
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      client.release(broken);
      const again = members.filter((m) => !refused.has(m));
      this.stats.redone += again.length;
      for (const m of again) void this.alone(m);
      return;
    }
    try {
      await client.query('COMMIT');
    } catch (error) {
      // Rolled back, or (the connection lost during COMMIT) unknown: never redone.
      client.release(error instanceof Error ? error : new Error(String(error)));
      for (const d of decided) d.member.reject(error);
      for (const m of alone) void this.alone(m);
      return;
    }
    client.release();
    this.stats.groups += 1;
    this.stats.grouped += decided.length;
    for (const d of decided) d.member.resolve(d.reply);
    for (const m of alone) void this.alone(m);
  }

  /**
   * Mutations of one cart, in queue order, in one transaction: each loads (its lock is
   * the transaction's already, and its read sees the writes before it), decides and
   * writes in turn; the audit chain's lock and head come last, for all of them. Every
   * mutation is answered at the end, together, so the cart's next turn starts only then.
   */
  private async chain(members: Member[]): Promise<void> {
    const outcomes = new Map<Member, Outcome>();
    const settle = () => {
      for (const m of members) {
        const o = outcomes.get(m);
        if (o?.ok) m.resolve(o.value);
        else m.reject(o?.error ?? new Error('the mutation was not run'));
      }
    };
    let client: pg.PoolClient;
    try {
      client = await this.db.connect();
    } catch (error) {
      for (const m of members) outcomes.set(m, { ok: false, error });
      settle();
      return;
    }
    const decided: Decided[] = [];
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const audit: AuditEntry[] = [];
      let key: AuditKey | null = null;
      for (const member of members) {
        const [snapshot] = await loadSnapshots(client, [member.plan], true);
        if (!snapshot) throw new Error('a waiting load skipped its cart');
        let item: WriteItem;
        try {
          const decision = member.decide(snapshot);
          item = writeItemOf(decision);
          checkWriteItem(item);
          if (decision.write?.audit.length) key ??= this.db.keys.requireSigning();
          decided.push({ member, reply: decision.reply, item });
        } catch (error) {
          outcomes.set(member, { ok: false, error });
          continue;
        }
        if (writesSomething(item)) {
          const outcome = await writeChanges(client, [item], false);
          if (!outcome.ok) throw new GroupLost();
          audit.push(...(item.write?.audit ?? []));
        }
      }
      if (key) await insertAudit(client, audit, await readAuditHead(client), key);
    } catch {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      client.release(broken);
      // One after the other, in order, each in its own transaction.
      for (const m of members) {
        if (outcomes.has(m)) continue;
        this.stats.redone += 1;
        try {
          outcomes.set(m, { ok: true, value: await this.db.alone(m.plan, m.decide) });
        } catch (error) {
          outcomes.set(m, { ok: false, error });
        }
      }
      settle();
      return;
    }
    try {
      await client.query('COMMIT');
      client.release();
      this.stats.chains += 1;
      this.stats.chained += decided.length;
      for (const d of decided) outcomes.set(d.member, { ok: true, value: d.reply });
    } catch (error) {
      // Rolled back, or (the connection lost during COMMIT) unknown: never redone.
      client.release(error instanceof Error ? error : new Error(String(error)));
      for (const d of decided) outcomes.set(d.member, { ok: false, error });
    }
    settle();
  }
}
