import { useState, type FormEvent } from 'react';
import type { ShownCart } from '@cart/client';
import { formatDiscount } from '../money.ts';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { Problem } from './problem.tsx';

/**
 * The promo code field and the codes on the cart. A code is shown once the server has
 * accepted it (only the server knows a code's terms); a refused code is explained
 * under the field, which is marked invalid.
 */
export function PromoCode({ cart, pendingCodes }: { cart: ShownCart; pendingCodes: string[] }) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'promo');
  const [code, setCode] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = code.trim();
    if (!trimmed) return;
    changes.applyCode(trimmed);
    setCode('');
  };

  return (
    <section className="promo" aria-labelledby="promo-heading">
      <h2 id="promo-heading" className="section-title">
        Discount codes
      </h2>
      <form className="promo-form" onSubmit={submit} noValidate>
        <label htmlFor="promo-code">Promo code</label>
        <div className="inline-field">
          <input
            id="promo-code"
            name="promo"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            value={code}
            maxLength={64}
            onChange={(e) => setCode(e.target.value)}
            aria-invalid={refusal ? true : undefined}
            aria-describedby={refusal ? 'promo-problem' : undefined}
          />
          <button type="submit" className="button">
            Apply
          </button>
        </div>
      </form>
      {refusal ? (
        <Problem id="promo-problem" report={refusal} onDismiss={() => refusals.clear('promo')} />
      ) : null}
      {cart.discounts.length > 0 || pendingCodes.length > 0 ? (
        <ul className="codes" aria-label="Codes on your cart">
          {cart.discounts.map((d) => (
            <li key={d.code} className="code">
              <span className="code-name">{d.code}</span>
              <span className="code-amount">
                {d.applicable ? formatDiscount(d.amount) : 'Not yet: spend more to use it'}
              </span>
              <button
                type="button"
                className="button-link"
                aria-label={`Remove code ${d.code}`}
                onClick={() => changes.removeCode(d.code)}
              >
                Remove
              </button>
            </li>
          ))}
          {pendingCodes.map((c) => (
            <li key={`pending-${c}`} className="code code-pending">
              <span className="code-name">{c.toUpperCase()}</span>
              <span className="pending">
                <span className="pending-dot" aria-hidden="true" />
                Checking…
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
