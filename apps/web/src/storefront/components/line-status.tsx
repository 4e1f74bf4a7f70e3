import { useCartActions, useCartStatus } from '@cart/react';
import { useRetryIn } from '../connection.ts';

/**
 * What became of a line's change that is not confirmed yet: "Saving…" while it is on
 * its way; "Waiting for the network" while the device is offline; and once the shop
 * failed or did not answer, "Not saved yet", when the store tries again ("retrying in
 * 8 s") and "Try now", rather than a "Saving…" that never ends.
 */
export function LineStatus({ pending, name }: { pending: boolean; name: string }) {
  const { status, offlineReason } = useCartStatus();
  if (!pending) return null;
  if (status === 'offline' && offlineReason !== 'shop') {
    return (
      <span className="pending">
        <span className="pending-dot" aria-hidden="true" />
        Waiting for the network
      </span>
    );
  }
  if (status === 'offline' || status === 'error') return <NotSaved name={name} />;
  return (
    <span className="pending">
      <span className="pending-dot" aria-hidden="true" />
      Saving…
    </span>
  );
}

function NotSaved({ name }: { name: string }) {
  const actions = useCartActions();
  const seconds = useRetryIn();
  return (
    <span className="pending pending-failed" data-testid="line-not-saved">
      <span className="pending-dot" aria-hidden="true" />
      <span>
        Not saved yet
        {seconds !== null ? ` — retrying in ${seconds} s` : ''}
      </span>
      <button type="button" className="button-link" onClick={() => actions.retry()}>
        Try now<span className="sr-only"> to save {name}</span>
      </button>
    </span>
  );
}
