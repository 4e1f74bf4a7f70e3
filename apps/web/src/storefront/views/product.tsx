import { useEffect, useState } from 'react';
import type { Product } from '@cart/core';
import { useCartSnapshot } from '@cart/react';
import { Link } from '../../shared/link.tsx';
import { useProduct } from '../catalog.ts';
import { AddToCart, inCart } from '../components/add-to-cart.tsx';
import { Problem } from '../components/problem.tsx';
import { ProductPrice } from '../components/price.tsx';
import { ProductArt } from '../components/product-art.tsx';
import { stockNote } from '../components/product-card.tsx';
import { useRetryWhenBack } from '../connection.ts';
import { pathOf } from '../routes.ts';
import { useServices } from '../services.tsx';
import { roomFor, stockOf } from '../stock.ts';
import { NotFound } from './not-found.tsx';

/** A product's page: picture, name, price, stock, description, quantity and "Add". */
export function ProductView({ productId }: { productId: string }) {
  const { catalog } = useServices();
  const [state, retry] = useProduct(catalog, productId);
  // Not loaded: loaded by itself once the shop is back, and "Try again" meanwhile.
  useRetryWhenBack(state.status === 'error', () => retry(true));

  useEffect(() => {
    if (state.status === 'ready') document.title = `${state.product.name} · Brew & Leaf`;
  }, [state]);

  if (state.status === 'not-found') return <NotFound what="product" />;
  return (
    <>
      <p className="breadcrumb">
        <Link to={pathOf({ view: 'home' })}>← All products</Link>
      </p>
      {state.status === 'ready' ? (
        <ProductDetail product={state.product} />
      ) : state.status === 'error' ? (
        <>
          <h1 id="page-title" tabIndex={-1}>
            Product
          </h1>
          <Problem
            report={{
              message: 'We could not load this product.',
              detail: navigator.onLine
                ? 'The shop did not answer. Please try again.'
                : 'You are offline. Connect and try again.',
              errors: [],
              retryable: true,
            }}
            onRetry={() => retry()}
          />
        </>
      ) : (
        <ProductSkeleton />
      )}
    </>
  );
}

function ProductDetail({ product: read }: { product: Product }) {
  const snapshot = useCartSnapshot();
  // The stock as last heard (live events), and what the cart holds already.
  const product = { ...read, stock: stockOf(snapshot, read) };
  const lines = snapshot.cart?.lines ?? [];
  const held = inCart(lines, product);
  const [chosen, setQuantity] = useState(1);
  const note = stockNote(product);
  // Never more than the shop would take: the limit and the stock, less what is in the cart.
  const most = Math.min(
    roomFor(lines, product.id, null, 0, product.stock, product.maxPerOrder).most,
    99,
  );
  const quantity = Math.max(1, Math.min(chosen, most));
  return (
    <article className="product" aria-labelledby="page-title">
      <ProductArt
        productId={product.id}
        name={product.name}
        imageUrl={product.imageUrl}
        label={product.imageUrl ? product.name : `${product.name} (illustration)`}
        size="large"
      />
      <div className="product-info">
        <h1 id="page-title" tabIndex={-1}>
          {product.name}
        </h1>
        <p className="product-price">
          <span className="sr-only">Price: </span>
          <ProductPrice product={product} />
        </p>
        <p className="stock-line">
          {note ?? (product.stock === null ? 'In stock' : `${product.stock} in stock`)}
          {product.maxPerOrder !== null ? ` · at most ${product.maxPerOrder} per order` : ''}
        </p>
        {held > 0 ? (
          <p className="in-cart-note" data-testid="in-cart">
            {held} in your cart
          </p>
        ) : null}
        {product.description ? <p className="product-description">{product.description}</p> : null}
        {most > 0 ? (
          <div className="field quantity-field">
            <label htmlFor="quantity">Quantity</label>
            <select
              id="quantity"
              value={quantity}
              onChange={(e) => setQuantity(Number(e.target.value))}
            >
              {Array.from({ length: most }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <AddToCart product={product} quantity={quantity} className="add-large" />
        <p className="muted small">
          Sku <span className="mono">{product.sku}</span>
        </p>
      </div>
    </article>
  );
}

function ProductSkeleton() {
  return (
    <div className="product" aria-busy="true">
      <div className="art art-large skeleton" />
      <div className="product-info">
        <h1 id="page-title" tabIndex={-1}>
          <span className="sr-only">Loading product…</span>
          <span className="skeleton skeleton-text skeleton-title" aria-hidden="true" />
        </h1>
        <p className="product-price" aria-hidden="true">
          <span className="skeleton skeleton-text" style={{ width: '6em' }} />
        </p>
        <p className="stock-line" aria-hidden="true">
          <span className="skeleton skeleton-text" style={{ width: '10em' }} />
        </p>
      </div>
    </div>
  );
}
