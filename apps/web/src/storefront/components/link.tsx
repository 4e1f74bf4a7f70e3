import type { ReactNode } from 'react';
import { followLink } from '../router.ts';

/** An in-app link: a real `<a href>` (open in a new tab works) that navigates without a reload. */
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
        followLink(event);
        if (event.defaultPrevented) onNavigate?.();
      }}
    >
      {children}
    </a>
  );
}
