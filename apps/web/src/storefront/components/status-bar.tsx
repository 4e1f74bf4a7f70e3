import { useCartActions, useCartStatus } from '@cart/react';
import { CartNotice, isCartNotice } from './cart-notice.tsx';
import { Problem } from './problem.tsx';

const changes = (n: number) => `${n} ${n === 1 ? 'change' : 'changes'}`;

/**
 * The cart's connection, pinned to the bottom of the window (so it never pushes the
 * page about): offline, with how many changes wait to be sent; a notice of what the
 * shop did for the shopper (a new cart for an expired one), until dismissed; or the
 * shop failing, with its words and "Try again". Nothing while all is well. Changes of
 * state are also announced by the page's status region (app.tsx).
 */
export function StatusBar() {
  const { status, pendingCount, lastError } = useCartStatus();
  const actions = useCartActions();
  if (status === 'offline') {
    return (
      <aside
        className="status-bar status-offline"
        aria-label="Connection"
        data-testid="offline-banner"
      >
        <p>
          <strong>You are offline.</strong>{' '}
          {pendingCount > 0 ? (
            <span data-testid="pending-count">{changes(pendingCount)} waiting to be sent.</span>
          ) : (
            'You can keep shopping.'
          )}{' '}
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
      <aside className="status-bar status-error" aria-label="Connection" data-testid="error-banner">
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
