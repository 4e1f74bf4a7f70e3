import { useEffect, useState, type MouseEvent } from 'react';

/** Where the dashboard lives; every view is a path under it (the server answers them all). */
export const BASE = '/dashboard';

export type Route =
  | { view: 'overview' }
  | { view: 'errors' }
  | { view: 'error'; fingerprint: string }
  | { view: 'audit' }
  | { view: 'analytics' }
  | { view: 'alerts' }
  | { view: 'not-found' };

/** The view for a location path. */
export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean);
  const [first, second] = parts;
  if (parts.length === 0) return { view: 'overview' };
  if (first === 'errors' && parts.length === 1) return { view: 'errors' };
  if (first === 'errors' && second !== undefined && parts.length === 2)
    return { view: 'error', fingerprint: decodeURIComponent(second) };
  if (parts.length === 1 && (first === 'audit' || first === 'analytics' || first === 'alerts'))
    return { view: first };
  return { view: 'not-found' };
}

const listeners = new Set<() => void>();

/** Goes to a dashboard path (pushes a history entry; the back button works). */
export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

/** The current route, following links and the back and forward buttons. */
export function useRoute(): Route {
  const [pathname, setPathname] = useState(window.location.pathname);
  useEffect(() => {
    const update = () => setPathname(window.location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return parseRoute(pathname);
}

/** A click handler for in-app links: plain clicks navigate; ctrl/cmd-clicks open tabs. */
export function followLink(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(event.currentTarget.pathname);
}
