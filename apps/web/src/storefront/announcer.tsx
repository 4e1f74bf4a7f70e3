import { useEffect, useState } from 'react';

type Politeness = 'polite' | 'assertive';
type Listener = (message: string, politeness: Politeness) => void;

/**
 * Screen-reader announcements: cart changes, pending work and the network's state go to
 * a `role="status"` region (read when the reader is idle), refusals to a `role="alert"`
 * region (read at once). Both regions are in the page from the first render, as live
 * regions must be, and a message is written into them after a short clear so the same
 * words said twice ("Added Ceramic Mug…" twice) are read twice.
 */
export class Announcer {
  private readonly listeners = new Set<Listener>();

  say(message: string): void {
    for (const l of [...this.listeners]) l(message, 'polite');
  }

  alert(message: string): void {
    for (const l of [...this.listeners]) l(message, 'assertive');
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function LiveRegions({ announcer }: { announcer: Announcer }) {
  const [polite, setPolite] = useState('');
  const [assertive, setAssertive] = useState('');
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const stop = announcer.listen((message, politeness) => {
      const set = politeness === 'polite' ? setPolite : setAssertive;
      set('');
      const timer = setTimeout(() => {
        timers.delete(timer);
        set(message);
      }, 50);
      timers.add(timer);
    });
    return () => {
      stop();
      for (const t of timers) clearTimeout(t);
    };
  }, [announcer]);
  return (
    <div className="sr-only">
      <div role="status" aria-live="polite" aria-atomic="true" data-testid="announcer-status">
        {polite}
      </div>
      <div role="alert" aria-live="assertive" aria-atomic="true" data-testid="announcer-alert">
        {assertive}
      </div>
    </div>
  );
}
