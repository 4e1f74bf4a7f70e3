import type { CartObserver } from '../domain/cart-observer.ts';
import type { RefusalEvent, Storage } from '../storage/port.ts';

/**
 * The cart observer that writes refused adds and checkouts to the analytics store
 * (`refusals`, docs/operations.md#lost-demand), after the refusal is answered: the
 * shopper's answer never waits for it, and a failed write is reported, not thrown.
 */
export class RefusalRecorder implements CartObserver {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly storage: Pick<Storage, 'recordRefusals'>,
    private readonly onError: (error: unknown) => void,
  ) {}

  committed(): void {
    // Committed changes are counted from their analytics events.
  }

  refused(events: readonly RefusalEvent[]): void {
    const write: Promise<void> = this.storage
      .recordRefusals(events)
      .catch(this.onError)
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Waits for the writes in flight: before the storage closes, and in tests. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
