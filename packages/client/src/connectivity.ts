import { backoffDelay, type RetryPolicy } from './backoff.ts';
import type { CartErrorReport } from './cart-snapshot.ts';
import type { Runtime } from './runtime.ts';

/**
 * What the store knows about reaching the shop: the network failed (`down`), the shop
 * answers but keeps failing (`trouble`), or it refused the store itself (`fatal`: a
 * credential or CSRF refusal, until `retry()`). While down or in trouble, it probes
 * again after a backoff with full jitter, growing until the cap.
 */
export class Connectivity {
  down = false;
  trouble: CartErrorReport | null = null;
  fatal = false;
  private failures = 0;
  private cancel: (() => void) | null = null;

  constructor(
    private readonly runtime: Runtime,
    private readonly policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
    private readonly probe: () => void,
  ) {}

  /** An answer came: the shop is reachable and working. */
  ok(): void {
    this.down = false;
    this.trouble = null;
    this.fatal = false;
    this.resetBackoff();
  }

  /** Tries again after the next backoff delay (at least 250 ms). */
  scheduleProbe(): void {
    this.cancel?.();
    const delay = Math.max(
      250,
      backoffDelay(
        this.failures++,
        { ...this.policy, maxAttempts: 0, maxRetryAfterMs: 0 },
        this.runtime.random(),
      ),
    );
    this.cancel = this.runtime.setTimer(() => {
      this.cancel = null;
      this.probe();
    }, delay);
  }

  /** Starts the backoff over and drops a waiting probe (the caller tries now). */
  resetBackoff(): void {
    this.failures = 0;
    this.cancel?.();
    this.cancel = null;
  }
}
