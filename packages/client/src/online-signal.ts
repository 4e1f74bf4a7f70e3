/**
 * Whether the device believes it is online, and when that changes. Injected (as
 * TanStack Query's onlineManager is), so the store runs in Node and in tests. The
 * signal is a hint: `navigator.onLine === true` does not mean the shop is reachable,
 * so the store also goes offline when requests fail and probes its way back.
 */
export interface OnlineSignal {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Always online: Node, and browsers without `navigator.onLine`. */
export const alwaysOnline: OnlineSignal = {
  isOnline: () => true,
  subscribe: () => () => undefined,
};

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** `navigator.onLine` and the window's `online`/`offline` events, when they exist. */
export function browserOnlineSignal(
  scope: { navigator?: { onLine?: boolean }; addEventListener?: unknown } = globalThis,
): OnlineSignal {
  const nav = scope.navigator;
  if (typeof nav?.onLine !== 'boolean' || typeof scope.addEventListener !== 'function') {
    return alwaysOnline;
  }
  const target = scope as unknown as EventTargetLike;
  return {
    isOnline: () => nav.onLine !== false,
    subscribe(listener) {
      const on = () => listener(true);
      const off = () => listener(false);
      target.addEventListener('online', on);
      target.addEventListener('offline', off);
      return () => {
        target.removeEventListener('online', on);
        target.removeEventListener('offline', off);
      };
    },
  };
}

/** A signal you switch by hand: tests, or an app with its own connectivity check. */
export class ManualOnlineSignal implements OnlineSignal {
  private readonly listeners = new Set<(online: boolean) => void>();
  constructor(private online = true) {}

  isOnline(): boolean {
    return this.online;
  }

  set(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    for (const l of [...this.listeners]) l(online);
  }

  subscribe(listener: (online: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
