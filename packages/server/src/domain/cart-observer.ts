import type { AnalyticsEvent, RefusalEvent } from '../storage/port.ts';

/**
 * What the cart service tells the rest of the process after a change is committed:
 * metrics, domain-event log lines and the live dashboard series all listen here, so
 * the service knows nothing about any of them. Observers must not throw or block.
 */
export interface CartObserver {
  /** A change was committed with these usage events (never called for replays or refusals). */
  committed(events: readonly AnalyticsEvent[], context: { requestId: string }): void;
  /**
   * A refused add or checkout was answered (domain/refusals.ts): no cart changed. Never
   * called for a replay of a refusal, which was counted when first answered.
   */
  refused?(events: readonly RefusalEvent[], context: { requestId: string }): void;
}

/** Calls every observer, isolating each: one that throws does not stop the others. */
export class CartObservers implements CartObserver {
  private readonly list: CartObserver[] = [];

  constructor(private readonly onError: (error: unknown) => void) {}

  add(observer: CartObserver): void {
    this.list.push(observer);
  }

  committed(events: readonly AnalyticsEvent[], context: { requestId: string }): void {
    if (events.length === 0) return;
    for (const observer of this.list) {
      try {
        observer.committed(events, context);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  refused(events: readonly RefusalEvent[], context: { requestId: string }): void {
    if (events.length === 0) return;
    for (const observer of this.list) {
      try {
        observer.refused?.(events, context);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
