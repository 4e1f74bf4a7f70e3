import { useEffect, useState, useSyncExternalStore } from 'react';
import type { OfflineReason, SyncPhase } from '@cart/client';
import { useCartSnapshot } from '@cart/react';

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

/** Whether the device has a network (`navigator.onLine`), kept current. */
export function useDeviceOnline(): boolean {
  return useSyncExternalStore(
    (change) => {
      window.addEventListener('online', change);
      window.addEventListener('offline', change);
      return () => {
        window.removeEventListener('online', change);
        window.removeEventListener('offline', change);
      };
    },
    () => navigator.onLine,
  );
}
