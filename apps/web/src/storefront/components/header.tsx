import { useCart, useCartStatus } from '@cart/react';
import { Link } from '../../shared/link.tsx';
import { pathOf, type Route } from '../routes.ts';
import { CountryPicker, CountryProblem } from './country-picker.tsx';

/**
 * The banner: the shop's name (home), the country the prices are for, the catalogue,
 * and the "Cart" control that opens the drawer and shows the item count — the cart as
 * shown, so an add counts at once, before the server has answered.
 */
export function Header({ route, onOpenCart }: { route: Route; onOpenCart: () => void }) {
  const cart = useCart();
  const { pendingCount, status } = useCartStatus();
  const count = cart?.itemCount ?? 0;
  const loading = cart === null;
  return (
    <header className="site-header">
      <div className="header-inner">
        <Link to={pathOf({ view: 'home' })} className="brand" current={route.view === 'home'}>
          <span className="brand-mark" aria-hidden="true">
            B
          </span>
          Brew &amp; Leaf
        </Link>
        <CountryPicker />
        <nav aria-label="Main" className="main-nav">
          <Link to={pathOf({ view: 'home' })} current={route.view === 'home'} className="nav-link">
            Shop
          </Link>
          <button
            type="button"
            className="cart-button"
            onClick={onOpenCart}
            aria-haspopup="dialog"
            data-testid="cart-button"
            data-status={status}
            data-pending={pendingCount}
          >
            <CartIcon />
            <span>Cart</span>
            <span className="cart-count" data-testid="cart-count" aria-hidden="true">
              {loading ? '·' : count}
            </span>
            <span className="sr-only">
              {loading ? ', loading' : `, ${count} ${count === 1 ? 'item' : 'items'}`}
              {pendingCount > 0 ? `, ${pendingCount} not yet saved` : ''}
            </span>
            {pendingCount > 0 ? <span className="cart-pending" aria-hidden="true" /> : null}
          </button>
        </nav>
      </div>
      <CountryProblem />
    </header>
  );
}

function CartIcon() {
  return (
    <svg
      className="icon"
      width="20"
      height="20"
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
    >
      <path
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
        d="M3 4h2l2.4 11.2a1 1 0 0 0 1 .8h9.2a1 1 0 0 0 1-.76L20.5 8H6.2M9 20.5h.01M17 20.5h.01"
      />
    </svg>
  );
}
