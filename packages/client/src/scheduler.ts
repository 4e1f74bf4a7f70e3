import type { Runtime } from './runtime.ts';

/**
 * The one owner of the store's time: the machine's wake-up (a backoff, a Retry-After)
 * and the abort signal every request, retry wait and live connection listens to.
 * `dispose()` cancels all of it at once, so a disposed store leaves nothing running.
 */
export class Scheduler {
  private readonly controller = new AbortController();
  private cancelWake: (() => void) | null = null;
  private wakeAt: number | null = null;

  constructor(private readonly runtime: Runtime) {}

  /** Aborted when the store is disposed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get disposed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Calls `fn` at `at` (ms since the epoch), replacing any wake-up set before. */
  wake(at: number, fn: () => void): void {
    if (this.disposed || this.wakeAt === at) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.runtime.setTimer(
      () => {
        this.cancelWake = null;
        this.wakeAt = null;
        fn();
      },
      Math.max(0, at - this.runtime.now()),
    );
  }

  /** Runs `fn` after `ms` unless disposed first; answers the function that cancels it. */
  after(ms: number, fn: () => void): () => void {
    if (this.disposed) return () => undefined;
    const cancel = this.runtime.setTimer(fn, ms);
    const onAbort = () => cancel();
    this.signal.addEventListener('abort', onAbort, { once: true });
    return () => {
      cancel();
      this.signal.removeEventListener('abort', onAbort);
    };
  }

  dispose(): void {
    this.cancelWake?.();
    this.cancelWake = null;
    this.wakeAt = null;
    this.controller.abort(new DOMException('The cart store was disposed.', 'AbortError'));
  }
}
