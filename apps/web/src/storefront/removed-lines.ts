import { useSyncExternalStore } from 'react';
import type { ShownLine } from '@cart/client';

/** How long "Removed Ceramic Mug. Undo" stays in place of the line (longer while focused). */
export const UNDO_MS = 10_000;

/** A line just removed: what Undo adds back, and where and how tall the line was. */
export interface RemovedLine {
  line: ShownLine;
  /** Its place in the cart's lines when it was removed. */
  index: number;
  /** The line's height in pixels, kept by its stand-in so nothing below it moves. */
  height: number;
  /** Until when Undo is offered (ms since the epoch). */
  until: number;
  /** Removed with its "Remove": its Undo takes the focus, once (see takeFocus). */
  focus: boolean;
}

/**
 * The lines removed in the last few seconds, for the cart lists to show "Removed …
 * Undo" in their place (cart-lines.tsx). One per page, shared by the drawer and the
 * cart page, as the cart is.
 */
class RemovedLines {
  private list: readonly RemovedLine[] = [];
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): readonly RemovedLine[] => this.list;

  add(entry: RemovedLine): void {
    this.set([...this.list.filter((r) => r.line.key !== entry.line.key), entry]);
  }

  /**
   * Whether its Undo should take the focus now: once only, so that the other list (the
   * drawer opened after a removal on the cart page) does not take it again.
   */
  takeFocus(key: string): boolean {
    const entry = this.list.find((r) => r.line.key === key);
    if (!entry?.focus) return false;
    entry.focus = false;
    return true;
  }

  /** Forgets a removed line (undone, or its time is up). */
  drop(key: string): void {
    if (this.list.some((r) => r.line.key === key))
      this.set(this.list.filter((r) => r.line.key !== key));
  }

  private set(list: readonly RemovedLine[]): void {
    this.list = list;
    for (const l of [...this.listeners]) l();
  }
}

export const removedLines = new RemovedLines();

export function useRemovedLines(): readonly RemovedLine[] {
  return useSyncExternalStore(removedLines.subscribe, removedLines.getSnapshot);
}
