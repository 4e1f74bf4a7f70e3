import { useEffect, useRef } from 'react';
import type { CountryCode } from '@cart/core';
import { useCartActions, useCartSnapshot } from '@cart/react';

/**
 * Keeps the shopper's country from one cart to the next. A new cart (after an order, or
 * in place of an expired one) starts in the shop's default region; a shopper who chose
 * the United Kingdom expects pounds still, so the country of the cart before is chosen
 * again for it. Done by the tab that leads (the others follow its cart), without a word:
 * for the shopper nothing changed.
 */
export function KeepCountry(): null {
  const { cart, leader } = useCartSnapshot();
  const actions = useCartActions();
  const kept = useRef<CountryCode | null>(null);
  const seen = useRef<string | null>(null);
  const id = cart?.id ?? null;
  const country = cart?.country ?? null;

  useEffect(() => {
    if (id === null) return;
    const before = seen.current;
    seen.current = id;
    if (country !== null) {
      kept.current = country;
      return;
    }
    if (kept.current === null || before === null || before === id || !leader) return;
    void actions.setCountry(kept.current);
  }, [id, country, leader, actions]);
  return null;
}
