import type { ReactNode } from 'react';
import { followLink } from '../router.ts';

/** An in-app link: a real `<a href>` (open in a new tab works) that navigates without a reload. */
export function Link({
  to,
  children,
  current = false,
  className,
}: {
  to: string;
  children: ReactNode;
  current?: boolean;
  className?: string;
}) {
  return (
    <a
      href={to}
      onClick={followLink}
      aria-current={current ? 'page' : undefined}
      className={className}
    >
      {children}
    </a>
  );
}
