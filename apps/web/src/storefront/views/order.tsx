import type { Address } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { OrderSummary, OrderedLines } from '../components/order-summary.tsx';
import { findOrder, formatOrderNumber, ORDERS_KEPT } from '../orders.ts';
import { countryName } from '../regions.ts';
import { pathOf } from '../routes.ts';
import './order.css';

/** The order confirmation: its number, where and how it ships, what was bought, the totals charged. */
export function OrderView({ orderId }: { orderId: string }) {
  const order = findOrder(orderId);
  if (!order) {
    return (
      <section className="order-page" aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1}>
          Order details not on this device
        </h1>
        <p>
          An order's details are kept only in the browser that placed it (its last {ORDERS_KEPT}{' '}
          orders), for privacy: this shop has no accounts, so another browser or device cannot show
          them. <Link to={pathOf({ view: 'home' })}>Continue shopping</Link>.
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
        <strong className="mono" data-testid="order-number">
          {formatOrderNumber(order.orderNumber)}
        </strong>
      </p>
      {cart.email ? (
        <p>
          Your email on this order: {cart.email}. This demo shop sends no email: this page is your
          receipt.
        </p>
      ) : null}
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
      {cart.note ? (
        <section className="panel" aria-labelledby="note-heading">
          <h2 id="note-heading" className="section-title">
            Your note for the shop
          </h2>
          <p className="order-note" data-testid="order-note">
            {cart.note}
          </p>
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
