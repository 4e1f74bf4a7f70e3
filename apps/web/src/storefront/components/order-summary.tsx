import type { Cart, CartDiscount, CountryCode, Line } from '@cart/core';
import type { ReactNode } from 'react';
import { formatDiscount, formatMoney } from '../money.ts';
import { countryName, shownCountry, useRegions } from '../regions.ts';
import { useServices } from '../services.tsx';

/**
 * Subtotal, discounts, shipping, tax and total, as the cart states them: computed by
 * the core reducer (on the server, and on the device for changes not yet confirmed —
 * the same code), never added up here.
 */
type Totals = Pick<
  Cart,
  | 'subtotal'
  | 'discountTotal'
  | 'shippingTotal'
  | 'taxTotal'
  | 'total'
  | 'taxRateBps'
  | 'taxInclusive'
  | 'shippingOption'
  | 'shippingAddress'
  | 'country'
  | 'regionId'
> & { lines: readonly Pick<Line, 'requiresShipping'>[]; discounts: readonly DiscountShown[] };

/** A code as the totals name it: "Discounts (WELCOME10)". */
type DiscountShown = Pick<CartDiscount, 'code' | 'applicable' | 'amount'>;

type OrderSummaryProps =
  /** In the cart drawer: the subtotal alone, and where to find the rest. */
  | { variant: 'brief'; cart: Totals }
  /**
   * A titled panel with every total (the cart page, checkout, the order confirmation):
   * what was ordered above them when the place lists it, its actions below.
   */
  | {
      variant: 'panel';
      cart: Totals;
      title: string;
      headingId: string;
      lines?: ReactNode;
      children?: ReactNode;
    };

/** The cart's totals, wherever the storefront shows them. */
export function OrderSummary(props: OrderSummaryProps) {
  if (props.variant === 'brief') {
    return (
      <>
        <TotalsList cart={props.cart} brief />
        <p className="muted small">Discounts, shipping and tax are shown in the cart.</p>
      </>
    );
  }
  const { cart, title, headingId, lines, children } = props;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId} className="section-title">
        {title}
      </h2>
      {lines}
      <TotalsList cart={cart} brief={false} />
      {children}
    </section>
  );
}

const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 2 });

/** A tax rate in words: 2000 basis points → "20%". */
export function formatTaxRate(bps: number): string {
  return percent.format(bps / 10_000);
}

/**
 * The tax row's words, so its amount explains itself: a bare "Tax $0.00" left the shopper
 * wondering whether tax was still to come. The cart's own tax rule says which: contained
 * in the prices, added at a rate, or none where the cart is priced (`country`: the
 * address's, else the one the cart is shown shipping to, else unknown: "this region").
 */
export function taxLabel(
  cart: Pick<Totals, 'taxRateBps' | 'taxInclusive'>,
  country: CountryCode | null,
): string {
  if (cart.taxInclusive) return `Including tax (${formatTaxRate(cart.taxRateBps)})`;
  if (cart.taxRateBps > 0) return `Tax (${formatTaxRate(cart.taxRateBps)})`;
  return `Tax (none ${country ? `on orders to ${countryName(country)}` : 'in this region'})`;
}

/** The codes taking something off now, as the shopper typed them (upper case). */
export function codesOf(discounts: readonly DiscountShown[]): string[] {
  return discounts.filter((d) => d.applicable && d.amount.amount > 0).map((d) => d.code);
}

function TotalsList({ cart, brief }: { cart: Totals; brief: boolean }) {
  const ships = cart.lines.some((line) => line.requiresShipping);
  const { items: regions } = useRegions(useServices().regions);
  const country = cart.shippingAddress?.country ?? shownCountry(cart, regions);
  // Tax-inclusive prices contain the tax: it is stated under the total, not added to it.
  const tax = (
    <div className="totals-row" data-testid="tax-row">
      <dt>{taxLabel(cart, country)}</dt>
      <dd data-testid="tax-total">{formatMoney(cart.taxTotal)}</dd>
    </div>
  );
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
              <dt>
                Discounts
                <span className="muted" data-testid="discount-codes">
                  {' '}
                  ({codesOf(cart.discounts).join(', ')})
                </span>
              </dt>
              <dd data-testid="discount-total">{formatDiscount(cart.discountTotal)}</dd>
            </div>
          ) : null}
          {ships ? (
            <div className="totals-row" data-testid="shipping-row">
              <dt>
                Shipping
                {cart.shippingOption ? (
                  <span className="muted"> ({cart.shippingOption.name})</span>
                ) : null}
              </dt>
              <dd data-testid="shipping-total">
                {cart.shippingOption === null ? (
                  <span className="muted">Not chosen yet</span>
                ) : cart.shippingTotal.amount === 0 ? (
                  'Free'
                ) : (
                  formatMoney(cart.shippingTotal)
                )}
              </dd>
            </div>
          ) : null}
          {cart.taxInclusive ? null : tax}
          <div className="totals-row totals-total">
            <dt>Total</dt>
            <dd data-testid="total">{formatMoney(cart.total)}</dd>
          </div>
          {cart.taxInclusive ? tax : null}
        </>
      )}
    </dl>
  );
}

type OrderedLine = Pick<Line, 'id' | 'name' | 'quantity' | 'subtotal'> & { key?: string };

/**
 * What is ordered, a row a line with its subtotal: checkout's review and the
 * confirmation. `mark` adds what a line needs before it can be ordered (checkout's stock fixes).
 */
export function OrderedLines<L extends OrderedLine>({
  lines,
  mark,
}: {
  lines: readonly L[];
  mark?: (line: L) => ReactNode;
}) {
  return (
    <ul className="review-lines">
      {lines.map((line) => (
        <li key={line.key ?? line.id}>
          <span>
            {line.name} <span className="muted">× {line.quantity}</span>
          </span>
          <span>{formatMoney(line.subtotal)}</span>
          {mark?.(line)}
        </li>
      ))}
    </ul>
  );
}
