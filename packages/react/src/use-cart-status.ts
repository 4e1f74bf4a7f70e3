import { useMemo } from 'react';
import type { CartErrorReport, OfflineReason, SyncStatus } from '@cart/client';
import { useCartSnapshot } from './use-cart.ts';

export interface CartStatus {
  status: SyncStatus;
  online: boolean;
  /** While offline: the device has no network, or the shop does not answer. */
  offlineReason: OfflineReason | null;
  pendingCount: number;
  lastError: CartErrorReport | null;
}

/** Sync status, connectivity, queued changes and the last error: for banners and live regions. */
export function useCartStatus(): CartStatus {
  const { status, online, offlineReason, pendingCount, lastError } = useCartSnapshot();
  return useMemo(
    () => ({ status, online, offlineReason, pendingCount, lastError }),
    [status, online, offlineReason, pendingCount, lastError],
  );
}
