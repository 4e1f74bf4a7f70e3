import type { Address } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { OrderSummary, OrderedLines } from '../components/order-summary.tsx';
import { findOrder } from '../orders.ts';
import { countryName } from '../regions.ts';
import { pathOf } from '../routes.ts';

/** The order confirmation: its number, where and how it ships, what was bought, the totals charged. */
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
      {cart.shippingAddress ? (
        <section className="panel" aria-labelledby="ships-to-heading">
          <h2 id="ships-to-heading" className="section-title">
            Shipping to
          </h2>
          <AddressLines address={cart.shippingAddress} />
          {cart.shippingOption ? (
            <p className="ships-by">{cart.shippingOption.name} shipping</p>
          ) : null}
        </section>
      ) : null}
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

/** An address as it goes on a parcel, a line each; the empty ones left out. */
function AddressLines({ address }: { address: Address }) {
  const lines = [
    address.name,
    address.line1,
    address.line2,
    [address.city, address.postalCode].filter(Boolean).join(' '),
    address.province,
    countryName(address.country),
  ].filter(Boolean);
  return (
    <address className="address">
      {lines.map((line, i) => (
        <span key={i}>{line}</span>
      ))}
    </address>
  );
}
