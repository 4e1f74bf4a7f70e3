import { useEffect, useRef, type ReactNode } from 'react';
import type { ShownLine } from '@cart/client';
import { removedLines, useRemovedLines, type RemovedLine } from '../removed-lines.ts';
import { useCartChanges } from '../use-cart-changes.ts';
import './cart-lines.css';

/**
 * The cart's lines (drawer and cart page), with "Removed Ceramic Mug. Undo" in place of
 * each line removed in the last few seconds: as tall as the line was, so nothing moves
 * and a phone's page does not scroll, and holding the focus its "Remove" had. Undo adds
 * the same product back with the same quantity and attributes. With no lines and nothing
 * to undo, nothing (the caller says the cart is empty).
 */
export function CartLines({
  lines,
  renderLine,
}: {
  lines: readonly ShownLine[];
  renderLine: (line: ShownLine) => ReactNode;
}) {
  const removed = useRemovedLines();
  const present = new Set(lines.map((l) => l.key));
  // A line re-added (Undo, or another tab) is shown as itself, not as removed.
  const shown = removed.filter((r) => !present.has(r.line.key));
  if (lines.length === 0 && shown.length === 0) return null;

  // Each stand-in at its line's old place (or last, when the list has grown shorter).
  const standIns = [...shown].sort((a, b) => a.index - b.index);
  const items: ReactNode[] = [];
  lines.forEach((line, i) => {
    while (standIns[0] && standIns[0].index <= i) items.push(standIn(standIns.shift()!));
    items.push(renderLine(line));
  });
  items.push(...standIns.map(standIn));
  return (
    <ul className="lines" aria-label="Items in your cart">
      {items}
    </ul>
  );
}

const standIn = (r: RemovedLine) => <Removed key={`removed-${r.line.key}`} r={r} />;

function Removed({ r }: { r: RemovedLine }) {
  const changes = useCartChanges();
  const item = useRef<HTMLLIElement>(null);
  const undo = useRef<HTMLButtonElement>(null);
  const { key } = r.line;

  // Focus goes where the shopper was, without scrolling: the stand-in is where the line was.
  useEffect(() => {
    if (removedLines.takeFocus(key)) undo.current?.focus({ preventScroll: true });
  }, [key]);

  // Time's up: it goes, but not from under the focus (it waits until focus moves on).
  useEffect(() => {
    const timer = setInterval(() => {
      if (Date.now() < r.until || item.current?.contains(document.activeElement)) return;
      removedLines.drop(key);
    }, 500);
    return () => clearInterval(timer);
  }, [key, r.until]);

  return (
    <li
      ref={item}
      className="line line-removed"
      style={{ minHeight: r.height }}
      data-testid="line-removed"
    >
      <p>
        Removed <strong>{r.line.name}</strong>.
      </p>
      <button
        ref={undo}
        type="button"
        className="button button-small"
        aria-label={`Undo: add ${r.line.name} back`}
        onClick={() => changes.undoRemove(r)}
      >
        Undo
      </button>
    </li>
  );
}
