/**
 * Mutations of one cart, in one process, one at a time and in arrival order: a waiter
 * waits here, on the event loop, instead of taking a pool connection to wait on the
 * cart's row lock. Fifty requests to one hot cart then hold one connection, not the whole
 * pool, and are served first come, first served. Other processes still meet on the row
 * lock (`SELECT … FOR UPDATE`).
 *
 * A turn holding several keys (a merge: the cart and its source) takes them one after the
 * other in sorted order, as every turn does, so two merges of the same pair named the
 * other way round queue instead of waiting for each other forever. A key is in the map
 * only while a turn holds it or waits for it.
 *
 * The holder of a key may take over the turns queued right behind it that need that key
 * alone (`adopt`): they are then its to run and answer (group-commit.ts runs them in
 * its transaction), and leave the queue as if they had had their turn.
 *
 * A turn gives up after `timeoutMs` with an error PostgreSQL would have raised for a lock
 * it could not get (55P03, "unavailable": the client retries later), so a queue never
 * makes a request wait longer than the row lock would have.
 */
export class CartQueue<T extends { readonly keys: readonly string[] }> {
  /** Per key, the turns in line: the first holds the key, the others wait for it. */
  private readonly lines = new Map<string, T[]>();
  /** Every turn in a line: its keys, sorted, how many of them it holds, its timer. */
  private readonly turns = new Map<T, { keys: string[]; held: number; timer?: NodeJS.Timeout }>();

  constructor(
    private readonly timeoutMs: number,
    private readonly handlers: {
      /** The turn holds all its keys; `release` it once done. */
      start: (turn: T) => void;
      /** The turn waited `timeoutMs` and has left the queue. */
      expire: (turn: T, error: Error) => void;
    },
  ) {}

  /** Keys held or waited for now (for tests and metrics). */
  get size(): number {
    return this.lines.size;
  }

  /** Queues a turn; it starts now if nobody holds its keys. */
  enqueue(turn: T): void {
    const keys = [...new Set(turn.keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.turns.set(turn, { keys, held: 0 });
    if (this.advance(turn)) return;
    const entry = this.turns.get(turn);
    if (entry) entry.timer = setTimeout(() => this.giveUp(turn), this.timeoutMs);
  }

  /** The turn is over: it leaves every line, and those behind it move up. */
  release(turn: T): void {
    const entry = this.turns.get(turn);
    if (!entry) return;
    this.turns.delete(turn);
    clearTimeout(entry.timer);
    for (const key of entry.keys.slice(0, entry.held)) this.leave(key, turn);
  }

  /**
   * Takes over, from the line of `holder`'s only key, up to `max` turns queued right
   * behind it that need no other key; they leave the queue, in order.
   */
  adopt(holder: T, max: number): T[] {
    const entry = this.turns.get(holder);
    const key = entry?.keys.length === 1 ? entry.keys[0] : undefined;
    const line = key === undefined ? undefined : this.lines.get(key);
    if (!line || line[0] !== holder) return [];
    let n = 1;
    while (n <= max && n < line.length && this.turns.get(line[n] as T)?.keys.length === 1) n += 1;
    const adopted = line.splice(1, n - 1);
    for (const turn of adopted) {
      clearTimeout(this.turns.get(turn)?.timer);
      this.turns.delete(turn);
    }
    return adopted;
  }

  /** Takes the turn's next keys while it is first in their line; true once it holds all. */
  private advance(turn: T): boolean {
    const entry = this.turns.get(turn);
    if (!entry) return false;
    while (entry.held < entry.keys.length) {
      const key = entry.keys[entry.held] as string;
      let line = this.lines.get(key);
      if (!line) {
        line = [];
        this.lines.set(key, line);
      }
      if (!line.includes(turn)) line.push(turn);
      if (line[0] !== turn) return false;
      entry.held += 1;
    }
    clearTimeout(entry.timer);
    this.handlers.start(turn);
    return true;
  }

  /** `turn` leaves the line of `key`; the one now first there goes on taking its keys. */
  private leave(key: string, turn: T): void {
    const line = this.lines.get(key);
    if (!line) return;
    const at = line.indexOf(turn);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) {
      this.lines.delete(key);
      return;
    }
    const first = line[0] as T;
    if (at === 0) this.advance(first);
  }

  private giveUp(turn: T): void {
    const entry = this.turns.get(turn);
    if (!entry) return;
    this.turns.delete(turn);
    // The keys it holds, and the line it waits in.
    for (const key of entry.keys.slice(0, entry.held + 1)) this.leave(key, turn);
    const error = new Error(
      `waited too long for cart ${entry.keys.join(', ')}, busy in this process`,
    );
    // The SQLSTATE of "lock not available": the same answer as a row lock not granted.
    this.handlers.expire(turn, Object.assign(error, { code: '55P03' }));
  }
}
