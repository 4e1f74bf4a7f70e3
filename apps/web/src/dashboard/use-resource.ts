import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  /** The latest answer; kept while a refresh is in flight or after a failed refresh. */
  data: T | undefined;
  /** Why the latest load failed, if it did. */
  error: Error | undefined;
  /** True until the first answer (or error) arrives. */
  loading: boolean;
  /** Loads again now. */
  reload: () => void;
}

/**
 * Loads a resource, and again every `intervalMs` when given (live views). The next
 * load is scheduled only after the previous one settles, so a slow server is never
 * asked twice at once; polling pauses while the tab is hidden; the browser coming back
 * online loads again at once; a change of `key`
 * (e.g. another window) starts over and aborts the request in flight.
 */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs?: number,
): Resource<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error }>({ key });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const run = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (!stopped) setState({ key, data });
      } catch (error) {
        if (stopped) return;
        const e = error instanceof Error ? error : new Error(String(error));
        setState((s) => (s.key === key ? { key, data: s.data, error: e } : { key, error: e }));
      }
      if (!stopped && intervalMs !== undefined) schedule();
    };
    const schedule = () => {
      timer = setTimeout(() => {
        if (document.hidden) schedule();
        else void run();
      }, intervalMs);
    };
    // The network back: load again now (a failed load shows its answer, a live view catches up).
    const online = () => {
      clearTimeout(timer);
      void run();
    };
    window.addEventListener('online', online);
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', online);
      controller.abort();
    };
  }, [key, intervalMs, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.data === undefined && state.error === undefined),
    reload,
  };
}

/** A page of a list, and the cursor of the next one (null after the last). */
export interface Page<T> {
  items: readonly T[];
  nextCursor: string | null;
}

export interface MorePages<T> {
  /** The first page's items, then those of the pages loaded after it. */
  items: T[];
  /** The cursor of the page after those, or null when there is none. */
  next: string | null;
  loadingMore: boolean;
  /** Why the latest page failed to load, if it did. */
  moreError: Error | undefined;
  /** Loads the next page. */
  loadMore: () => Promise<void>;
  /** Forgets the pages loaded after the first (before it is loaded again). */
  reset: () => void;
}

/**
 * The pages of a list after its first (a resource of its own, `first`), loaded one at a
 * time on request. They belong to `key` (e.g. a filter): a change of key shows the new
 * first page alone.
 */
export function useMorePages<T>(
  key: string,
  first: Page<T> | undefined,
  loadPage: (cursor: string) => Promise<Page<T>>,
): MorePages<T> {
  const [more, setMore] = useState<{ key: string; items: T[]; next: string | null }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  const extra = more?.key === key ? more : undefined;
  const items = [...(first?.items ?? []), ...(extra?.items ?? [])];
  const next = extra ? extra.next : (first?.nextCursor ?? null);

  const loadMore = async () => {
    if (!next) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await loadPage(next);
      setMore({ key, items: [...(extra?.items ?? []), ...page.items], next: page.nextCursor });
    } catch (error) {
      setMoreError(error as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  return { items, next, loadingMore, moreError, loadMore, reset: () => setMore(undefined) };
}
