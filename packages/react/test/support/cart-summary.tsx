import { useCart, useCartStatus } from '../../src/index.ts';

/** What the React tests render, on the server and in the page: the cart in a few words. */
export function CartSummary() {
  const cart = useCart();
  const { status, pendingCount, lastError } = useCartStatus();
  if (cart === null) return <p data-status={status}>Loading your cart…</p>;
  return (
    <section data-status={status}>
      <p role="status">{`${status} · ${pendingCount} pending${lastError ? ` · ${lastError.message}` : ''}`}</p>
      <ul>
        {cart.lines.map((l) => (
          <li key={l.key}>{`${l.name} × ${l.quantity}${l.pending ? ' (saving)' : ''}`}</li>
        ))}
      </ul>
      <p>{`Total ${cart.total.amount}`}</p>
    </section>
  );
}
