import { useEffect, useRef } from 'react';
import { useCartSnapshot } from '@cart/react';
import { navigate } from '../../shared/router.ts';
import { Link } from '../../shared/link.tsx';
import { pathOf } from '../routes.ts';
import { focusFirstFix, shortNote, useShortLines } from '../stock.ts';
import { CartLine } from './cart-line.tsx';
import { CartLines } from './cart-lines.tsx';
import { OrderSummary } from './order-summary.tsx';
import { TrustNotes } from './trust-notes.tsx';
import { ShortLinesNote } from './stock-fix.tsx';

/**
 * The cart drawer: a modal `<dialog>` (the browser traps focus in it, makes the page
 * behind it inert, closes it on Escape and gives focus back to the "Cart" control),
 * with the lines, their steppers, the subtotal, and the ways on: the cart page and
 * checkout. A click on the dimmed page closes it too.
 */
export function CartDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="drawer"
      aria-labelledby="drawer-title"
      onClose={onClose}
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
      data-testid="cart-drawer"
    >
      {open ? <DrawerPanel onClose={onClose} /> : null}
    </dialog>
  );
}

/** The drawer's content: mounted while it is open, so only then does it follow the cart. */
function DrawerPanel({ onClose }: { onClose: () => void }) {
  const snapshot = useCartSnapshot();
  const cart = snapshot.cart;
  const offline = snapshot.status === 'offline';
  // Checkout waits until every line can be bought as it is.
  const short = useShortLines();
  return (
    <div className="drawer-panel">
      <div className="drawer-head">
        <h2 id="drawer-title" className="drawer-title" tabIndex={-1} data-cart-heading>
          Your cart
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close cart">
          <span aria-hidden="true">×</span>
        </button>
      </div>
      {cart === null ? (
        <p className="muted">Loading your cart…</p>
      ) : cart.lines.length === 0 ? (
        <div className="empty">
          <CartLines lines={cart.lines} renderLine={() => null} />
          <p>Your cart is empty.</p>
          <button type="button" className="button" onClick={onClose}>
            Continue shopping
          </button>
        </div>
      ) : (
        <>
          <CartLines
            lines={cart.lines}
            renderLine={(line) => (
              <CartLine key={line.key} line={line} offline={offline} compact onNavigate={onClose} />
            )}
          />
          <div className="drawer-foot">
            <OrderSummary variant="brief" cart={cart} />
            {short.length > 0 ? (
              <ShortLinesNote id="drawer-stock-gate" note={shortNote(short)} />
            ) : null}
            <div className="drawer-actions">
              <Link to={pathOf({ view: 'cart' })} className="button" onNavigate={onClose}>
                View cart
              </Link>
              <button
                type="button"
                className="button button-primary"
                aria-disabled={short.length > 0}
                aria-describedby={short.length > 0 ? 'drawer-stock-gate' : undefined}
                onClick={() => {
                  if (focusFirstFix(short)) return;
                  onClose();
                  navigate(pathOf({ view: 'checkout' }));
                }}
              >
                Checkout
              </button>
            </div>
            <TrustNotes cart={cart} />
          </div>
        </>
      )}
    </div>
  );
}
