import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ShownCart } from '@cart/client';
import { shortfall } from '@cart/core';
import { formatDiscount, formatMoney } from '../money.ts';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { Problem } from './problem.tsx';
import { PromoAdvice, adviceId, usePromoAdvice } from './promo-advice.tsx';

/**
 * The promo code field and the codes on the cart. A code is shown once the server has
 * accepted it; a refused code is explained under the field, which is marked invalid and
 * keeps what was typed (selected, to correct a typo) until a code is accepted. A code
 * refused only for now comes with its terms, and the device then says what it would
 * take instead of the server's words (PromoAdvice): how much more the cart needs, or a
 * switch to the code that saves more.
 */
export function PromoCode({ cart, pendingCodes }: { cart: ShownCart; pendingCodes: string[] }) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'promo');
  const [code, setCode] = useState('');
  const form = useRef<HTMLFormElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const rows = usePromoAdvice(cart);
  // A refusal for now is said by its advice (live, as the cart changes), not in the
  // server's words of the moment; the server's words stay when the device has none.
  const refusedCode = refusal?.discount?.code;
  const advised = rows.some((r) => r.tried.terms.code === refusedCode && r.advice !== null);
  const describedBy = !refusal
    ? undefined
    : advised
      ? adviceId(refusedCode ?? '')
      : 'promo-problem';

  // A code typed, refused for now, then put on the cart another way (a switch to it, or
  // applied once the cart reached its minimum) was accepted all the same: clear it then.
  const applied = cart.discounts.map((d) => d.code).join(' ');
  useEffect(() => {
    const typed = code.trim().toUpperCase();
    if (typed && applied.split(' ').includes(typed)) setCode('');
    // Only when the codes on the cart change (`code` left out): not as the shopper types.
  }, [applied]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = code.trim();
    if (!trimmed) return;
    void changes.applyCode(trimmed).then((accepted) => {
      if (accepted) {
        // Cleared only if it still holds the code sent (the shopper may be typing another).
        setCode((now) => (now.trim() === trimmed ? '' : now));
        return;
      }
      // Refused: the code stays, selected, to be corrected, when the shopper is still here.
      const active = document.activeElement;
      if (active === document.body || form.current?.contains(active)) {
        input.current?.focus();
        input.current?.select();
      }
    });
  };

  return (
    <section className="promo" aria-labelledby="promo-heading">
      <h2 id="promo-heading" className="section-title">
        Discount codes
      </h2>
      <form className="promo-form" onSubmit={submit} noValidate ref={form}>
        <label htmlFor="promo-code">Promo code</label>
        <div className="inline-field">
          <input
            id="promo-code"
            ref={input}
            name="promo"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            value={code}
            maxLength={64}
            onChange={(e) => setCode(e.target.value)}
            aria-invalid={refusal ? true : undefined}
            aria-describedby={describedBy}
          />
          <button type="submit" className="button">
            Apply
          </button>
        </div>
      </form>
      {refusal && !advised ? (
        <Problem id="promo-problem" report={refusal} onDismiss={() => refusals.clear('promo')} />
      ) : null}
      <PromoAdvice rows={rows} cart={cart} pendingCodes={pendingCodes} />
      {cart.discounts.length > 0 || pendingCodes.length > 0 ? (
        <ul className="codes" aria-label="Codes on your cart">
          {cart.discounts.map((d) => (
            <li key={d.code} className="code">
              <span className="code-name">{d.code}</span>
              <span className="code-amount">
                {d.applicable
                  ? formatDiscount(d.amount)
                  : `Not yet: add ${formatMoney({ amount: shortfall(d, cart.subtotal.amount), currency: cart.currency })} to use it`}
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
