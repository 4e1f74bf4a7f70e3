import { startTransition, useEffect, useState } from 'react';
import { CartApiError, type CartStore } from '@cart/client';
import { STOREFRONT_PAGE_SIZE, type Product } from '@cart/core';

/** Products per page of the grid; the server preloads the first page (`storefrontPreloads`). */
export const PAGE_SIZE = STOREFRONT_PAGE_SIZE;

export interface CatalogState {
  status: 'loading' | 'ready' | 'error';
  items: readonly Product[];
  nextCursor: string | null;
  /** A page is on its way (the first or a further one). */
  loadingMore: boolean;
  error: Error | null;
}

/**
 * The product grid's pages, kept for the life of the page: going back from a product
 * to the grid shows what was loaded (and where the shopper was) without a new request.
 * Products are read through the SDK (checked against the core schemas), which also
 * keeps their facts so an add is shown at once, priced.
 */
export class Catalog {
  private state: CatalogState = {
    status: 'loading',
    items: [],
    nextCursor: null,
    loadingMore: false,
    error: null,
  };
  private readonly listeners = new Set<() => void>();
  private readonly byId = new Map<string, Product>();
  private started = false;

  constructor(private readonly store: CartStore) {}

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): CatalogState => this.state;

  /** Loads the first page (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.load(undefined);
  }

  /** Starts loading (once) and resolves when the first page is in, or failed. */
  firstPage(): Promise<void> {
    this.start();
    return new Promise((resolve) => {
      const check = () => {
        if (this.state.status === 'loading') return;
        stop();
        resolve();
      };
      const stop = this.subscribe(check);
      check();
    });
  }

  /** The next page, appended. */
  loadMore(): void {
    if (this.state.loadingMore || this.state.nextCursor === null) return;
    void this.load(this.state.nextCursor);
  }

  /** After a failure: the page that failed, again. */
  retry(): void {
    if (this.state.loadingMore) return;
    void this.load(
      this.state.items.length === 0 ? undefined : (this.state.nextCursor ?? undefined),
    );
  }

  /** A product already read (in a page or by id). */
  cached(id: string): Product | undefined {
    return this.byId.get(id);
  }

  /** Reads one product; resolves null when there is none with that id. */
  async product(id: string): Promise<Product | null> {
    const known = this.byId.get(id);
    if (known) return known;
    try {
      const product = await this.store.api.getProduct(id);
      this.byId.set(product.id, product);
      this.store.rememberProducts([product]);
      return product;
    } catch (error) {
      if (error instanceof CartApiError && error.status === 404) return null;
      throw error;
    }
  }

  private async load(cursor: string | undefined): Promise<void> {
    this.set({
      loadingMore: true,
      error: null,
      status: this.state.items.length ? 'ready' : 'loading',
    });
    try {
      const page = await this.store.loadProducts({
        limit: PAGE_SIZE,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      for (const p of page.items) this.byId.set(p.id, p);
      const seen = new Set(this.state.items.map((p) => p.id));
      this.set({
        status: 'ready',
        items: [...this.state.items, ...page.items.filter((p) => !seen.has(p.id))],
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      this.set({
        status: this.state.items.length ? 'ready' : 'error',
        loadingMore: false,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  private set(patch: Partial<CatalogState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * The grid's pages; loads the first when first used. A page that arrives is rendered
 * as a transition: React renders the new cards in slices of a few milliseconds,
 * yielding to the browser between them, so a slow phone stays responsive while a page
 * of products appears (and a click on "Add" is never kept waiting behind it).
 */
export function useCatalog(catalog: Catalog): CatalogState {
  const [state, setState] = useState(catalog.getSnapshot);
  useEffect(() => {
    const update = () => startTransition(() => setState(catalog.getSnapshot()));
    const stop = catalog.subscribe(update);
    update();
    catalog.start();
    return stop;
  }, [catalog]);
  return state;
}

export type ProductState =
  | { status: 'loading' }
  | { status: 'ready'; product: Product }
  | { status: 'not-found' }
  | { status: 'error'; error: Error };

/**
 * One product, from the grid's pages when it is there, else read by id. `retry()` reads
 * it again showing the skeleton; `retry(true)` reads it quietly, the error staying on
 * show until the product comes (for retries the shopper did not ask for).
 */
export function useProduct(
  catalog: Catalog,
  id: string,
): [ProductState, (quiet?: boolean) => void] {
  const [state, setState] = useState<ProductState>(() => known(catalog, id));
  const [attempt, setAttempt] = useState({ n: 0, quiet: false });
  useEffect(() => {
    let live = true;
    if (!attempt.quiet) setState(known(catalog, id));
    catalog.product(id).then(
      (product) =>
        live && setState(product ? { status: 'ready', product } : { status: 'not-found' }),
      (error: unknown) =>
        live &&
        setState({
          status: 'error',
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
    return () => {
      live = false;
    };
  }, [catalog, id, attempt]);
  return [state, (quiet = false) => setAttempt((a) => ({ n: a.n + 1, quiet }))];
}

function known(catalog: Catalog, id: string): ProductState {
  const product = catalog.cached(id);
  return product ? { status: 'ready', product } : { status: 'loading' };
}
