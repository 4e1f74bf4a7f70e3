import { useCallback, useRef } from 'react';
import type { Product } from '@cart/core';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { AddedNotice, useAddedNotice } from './added-notice.tsx';
import { useProductPrice } from './price.tsx';
import { Problem } from './problem.tsx';

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
  const soldOut = product.stock === 0;
  // A cart in a currency the product has no price in cannot hold it (the price says so).
  const unpriced = useProductPrice(product) === undefined;
  const notice = useAddedNotice();
  const button = useRef<HTMLButtonElement>(null);
  const returnFocus = useCallback(() => button.current, []);

  return (
    <div className={`add-to-cart ${className}`}>
      {soldOut || unpriced ? (
        <button type="button" className="button button-primary" disabled>
          {soldOut ? 'Sold out' : 'Not available'}
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
