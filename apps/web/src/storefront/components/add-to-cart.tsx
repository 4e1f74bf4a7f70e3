import { useCallback, useRef } from 'react';
import type { Product } from '@cart/core';
import { useCartSnapshot } from '@cart/react';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { roomFor, stockOf } from '../stock.ts';
import { useCartChanges } from '../use-cart-changes.ts';
import { AddedNotice, useAddedNotice } from './added-notice.tsx';
import { useProductPrice } from './price.tsx';
import { Problem } from './problem.tsx';
import './stock.css';

/**
 * "Add <name> to cart" (the accessible name the browser tests look for): the line shows in the cart at once,
 * before the server answers, and "Added to your cart" opens next to it (added-notice.tsx). A refused add (out of stock, over the per-order limit) is
 * rolled back by the SDK and explained here, under the button that made it.
 */
export function AddToCart({
  product,
  quantity = 1,
  className = '',
}: {
  product: Product;
  quantity?: number;
  className?: string;
}) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, `product:${product.id}`);
  const problemId = `add-problem-${product.id}`;
  // The stock as last heard (live), and what the cart holds already: no add is offered
  // that the shop would refuse.
  const snapshot = useCartSnapshot();
  const stock = stockOf(snapshot, product);
  const lines = snapshot.cart?.lines ?? [];
  const room = roomFor(lines, product.id, null, 0, stock, product.maxPerOrder);
  const soldOut = stock === 0;
  const full = !soldOut && room.most < 1;
  // A cart in a currency the product has no price in cannot hold it (the price says so).
  const unpriced = useProductPrice(product) === undefined;
  const notice = useAddedNotice();
  const button = useRef<HTMLButtonElement>(null);
  const returnFocus = useCallback(() => button.current, []);
  const stockFull = stock !== null && inCart(lines, product) >= stock;

  return (
    <div className={`add-to-cart ${className}`}>
      {soldOut || unpriced || full ? (
        <button type="button" className="button button-primary" disabled>
          {soldOut
            ? 'Sold out'
            : unpriced
              ? 'Not available'
              : stockFull
                ? 'All left are in your cart'
                : 'Per-order limit reached'}
          <span className="sr-only">: {product.name}</span>
        </button>
      ) : (
        <button
          ref={button}
          type="button"
          className="button button-primary"
          aria-describedby={refusal ? problemId : undefined}
          onClick={() => {
            changes.add(product, quantity);
            notice.show(product, quantity);
          }}
        >
          Add<span className="sr-only"> {product.name}</span> to cart
        </button>
      )}
      {/* Refused, it was not added after all: the refusal below says so instead. */}
      {notice.shown && !refusal ? (
        <AddedNotice shown={notice.shown} returnFocus={returnFocus} />
      ) : null}
      {refusal ? (
        <Problem
          id={problemId}
          report={refusal}
          onDismiss={() => refusals.clear(`product:${product.id}`)}
        />
      ) : null}
    </div>
  );
}

/** Units of the product over every line of the cart. */
export function inCart(
  lines: readonly { productId: string; quantity: number }[],
  product: Pick<Product, 'id'>,
): number {
  return lines.filter((l) => l.productId === product.id).reduce((n, l) => n + l.quantity, 0);
}
