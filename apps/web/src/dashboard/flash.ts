import { useEffect, useState } from 'react';

/**
 * What a change said before it moved to another view ("Deleted the region Europe."),
 * for that view to show once: the change's own view is gone by then.
 */
let pending: string | null = null;

export function flash(message: string): void {
  pending = message;
}

/** The message left for this view, read once when it mounts. */
export function useFlash(): string | null {
  const [message] = useState(() => pending);
  useEffect(() => {
    pending = null;
  }, []);
  return message;
}
