import { useLayoutEffect, useRef, useSyncExternalStore, type RefObject } from 'react';
import { useCartActions, useCartStatus } from '@cart/react';
import { OFFLINE_WORDS } from '../connection.ts';
import { useServices } from '../services.tsx';
import { CartNotice, isCartNotice } from './cart-notice.tsx';
import { Problem } from './problem.tsx';
import './status-bar.css';

const changes = (n: number) => `${n} ${n === 1 ? 'change' : 'changes'}`;

/**
 * The cart's connection, pinned to the bottom of the window (so it never pushes the
 * page about): offline, with how many changes wait to be sent, in words that tell the
 * device without a network ("You are offline.") from the shop not answering ("We can’t
 * reach the shop right now."); a notice of what the shop did for the shopper (a new
 * cart for an expired one), until dismissed; or the shop failing, with its words and
 * "Try again". Nothing while all is well. Changes of state are also announced by the
 * page's status region (app.tsx). The page keeps room for the bar below its end, and
 * focus scrolls clear of it, whatever its height (200% zoom, a narrow phone).
 */
export function StatusBar() {
  const { status, offlineReason, pendingCount, lastError } = useCartStatus();
  const actions = useCartActions();
  const { catalog } = useServices();
  // "You can keep shopping" only where there are products to shop (not a first visit offline).
  const shopping = useSyncExternalStore(
    catalog.subscribe,
    () => catalog.getSnapshot().items.length > 0,
  );
  const bar = useRef<HTMLElement>(null);
  useBarRoom(bar);

  if (status === 'offline') {
    const reason = offlineReason ?? 'device';
    return (
      <aside
        ref={bar}
        className={`status-bar status-offline status-offline-${reason}`}
        aria-label="Connection"
        data-testid="offline-banner"
        data-reason={reason}
      >
        <p>
          <strong>{OFFLINE_WORDS[reason].headline}</strong>{' '}
          {pendingCount > 0 ? (
            <span data-testid="pending-count">
              {reason === 'shop'
                ? `${changes(pendingCount)} kept, to be sent when it is back.`
                : `${changes(pendingCount)} waiting to be sent.`}
            </span>
          ) : shopping ? (
            'You can keep shopping.'
          ) : null}{' '}
          Your cart is kept on this device.
        </p>
        <button type="button" className="button button-small" onClick={() => actions.retry()}>
          Try now
        </button>
      </aside>
    );
  }
  if (lastError && isCartNotice(lastError)) {
    return <CartNotice report={lastError} onDismiss={() => actions.dismissError()} />;
  }
  if (status === 'error' && lastError && lastError.actionId === null) {
    return (
      <aside
        ref={bar}
        className="status-bar status-error"
        aria-label="Connection"
        data-testid="error-banner"
      >
        {/* The store stops sending until told to try again: always offer it. */}
        <Problem report={{ ...lastError, retryable: true }} onRetry={() => actions.retry()} />
        {pendingCount > 0 ? (
          <p className="small">{changes(pendingCount)} kept, not yet sent.</p>
        ) : null}
      </aside>
    );
  }
  return null;
}

/**
 * Keeps `--status-bar-room` on the root at the bar's height while it shows (status-bar.css
 * pads the page's end and the focus scroll by it), so the bar never covers the end of the
 * page or the control that has focus, however tall zoom or a narrow window makes it.
 */
function useBarRoom(bar: RefObject<HTMLElement | null>): void {
  useLayoutEffect(() => {
    const root = document.documentElement;
    const element = bar.current;
    // The root's style is touched only when the room changes: any change to it restyles
    // the whole page, and this runs after every render of the bar (every status change).
    const room = (value: string | null) => {
      const now = root.style.getPropertyValue('--status-bar-room');
      if (value === null) {
        if (now !== '') root.style.removeProperty('--status-bar-room');
      } else if (now !== value) root.style.setProperty('--status-bar-room', value);
    };
    if (!element) {
      room(null);
      return;
    }
    const measure = () => room(`${Math.ceil(element.offsetHeight)}px`);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => {
      observer.disconnect();
      // Kept while the same bar shows on (the next render measures it again at once).
      if (!bar.current?.isConnected) room(null);
    };
  });
}
