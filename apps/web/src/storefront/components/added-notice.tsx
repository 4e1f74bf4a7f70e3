import { useEffect, useId, useRef, useSyncExternalStore } from 'react';
import type { Product } from '@cart/core';
import { useCartSnapshot } from '@cart/react';
import { Link } from '../../shared/link.tsx';
import { pathOf } from '../routes.ts';
import { ProductArt } from './product-art.tsx';
import './added-notice.css';

/** How long the notice stays when the shopper is not in it (it stays while hovered or focused). */
const SHOWN_MS = 8_000;

interface Added {
  /** The "Add" that made it (a useId): the notice is rendered next to that button. */
  owner: string;
  product: Product;
  quantity: number;
  /** A new add of the same product again shows the notice again. */
  at: number;
}

/** The last add made with an "Add" button, while its notice shows. One per page. */
let added: Added | null = null;
const listeners = new Set<() => void>();
function setAdded(next: Added | null): void {
  added = next;
  for (const l of [...listeners]) l();
}
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
};

/** An "Add" button's link to its notice: `show` after an add, `notice` to render after it. */
export function useAddedNotice(): {
  owner: string;
  show: (product: Product, quantity: number) => void;
  shown: Added | null;
} {
  const owner = useId();
  const current = useSyncExternalStore(subscribe, () => added);
  return {
    owner,
    show: (product, quantity) => setAdded({ owner, product, quantity, at: Date.now() }),
    shown: current?.owner === owner ? current : null,
  };
}

/**
 * "Added to your cart", as Dawn's cart notification: the product and quantity, "View
 * cart (3)", "Checkout" and "Close". A popover in the top layer, so it covers nothing's
 * place and moves nothing (no layout shift), pinned under the header (or at the bottom
 * when it would cover the "Add", which keeps the focus); in the page's
 * order right after the "Add" that made it, so focus stays on that button and Tab goes
 * next into the notice. Escape or a click elsewhere closes it (a `popover="auto"`), as does
 * time when the shopper is not in it; the status region has already said "Added …".
 * Focus inside it when it closes goes back to the "Add".
 */
export function AddedNotice({
  shown,
  returnFocus,
}: {
  shown: Added;
  returnFocus: () => HTMLElement | null;
}) {
  const panel = useRef<HTMLElement>(null);
  const snapshot = useCartSnapshot();
  const count = snapshot.cart?.itemCount ?? 0;
  const titleId = `${shown.owner}-added`;

  useEffect(() => {
    const el = panel.current;
    if (!el) return;
    // Under the header (however tall it wraps); at the bottom instead when it would
    // cover the "Add" that has the focus.
    const header = document.querySelector('.site-header')?.getBoundingClientRect().bottom ?? 0;
    const add = returnFocus()?.getBoundingClientRect();
    const top = Math.max(header, 0) + 8;
    if (!el.matches(':popover-open')) el.showPopover();
    const below = add !== undefined && add.top < top + el.offsetHeight + 8;
    el.style.top = below ? 'auto' : `${top}px`;
    el.style.bottom = below ? '0.75rem' : 'auto';
    // Focus in the notice as it closes goes back to the "Add"; elsewhere (a click on the
    // page closed it), it stays where the shopper put it.
    let focusInside = false;
    const closing = (event: Event) => {
      if ((event as ToggleEvent).newState === 'closed')
        focusInside = el.contains(document.activeElement);
    };
    const closed = (event: Event) => {
      if ((event as ToggleEvent).newState !== 'closed') return;
      if (focusInside) returnFocus()?.focus();
      if (added?.at === shown.at) setAdded(null);
    };
    el.addEventListener('beforetoggle', closing);
    el.addEventListener('toggle', closed);
    const timer = setInterval(() => {
      if (Date.now() - shown.at < SHOWN_MS || el.matches(':hover, :focus-within')) return;
      el.hidePopover();
    }, 500);
    return () => {
      clearInterval(timer);
      el.removeEventListener('beforetoggle', closing);
      el.removeEventListener('toggle', closed);
    };
  }, [shown.at, returnFocus]);

  const close = () => panel.current?.hidePopover();
  return (
    <section
      ref={panel}
      popover="auto"
      className="added-notice"
      aria-labelledby={titleId}
      data-testid="added-notice"
    >
      <div className="added-notice-head">
        <p id={titleId} className="added-notice-title">
          <span aria-hidden="true">✓ </span>Added to your cart
        </p>
        <button type="button" className="icon-button" aria-label="Close" onClick={close}>
          <span aria-hidden="true">×</span>
        </button>
      </div>
      <div className="added-notice-item">
        <ProductArt productId={shown.product.id} name={shown.product.name} size="thumb" />
        <p>
          <strong>{shown.product.name}</strong>
          <br />
          Quantity: {shown.quantity}
        </p>
      </div>
      <p className="added-notice-actions">
        <Link to={pathOf({ view: 'cart' })} className="button" onNavigate={close}>
          View cart ({count})
        </Link>
        <Link
          to={pathOf({ view: 'checkout' })}
          className="button button-primary"
          onNavigate={close}
        >
          Checkout
        </Link>
      </p>
    </section>
  );
}
