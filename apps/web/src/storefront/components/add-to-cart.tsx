import type { Product } from '@cart/core';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { useProductPrice } from './price.tsx';
import { Problem } from './problem.tsx';

/**
 * "Add <name> to cart" (the accessible name the browser tests look for): the line shows in the cart at once,
 * before the server answers. A refused add (out of stock, over the per-order limit) is
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

  return (
    <div className={`add-to-cart ${className}`}>
      {soldOut || unpriced ? (
        <button type="button" className="button button-primary" disabled>
          {soldOut ? 'Sold out' : 'Not available'}
          <span className="sr-only">: {product.name}</span>
        </button>
      ) : (
        <button
          type="button"
          className="button button-primary"
          aria-describedby={refusal ? problemId : undefined}
          onClick={() => changes.add(product, quantity)}
        >
          Add<span className="sr-only"> {product.name}</span> to cart
        </button>
      )}
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
