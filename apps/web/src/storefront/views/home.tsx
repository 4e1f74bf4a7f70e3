import { useEffect, useRef } from 'react';
import { PAGE_SIZE, useCatalog } from '../catalog.ts';
import { Problem } from '../components/problem.tsx';
import { ProductCard, ProductCardSkeleton } from '../components/product-card.tsx';
import { useRetryWhenBack } from '../connection.ts';
import { useServices } from '../services.tsx';

/** The product grid: the catalogue a page at a time ("Show more products"). */
export function Home() {
  const { catalog, announcer } = useServices();
  const state = useCatalog(catalog);
  // Not loaded: loaded again once the device is online or the shop answers the cart again.
  useRetryWhenBack(state.status === 'error', () => catalog.retry(), false);
  const list = useRef<HTMLUListElement>(null);
  // Where the products "Show more" asked for begin; once they arrive, focus the first.
  const firstNew = useRef<number | null>(null);

  const more = () => {
    if (state.loadingMore) return;
    firstNew.current = state.items.length;
    catalog.loadMore();
  };

  useEffect(() => {
    const first = firstNew.current;
    if (first === null || state.items.length <= first) return;
    firstNew.current = null;
    const added = state.items.length - first;
    announcer.say(`${added} more ${added === 1 ? 'product' : 'products'} shown.`);
    list.current?.querySelectorAll<HTMLElement>('.card-title a')[first]?.focus();
  }, [state.items.length, announcer]);

  return (
    <>
      <section className="hero" aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1}>
          Good coffee and tea, brewed at home
        </h1>
        <p className="hero-text">
          Beans, leaves and the simple tools to brew them. Your cart is saved on this device and
          keeps working when your connection does not.
        </p>
      </section>
      <section aria-labelledby="products-heading" className="products">
        <h2 id="products-heading" className="section-title">
          Products
        </h2>
        {state.status === 'error' && state.error ? (
          <Problem
            report={{
              message: 'We could not load the products.',
              detail: navigator.onLine
                ? 'The shop did not answer. Please try again.'
                : 'You are offline. Connect and try again.',
              errors: [],
              retryable: true,
            }}
            onRetry={() => catalog.retry()}
          />
        ) : (
          <ul className="grid" ref={list} aria-busy={state.status === 'loading'}>
            {state.items.map((p) => (
              <ProductCard key={p.id} product={p} />
            ))}
            {state.status === 'loading'
              ? Array.from({ length: PAGE_SIZE }, (_, i) => <ProductCardSkeleton key={`s${i}`} />)
              : null}
          </ul>
        )}
        {state.status === 'ready' && state.error ? (
          <Problem
            report={{
              message: 'We could not load more products.',
              detail: 'Please try again.',
              errors: [],
              retryable: true,
            }}
            onRetry={() => catalog.retry()}
          />
        ) : null}
        {state.status === 'ready' && state.nextCursor !== null && !state.error ? (
          <p className="more">
            <button
              type="button"
              className="button"
              onClick={more}
              aria-disabled={state.loadingMore}
            >
              {state.loadingMore ? 'Loading…' : 'Show more products'}
            </button>
          </p>
        ) : null}
      </section>
    </>
  );
}
