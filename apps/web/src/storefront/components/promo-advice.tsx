import { useMemo } from 'react';
import type { ShownCart } from '@cart/client';
import { DEFAULT_LIMITS, adviceFor, toCartState, type CodeAdvice } from '@cart/core';
import { formatMoney } from '../money.ts';
import { useTriedCodes, type TriedCode } from '../promo-memory.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import './promo-advice.css';

/** A code tried, and what the device makes of it on the cart shown. */
export interface TriedAdvice {
  tried: TriedCode;
  /** Null once it is on the cart, or when it cannot be used on this cart at all. */
  advice: CodeAdvice | null;
  onCart: boolean;
}

/** The id of a code's advice, for the promo field's `aria-describedby`. */
export const adviceId = (code: string) => `promo-advice-${code}`;

/**
 * The codes tried, compared live with the cart shown (pending changes included) by
 * core's best-deal maths. (The one the page applies itself, a code refused for its
 * minimum once the cart reaches it, is PromoMemory's: on whichever page.) The device only
 * suggests: each apply goes to the server, whose refusal wins.
 */
export function usePromoAdvice(cart: ShownCart): TriedAdvice[] {
  const { promos } = useServices();
  const tried = useTriedCodes(promos);
  const rows = useMemo(() => {
    const state = toCartState(cart);
    const applied = new Set(cart.discounts.map((d) => d.code));
    return tried.map((t) => {
      const onCart = applied.has(t.terms.code);
      const advice = onCart ? null : adviceFor(state, t.terms, DEFAULT_LIMITS.maxDiscounts);
      return { tried: t, advice, onCart };
    });
  }, [cart, tried]);
  return rows;
}

const minimumOf = (t: TriedCode, cart: ShownCart) =>
  formatMoney({ amount: t.terms.minSubtotal ?? 0, currency: cart.currency });

/** What the device makes of each code tried: "Add $19.00 to use SAVE5", a switch, … */
export function PromoAdvice({
  rows,
  cart,
  pendingCodes,
}: {
  rows: readonly TriedAdvice[];
  cart: ShownCart;
  pendingCodes: readonly string[];
}) {
  const { promos, refusals } = useServices();
  const changes = useCartChanges();
  const forget = (code: string) => {
    promos.forget(code);
    refusals.clear('promo');
  };
  const shown = rows.filter((r) => r.advice !== null || (r.onCart && r.tried.appliedForYou));
  if (shown.length === 0) return null;
  const money = (amount: number) => formatMoney({ amount, currency: cart.currency });

  return (
    <ul className="promo-advice" aria-label="Codes you tried">
      {shown.map(({ tried, advice, onCart }) => {
        const code = tried.terms.code;
        // Each name starts with its visible words (WCAG 2.5.3), then says which code.
        const forgetButton = (label: string, name = `${label} ${code}`) => (
          <button
            type="button"
            className="button-link"
            aria-label={name}
            onClick={() => forget(code)}
          >
            {label}
          </button>
        );
        let body;
        if (onCart) {
          body = (
            <>
              <p className="advice-text advice-done">
                {code} applied: your cart reached {minimumOf(tried, cart)}.
              </p>
              {forgetButton('OK', `OK, ${code} is applied`)}
            </>
          );
        } else if (advice?.kind === 'addMore') {
          body = (
            <>
              <p className="advice-text">
                <strong>
                  Add {money(advice.amount)} to use {code}.
                </strong>
                {tried.waitsForMinimum ? (
                  <span className="muted">
                    {' '}
                    We’ll apply it when your cart reaches {minimumOf(tried, cart)}.
                  </span>
                ) : null}
              </p>
              {forgetButton('Forget')}
            </>
          );
        } else if (advice?.kind === 'switch') {
          body = (
            <>
              <p className="advice-text">
                <strong>
                  {code} saves {money(advice.gain)} more – switch?
                </strong>
                <span className="muted">
                  {' '}
                  It can’t be combined with {advice.replaces.join(' or ')}.
                </span>
              </p>
              <button
                type="button"
                className="button button-small"
                onClick={() => void changes.switchCode(advice.replaces, code)}
              >
                Switch to {code}
              </button>
              {forgetButton('Keep mine', `Keep mine, not ${code}`)}
            </>
          );
        } else if (advice?.kind === 'keep') {
          body = (
            <>
              <p className="advice-text">
                {code} can’t be combined with {advice.replaces.join(' or ')}, which saves you as
                much or more.
              </p>
              {forgetButton('Forget')}
            </>
          );
        } else if (advice?.kind === 'apply') {
          body = tried.appliedForYou ? (
            <p className="advice-text">
              Your cart reached {minimumOf(tried, cart)}: applying {code}…
            </p>
          ) : pendingCodes.includes(code) ? (
            <p className="advice-text">Applying {code}…</p>
          ) : (
            <>
              <p className="advice-text">{code} can be used on your cart now.</p>
              <button
                type="button"
                className="button button-small"
                onClick={() => void changes.applyCode(code)}
              >
                Apply {code}
              </button>
              {forgetButton('Forget')}
            </>
          );
        }
        return (
          <li key={code} id={adviceId(code)} className="advice" data-testid="promo-advice">
            {body}
          </li>
        );
      })}
    </ul>
  );
}
