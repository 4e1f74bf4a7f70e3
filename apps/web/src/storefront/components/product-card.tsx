import type { Product } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { pathOf } from '../routes.ts';
import { AddToCart } from './add-to-cart.tsx';
import { ProductPrice } from './price.tsx';
import { ProductArt } from './product-art.tsx';

/** How much is left, in words, when it matters to the shopper. */
export function stockNote(product: Pick<Product, 'stock'>): string | null {
  if (product.stock === null) return null;
  if (product.stock === 0) return 'Sold out';
  if (product.stock <= 5) return `Only ${product.stock} left`;
  return null;
}

/** A product in the grid: picture, name (a link to its page), price in the cart's currency, stock, "Add". */
export function ProductCard({ product }: { product: Product }) {
  const note = stockNote(product);
  return (
    <li className="card">
      <ProductArt productId={product.id} name={product.name} imageUrl={product.imageUrl} />
      <div className="card-body">
        <h3 className="card-title">
          <Link to={pathOf({ view: 'product', productId: product.id })}>{product.name}</Link>
        </h3>
        <p className="card-price">
          <span className="sr-only">Price: </span>
          <ProductPrice product={product} />
          <span className="stock-note">{note ?? ''}</span>
        </p>
        <AddToCart product={product} />
      </div>
    </li>
  );
}

/** A card's stand-in while the page loads: the same size, so nothing moves when it arrives. */
export function ProductCardSkeleton() {
  return (
    <li className="card card-skeleton" aria-hidden="true">
      <div className="art art-card skeleton" />
      <div className="card-body">
        <p className="card-title">
          <span className="skeleton skeleton-text" style={{ width: '80%' }} />
        </p>
        <p className="card-price">
          <span className="skeleton skeleton-text" style={{ width: '40%' }} />
        </p>
        <div className="add-to-cart">
          <span className="skeleton skeleton-button" />
        </div>
      </div>
    </li>
  );
}
