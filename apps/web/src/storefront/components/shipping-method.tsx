import { useEffect, useState } from 'react';
import type { ShownCart } from '@cart/client';
import type { CartShippingOptions } from '@cart/core';
import { useCartSnapshot, useCartStore } from '@cart/react';
import { formatMoney } from '../money.ts';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { Problem } from './problem.tsx';

type Option = CartShippingOptions['items'][number];

interface OptionsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  items: readonly Option[];
}

/** The id of the local message ("Choose a shipping method."), for checkout to point at. */
export const SHIPPING_ERROR_ID = 'shipping-error';
const PROBLEM_ID = 'shipping-problem';

/**
 * The shipping options of the cart's region, each with what it costs this cart. Read
 * again whenever the cart the shop holds moves to another region or its subtotal
 * changes (an option can become free): the shop prices them from its own cart, so the
 * confirmed one is what is followed, not the changes still on their way.
 */
function useShippingOptions(): [OptionsState, () => void] {
  const store = useCartStore();
  const { confirmed } = useCartSnapshot();
  const key =
    confirmed === null || confirmed.status !== 'active'
      ? null
      : [
          confirmed.id,
          confirmed.regionId,
          confirmed.subtotal.amount,
          confirmed.discountTotal.amount,
        ].join(' ');
  const [state, setState] = useState<OptionsState>({ status: 'idle', items: [] });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    // What was read stays on show meanwhile: the same options, their costs about to update.
    setState((s) => ({ ...s, status: 'loading' }));
    store.loadShippingOptions().then(
      ({ items }) => live && setState({ status: 'ready', items }),
      () => live && setState((s) => ({ ...s, status: 'error' })),
    );
    return () => {
      live = false;
    };
  }, [store, key, attempt]);
  return [state, () => setAttempt((n) => n + 1)];
}

/** An option's cost in words: "£9.95", or "Free". */
const costOf = (option: Option) => (option.cost.amount === 0 ? 'Free' : formatMoney(option.cost));

/**
 * "Shipping method": a radio group (a fieldset and its legend) of the options of the
 * cart's region, each with its cost for this cart; a choice is saved to the cart at once
 * (setShippingOption) and shows in the totals. `error` is checkout's own message when
 * the order is placed without a choice.
 */
export function ShippingMethod({ cart, error }: { cart: ShownCart; error: string | null }) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'shipping');
  const [state, retry] = useShippingOptions();
  const { confirmed } = useCartSnapshot();
  // Only the options of the region the cart is shown in: after a move, those of the old
  // region are on show until the new ones are read.
  const options = state.items.filter((o) => o.regionId === cart.regionId);
  const describedBy = [error ? SHIPPING_ERROR_ID : null, refusal ? PROBLEM_ID : null].filter(
    (id) => id !== null,
  );

  let body;
  if (options.length > 0) {
    body = (
      <div className="choices">
        {options.map((option) => {
          const id = `shipping-${option.id}`;
          const hint =
            option.freeOverSubtotal !== null && option.cost.amount > 0
              ? `Free on orders of ${formatMoney({ amount: option.freeOverSubtotal, currency: option.cost.currency })} or more.`
              : null;
          const ids = [...describedBy, ...(hint ? [`${id}-hint`] : [])];
          return (
            <div className="choice" key={option.id}>
              <input
                type="radio"
                id={id}
                name="shippingOption"
                value={option.id}
                checked={cart.shippingOptionId === option.id}
                onChange={() =>
                  changes.setShippingOption(option.id, `${option.name}, ${costOf(option)}`)
                }
                aria-invalid={error ? true : undefined}
                aria-describedby={ids.length ? ids.join(' ') : undefined}
              />
              <label htmlFor={id}>
                <span className="choice-name">{option.name}</span>{' '}
                <span className="choice-cost" data-testid="shipping-cost">
                  {costOf(option)}
                </span>
              </label>
              {hint ? (
                <p className="hint choice-hint" id={`${id}-hint`}>
                  {hint}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
    );
  } else if (state.status === 'error') {
    body = (
      <Problem
        report={{
          message: 'We could not load the shipping methods.',
          detail: navigator.onLine
            ? 'The shop did not answer. Please try again.'
            : 'You are offline. Connect and try again.',
          errors: [],
          retryable: true,
        }}
        onRetry={retry}
      />
    );
  } else if (confirmed === null) {
    body = <p className="muted">The shipping methods show once your cart is saved.</p>;
  } else if (state.status === 'ready' && state.items.length === 0) {
    body = <p className="muted">We do not ship to this country yet.</p>;
  } else {
    body = (
      <p className="muted" aria-busy="true">
        Loading shipping methods…
      </p>
    );
  }

  return (
    <section className="panel">
      <fieldset className="fieldset" aria-busy={state.status === 'loading'}>
        <legend>
          <h2 id="shipping-heading" className="section-title" tabIndex={-1}>
            Shipping method
          </h2>
        </legend>
        {body}
        {error ? (
          <p className="field-error" id={SHIPPING_ERROR_ID}>
            {error}
          </p>
        ) : null}
        {refusal ? (
          <Problem id={PROBLEM_ID} report={refusal} onDismiss={() => refusals.clear('shipping')} />
        ) : null}
      </fieldset>
    </section>
  );
}
