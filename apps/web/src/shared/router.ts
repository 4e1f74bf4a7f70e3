import { startTransition, useEffect, useMemo, useRef, useState } from 'react';

/**
 * The History-API router of both pages (no router library: a handful of routes do not
 * need one). Each page declares its route table, view name → path pattern with
 * parameters in Fastify's `:param` form (the form the server's routes use), and gets
 * from it its route type, the route for a location path, the path of a route, and the
 * current route as a hook. The server answers each page's paths with that page, so a
 * reload or a shared link lands on the same view.
 */

/** A page's routes: view name → path pattern (`'/products/:productId'`). */
export type RouteTable = Readonly<Record<string, string>>;

/** The names of a pattern's `:param` segments. */
type ParamNames<Pattern extends string> = Pattern extends `${infer Head}/${infer Tail}`
  ? ParamNames<Head> | ParamNames<Tail>
  : Pattern extends `:${infer Name}`
    ? Name
    : never;

/** The route of one view: its name, and each parameter of its pattern, decoded. */
type RouteFor<View extends string, Pattern extends string> = {
  [Key in 'view' | ParamNames<Pattern>]: Key extends 'view' ? View : string;
};

/** A route of the table's: which view, with its parameters. */
export type FoundRoute<Table extends RouteTable> = {
  [View in keyof Table & string]: RouteFor<View, Table[View]>;
}[keyof Table & string];

/** The route for a location path: one of the table's, or `not-found` when none matches. */
export type RouteOf<Table extends RouteTable> = FoundRoute<Table> | { view: 'not-found' };

/** A page's router: plain functions, to be used on their own. */
export interface Router<Table extends RouteTable> {
  /** The route for a location path. */
  parseRoute: (pathname: string) => RouteOf<Table>;
  /** The location path of a route, its parameters encoded. */
  pathOf: (route: FoundRoute<Table>) => string;
  /** The current route, following in-app navigation and the back and forward buttons. */
  useRoute: () => RouteOf<Table>;
}

/**
 * A page's router. `base` is the path the page lives under (the dashboard's
 * `/dashboard`): patterns are matched below it, and `pathOf` puts it back in front
 * (its `/` is the base itself, without a trailing slash).
 */
export function createRouter<Table extends RouteTable>(
  table: Table,
  { base = '' }: { base?: string } = {},
): Router<Table> {
  const patterns = Object.entries(table).map(([view, pattern]) => ({
    view,
    segments: pattern.split('/').filter(Boolean),
  }));

  // Empty segments are skipped (`/cart/` and `//cart` are `/cart`), and every segment
  // is decoded before it is compared, so that an encoded character in a link still
  // finds its view.
  const parseRoute = (pathname: string): RouteOf<Table> => {
    const rest = pathname.startsWith(base) ? pathname.slice(base.length) : pathname;
    const parts = rest.split('/').filter(Boolean).map(decodeSegment);
    for (const { view, segments } of patterns) {
      const params = matchSegments(segments, parts);
      if (params) return { view, ...params } as RouteOf<Table>;
    }
    return { view: 'not-found' };
  };

  const pathOf = (route: FoundRoute<Table>): string => {
    const params = route as Readonly<Record<string, string>>;
    const pattern = table[route.view] ?? '/';
    const path = pattern.replace(/:([^/]+)/g, (_, name: string) =>
      encodeURIComponent(params[name] ?? ''),
    );
    return base && path === '/' ? base : `${base}${path}`;
  };

  const useRoute = (): RouteOf<Table> => {
    const pathname = usePathname();
    return useMemo(() => parseRoute(pathname), [pathname]);
  };

  return { parseRoute, pathOf, useRoute };
}

/** The parameters of a path's segments that fit a pattern's, or null when they do not. */
function matchSegments(
  pattern: readonly string[],
  parts: readonly string[],
): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const part = parts[i] ?? '';
    if (segment.startsWith(':')) params[segment.slice(1)] = part;
    else if (segment !== part) return null;
  }
  return params;
}

/** A path segment decoded; as it is when it is not valid percent-encoding. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The mounted `useRoute` hooks: told of every in-app navigation. */
const listeners = new Set<() => void>();

/**
 * Goes to a path of the page: a history entry (the back button works; `replace` stands
 * in for the current one instead, e.g. after checkout), then the view, from the top.
 */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const listener of [...listeners]) listener();
  window.scrollTo(0, 0);
}

/** The location's path, following `navigate` and the back and forward buttons. */
function usePathname(): string {
  const [pathname, setPathname] = useState(window.location.pathname);
  useEffect(() => {
    // A transition: a view still loading (see storefront/lazy-views.tsx) leaves the page
    // shown in place until it is ready, rather than a fallback.
    const update = () => startTransition(() => setPathname(window.location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return pathname;
}

/**
 * After an in-app navigation, focus goes to the first element of `targets` (ids, e.g.
 * the new page's heading, then its main region) that the page has, so that a screen
 * reader reads where it landed and Tab starts from there. Not on the first load: the
 * browser starts at the top by itself.
 */
export function useFocusAfterNavigation(route: object, targets: readonly string[]): void {
  const key = JSON.stringify(route);
  const first = useRef(true);
  // Runs when the route changes, not when the caller passes a new array of the same ids.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const target = targets
      .map((id) => document.getElementById(id))
      .find((element) => element !== null);
    target?.focus({ preventScroll: true });
  }, [key]);
}
