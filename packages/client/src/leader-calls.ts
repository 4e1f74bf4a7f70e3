import { errorFromReport } from './cart-snapshot.ts';
import { CartNetworkError } from './errors.ts';
import type { Scheduler } from './scheduler.ts';
import { TAB_PROTOCOL, type LeaderCall, type TabMessage } from './tab-sync.ts';

/** How long a following tab waits for the leading tab to answer a call. */
export const CALL_TIMEOUT_MS = 15_000;

/**
 * The calls a following tab makes to the leading one (create, load, check out…): each
 * goes with an id, and settles when the leader's reply with that id comes back, or fails
 * with a timeout when none does (the leader is gone or stuck): never left pending.
 */
export class LeaderCalls {
  private readonly pending = new Map<
    string,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly newId: () => string,
    private readonly post: (message: TabMessage) => void,
  ) {}

  call(call: LeaderCall): Promise<unknown> {
    const id = this.newId();
    return new Promise((resolve, reject) => {
      const cancel = this.scheduler.after(CALL_TIMEOUT_MS, () => {
        this.pending.delete(id);
        reject(new CartNetworkError('timeout', 0));
      });
      this.pending.set(id, {
        resolve: (v) => {
          cancel();
          resolve(v);
        },
        reject: (e) => {
          cancel();
          reject(e);
        },
      });
      this.post({ type: 'call', v: TAB_PROTOCOL, id, call });
    });
  }

  /** The leader's reply to one of this tab's calls. */
  answered(reply: Extract<TabMessage, { type: 'reply' }>): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFromReport(reply.report));
  }

  rejectAll(error: Error): void {
    for (const w of this.pending.values()) w.reject(error);
    this.pending.clear();
  }
}
