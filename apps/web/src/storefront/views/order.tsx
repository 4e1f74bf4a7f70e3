import { Link } from '../../shared/link.tsx';
import { OrderSummary, OrderedLines } from '../components/order-summary.tsx';
import { findOrder } from '../orders.ts';
import { pathOf } from '../routes.ts';

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
          <Link to={pathOf({ view: 'home' })}>Continue shopping</Link>.
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
      <OrderSummary
        variant="panel"
        cart={cart}
        title="What you ordered"
        headingId="order-items-heading"
        lines={<OrderedLines lines={cart.lines} />}
      />
      <p>
        <Link to={pathOf({ view: 'home' })} className="button">
          Continue shopping
        </Link>
      </p>
    </section>
  );
}
