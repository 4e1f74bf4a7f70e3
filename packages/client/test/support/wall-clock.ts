import type { FakeClock } from './fake-clock.ts';

/**
 * Moves the wall clock a store reads (`runtime.now`) by `ms` (negative: back), as when
 * the device's clock is corrected, leaving its timers as they were: a browser's timers
 * count elapsed time, which a clock correction does not change. (`FakeClock` keeps its
 * timers by wall time, so moving only `time` would also move every pending timer.)
 */
export function stepWallClock(clock: FakeClock, ms: number): void {
  const timers = (clock as unknown as { timers?: unknown }).timers;
  if (!Array.isArray(timers))
    throw new Error('FakeClock no longer keeps its timers in `timers`: update stepWallClock');
  for (const timer of timers as { at: number }[]) timer.at += ms;
  clock.time += ms;
}
