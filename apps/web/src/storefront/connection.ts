import { useEffect, useRef, useState } from 'react';
import type { OfflineReason, SyncPhase } from '@cart/client';
import { useCartSnapshot, useCartStore } from '@cart/react';

/**
 * The words for the cart's connection, one home for them: the status bar, the
 * announcements and the cart lines all say the same thing. The device being offline
 * ("check your connection" helps) is told apart from the shop not answering while the
 * device is online (a server down, a proxy's error page: nothing the shopper can fix).
 */
export const OFFLINE_WORDS: Record<OfflineReason, { headline: string; announce: string }> = {
  device: {
    headline: 'You are offline.',
    announce: 'You are offline. Changes to your cart are kept on this device and sent later.',
  },
  shop: {
    headline: 'We can’t reach the shop right now.',
    announce:
      'We can’t reach the shop right now. Your changes are kept and will be sent when it is back.',
  },
};

/** What is said when the connection comes back, after being offline for `reason`. */
export function backWords(reason: OfflineReason | null, pendingCount: number): string {
  const back = reason === 'shop' ? 'The shop is back.' : 'Back online.';
  return pendingCount > 0 ? `${back} Sending your changes…` : `${back} Your cart is saved.`;
}

const subscribeSecond = (tick: () => void) => {
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
};

/**
 * Whole seconds until the store tries again (its backoff after a failure, or the
 * server's Retry-After), re-rendered each second; null when it is not waiting.
 */
export function useRetryIn(): number | null {
  const { sync } = useCartSnapshot();
  return useSecondsUntil(sync);
}

function useSecondsUntil(sync: SyncPhase): number | null {
  const until = sync.kind === 'waiting' ? sync.until : null;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    return subscribeSecond(() => setNow(Date.now()));
  }, [until]);
  if (until === null) return null;
  return Math.max(1, Math.ceil((until - now) / 1000));
}

/** Waits between quiet retries of a page that could not load: 5 s, 10 s, 20 s, then 30 s. */
const RETRY_WAITS_MS = [5_000, 10_000, 20_000, 30_000];

/**
 * While `failed`, calls `retry` when the shop may be back: the device comes online, the
 * cart store reaches the shop again (after being offline or failing), and, with `poll`
 * (for a quiet retry: a shop that went down with nothing else to notice it coming
 * back), now and then on a backoff.
 */
export function useRetryWhenBack(failed: boolean, retry: () => void, poll = true): void {
  const store = useCartStore();
  const latest = useRef(retry);
  useEffect(() => {
    latest.current = retry;
  });
  useEffect(() => {
    if (!failed) return;
    const again = () => latest.current();
    let status = store.getSnapshot().status;
    const stop = store.subscribe(() => {
      const before = status;
      status = store.getSnapshot().status;
      if (
        (before === 'offline' || before === 'error') &&
        (status === 'idle' || status === 'syncing')
      )
        again();
    });
    window.addEventListener('online', again);
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      if (!poll) return;
      timer = setTimeout(
        () => {
          tries += 1;
          again();
          later();
        },
        RETRY_WAITS_MS[Math.min(tries, RETRY_WAITS_MS.length - 1)],
      );
    };
    later();
    return () => {
      stop();
      window.removeEventListener('online', again);
      clearTimeout(timer);
    };
  }, [failed, store, poll]);
}
