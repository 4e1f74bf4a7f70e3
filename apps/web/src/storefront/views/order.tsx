import { multiply } from '@cart/core';
import { CartTotals } from '../components/cart-totals.tsx';
import { Link } from '../components/link.tsx';
import { formatMoney } from '../money.ts';
import { findOrder } from '../orders.ts';
import { paths } from '../router.ts';

/** The order confirmation: its number, what was bought, the totals charged. */
export function OrderView({ orderId }: { orderId: string }) {
  const order = findOrder(orderId);
  if (!order) {
    return (
      <section className="order-page" aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1}>
          Order {orderId}
        </h1>
        <p>
          This order was placed, but its details are only kept in the tab that placed it.{' '}
          <Link to={paths.home}>Continue shopping</Link>.
        </p>
      </section>
    );
  }
  const { cart } = order;
  return (
    <section className="order-page" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        Thank you, your order is placed
      </h1>
      <p className="order-id">
        Order number{' '}
        <strong className="mono" data-testid="order-id">
          {order.orderId}
        </strong>
      </p>
      {cart.email ? <p>A receipt goes to {cart.email}.</p> : null}
      <section className="panel" aria-labelledby="order-items-heading">
        <h2 id="order-items-heading" className="section-title">
          What you ordered
        </h2>
        <ul className="review-lines">
          {cart.lines.map((line) => (
            <li key={line.id}>
              <span>
                {line.name} <span className="muted">× {line.quantity}</span>
              </span>
              <span>{formatMoney(multiply(line.unitPrice, line.quantity))}</span>
            </li>
          ))}
        </ul>
        <CartTotals cart={cart} />
      </section>
      <p>
        <Link to={paths.home} className="button">
          Continue shopping
        </Link>
      </p>
    </section>
  );
}
