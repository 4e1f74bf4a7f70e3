import { useMemo } from 'react';
import type { CartErrorReport, SyncStatus } from '@cart/client';
import { useCartSnapshot } from './use-cart.ts';

export interface CartStatus {
  status: SyncStatus;
  online: boolean;
  pendingCount: number;
  lastError: CartErrorReport | null;
}

/** Sync status, connectivity, queued changes and the last error: for banners and live regions. */
export function useCartStatus(): CartStatus {
  const { status, online, pendingCount, lastError } = useCartSnapshot();
  return useMemo(
    () => ({ status, online, pendingCount, lastError }),
    [status, online, pendingCount, lastError],
  );
}
