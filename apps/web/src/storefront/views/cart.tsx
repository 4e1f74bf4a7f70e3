import { useCartSnapshot } from '@cart/react';
import type { PendingAction, ShownCart } from '@cart/client';
import { Link } from '../../shared/link.tsx';
import { navigate } from '../../shared/router.ts';
import { CartLine } from '../components/cart-line.tsx';
import { CartLines } from '../components/cart-lines.tsx';
import { EmailField, NoteField } from '../components/cart-fields.tsx';
import { OrderSummary } from '../components/order-summary.tsx';
import { Problem } from '../components/problem.tsx';
import { PromoCode } from '../components/promo-code.tsx';
import { TrustNotes } from '../components/trust-notes.tsx';
import { useRefusal } from '../refusals.ts';
import { pathOf } from '../routes.ts';
import { useServices } from '../services.tsx';
import { focusFirstFix, shortNote, useShortLines } from '../stock.ts';
import { ShortLinesNote } from '../components/stock-fix.tsx';

/** Promo codes queued but not yet accepted by the server (shown as "Checking…"). */
export function pendingCodes(pending: readonly PendingAction[], cart: ShownCart): string[] {
  const applied = new Set(cart.discounts.map((d) => d.code.toUpperCase()));
  const out: string[] = [];
  for (const { action } of pending) {
    if (action.type !== 'applyDiscount') continue;
    const code = action.code.toUpperCase();
    if (!applied.has(code) && !out.includes(code)) out.push(code);
  }
  return out;
}

/** The cart page: lines with steppers, promo codes, note, email, totals and "Checkout". */
export function CartView() {
  const snapshot = useCartSnapshot();
  const { refusals } = useServices();
  const cartRefusal = useRefusal(refusals, 'cart');
  const cart = snapshot.cart;
  const offline = snapshot.status === 'offline';
  const short = useShortLines();

  return (
    <section className="cart-page" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1} data-cart-heading>
        Your cart
      </h1>
      {cartRefusal ? (
        <Problem report={cartRefusal} onDismiss={() => refusals.clear('cart')} />
      ) : null}
      {cart === null ? (
        <CartSkeleton />
      ) : cart.lines.length === 0 ? (
        <div className="empty">
          <CartLines lines={cart.lines} renderLine={() => null} />
          <p>Your cart is empty.</p>
          <p>
            <Link to={pathOf({ view: 'home' })} className="button">
              Browse products
            </Link>
          </p>
        </div>
      ) : (
        <div className="cart-layout">
          <div className="cart-lines">
            <h2 className="sr-only">Items</h2>
            <CartLines
              lines={cart.lines}
              renderLine={(line) => <CartLine key={line.key} line={line} offline={offline} />}
            />
          </div>
          <div className="cart-side">
            <OrderSummary
              variant="panel"
              cart={cart}
              title="Order summary"
              headingId="summary-heading"
            >
              {short.length > 0 ? (
                <ShortLinesNote id="cart-stock-gate" note={shortNote(short)} />
              ) : null}
              <button
                type="button"
                className="button button-primary button-block"
                aria-disabled={short.length > 0}
                aria-describedby={short.length > 0 ? 'cart-stock-gate' : undefined}
                onClick={() => {
                  if (!focusFirstFix(short)) navigate(pathOf({ view: 'checkout' }));
                }}
              >
                Checkout
              </button>
              <TrustNotes cart={cart} />
              {snapshot.pendingCount > 0 ? (
                <p className="muted small" data-testid="pending-note">
                  {!offline
                    ? 'Saving your changes…'
                    : snapshot.offlineReason === 'shop'
                      ? 'Some changes are waiting for the shop to answer; totals include them.'
                      : 'Some changes are waiting for the network; totals include them.'}
                </p>
              ) : null}
            </OrderSummary>
            <div className="panel">
              <PromoCode cart={cart} pendingCodes={pendingCodes(snapshot.pending, cart)} />
            </div>
            <section className="panel" aria-labelledby="details-heading">
              <h2 id="details-heading" className="section-title">
                Details
              </h2>
              <EmailField cart={cart} />
              <NoteField cart={cart} />
            </section>
          </div>
        </div>
      )}
    </section>
  );
}

function CartSkeleton() {
  return (
    <div className="cart-layout" aria-busy="true">
      <p className="sr-only">Loading your cart…</p>
      <ul className="lines" aria-hidden="true">
        {[0, 1].map((i) => (
          <li key={i} className="line">
            <div className="art art-thumb skeleton" />
            <div className="line-main">
              <p className="line-name">
                <span className="skeleton skeleton-text" style={{ width: '60%' }} />
              </p>
              <p className="line-meta">
                <span className="skeleton skeleton-text" style={{ width: '30%' }} />
              </p>
              <span className="skeleton skeleton-button" style={{ width: '8rem' }} />
            </div>
          </li>
        ))}
      </ul>
      <div className="cart-side" aria-hidden="true">
        <div className="panel">
          <span className="skeleton skeleton-text" style={{ width: '50%' }} />
          <span className="skeleton skeleton-block" />
        </div>
      </div>
    </div>
  );
}
