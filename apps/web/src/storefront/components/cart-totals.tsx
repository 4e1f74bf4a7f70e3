import type { Cart } from '@cart/core';
import { formatDiscount, formatMoney } from '../money.ts';

/**
 * Subtotal, discounts, tax and total, as the cart states them: computed by the core
 * reducer (on the server, and on the device for changes not yet confirmed — the same
 * code), never added up here.
 */
type Totals = Pick<Cart, 'subtotal' | 'discountTotal' | 'taxTotal' | 'total'>;

export function CartTotals({ cart, brief = false }: { cart: Totals; brief?: boolean }) {
  return (
    <dl className="totals" data-testid="totals">
      <div className="totals-row">
        <dt>Subtotal</dt>
        <dd data-testid="subtotal">{formatMoney(cart.subtotal)}</dd>
      </div>
      {brief ? null : (
        <>
          {cart.discountTotal.amount > 0 ? (
            <div className="totals-row">
              <dt>Discounts</dt>
              <dd data-testid="discount-total">{formatDiscount(cart.discountTotal)}</dd>
            </div>
          ) : null}
          <div className="totals-row">
            <dt>Tax</dt>
            <dd data-testid="tax-total">{formatMoney(cart.taxTotal)}</dd>
          </div>
          <div className="totals-row totals-total">
            <dt>Total</dt>
            <dd data-testid="total">{formatMoney(cart.total)}</dd>
          </div>
        </>
      )}
    </dl>
  );
}
