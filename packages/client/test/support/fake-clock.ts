import type { Runtime } from '../../src/index.ts';

/**
 * A clock the test moves: `sleep` records the wait and jumps time forward at once,
 * timers run only when `tick` passes them, `random` is fixed unless set.
 */
export class FakeClock implements Runtime {
  time = Date.UTC(2026, 10, 28, 10, 0, 0);
  readonly sleeps: number[] = [];
  randomValue = 0.5;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  now = (): number => this.time;
  random = (): number => this.randomValue;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  };

  setTimer = (fn: () => void, ms: number): (() => void) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  };

  /** Timers waiting to run. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running the timers that fall due, in order. */
  tick(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }
}
