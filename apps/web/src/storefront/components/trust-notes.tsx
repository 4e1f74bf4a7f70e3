import type { Cart, Line } from '@cart/core';
import { formatMoney } from '../money.ts';
import './trust-notes.css';

/**
 * The shop's promises, one place for their words: what happens after "Place order". The
 * shop is a demo, so they say only what is true of it. It states no delivery times (its
 * shipping options carry none), so delivery is the method and its cost, nothing invented.
 */
export const RETURNS_POLICY = 'Changed your mind? Return unused items within 30 days.';
export const PAYMENT_NOTE = 'No card details are asked for: this demo shop takes no payment.';

type TrustCart = Pick<Cart, 'shippingOption' | 'shippingTotal'> & {
  lines: readonly Pick<Line, 'requiresShipping'>[];
};

/**
 * A short list of what shoppers look for next to the button (Baymard: delivery, returns,
 * security), as Dawn puts its policies under "Check out". Small on purpose: it must not
 * push the button down.
 */
export function TrustNotes({ cart, id }: { cart: TrustCart; id?: string }) {
  const ships = cart.lines.some((line) => line.requiresShipping);
  const option = cart.shippingOption;
  const delivery = !ships
    ? 'Nothing to ship in this order.'
    : option
      ? `Delivery: ${option.name} shipping, ${
          cart.shippingTotal.amount === 0 ? 'free' : formatMoney(cart.shippingTotal)
        }.`
      : 'Delivery: choose a shipping method at checkout; its cost is shown before you order.';
  return (
    <ul
      className="trust-notes"
      id={id}
      aria-label="Delivery, returns and payment"
      data-testid="trust-notes"
    >
      <li>{delivery}</li>
      <li>{RETURNS_POLICY}</li>
      <li>{PAYMENT_NOTE}</li>
    </ul>
  );
}
