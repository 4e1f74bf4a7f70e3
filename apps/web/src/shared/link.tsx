import type { MouseEvent, ReactNode } from 'react';
import { navigate } from './router.ts';

/**
 * An in-app link: a real `<a href>` (open in a new tab works) that navigates without a
 * reload. Plain clicks navigate in the page; clicks with a modifier key or another
 * button are left to the browser (a new tab or window, a download).
 */
export function Link({
  to,
  children,
  className,
  current = false,
  onNavigate,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  /** Marks the link to the page shown (`aria-current="page"`). */
  current?: boolean;
  /** Called on an in-app navigation (e.g. to close the drawer the link is in). */
  onNavigate?: () => void;
}) {
  return (
    <a
      href={to}
      className={className}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        if (!followLink(event)) return;
        onNavigate?.();
      }}
    >
      {children}
    </a>
  );
}

/** Navigates for a plain click; whether it did. */
function followLink(event: MouseEvent<HTMLAnchorElement>): boolean {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return false;
  event.preventDefault();
  // The query too: a link may carry a view's state (the audit log's filters).
  navigate(event.currentTarget.pathname + event.currentTarget.search);
  return true;
}
