import { useEffect } from 'react';
import type { ShownLine } from '@cart/client';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { useLineRoom, type LineRoom } from '../stock.ts';
import './stock.css';

/** The last shortage said of each line (by key), so that the drawer and the page behind it say it once. */
const lastSaid = new Map<string, string>();

/**
 * A line that cannot be bought as it is, marked with its fix, one tap: "Sold out –
 * remove" or "Only 2 left – update to 2". The line's name, in brackets, ends the button's
 * accessible name, so a list of such buttons still says which line each one fixes.
 */
export function StockFix({ line, room }: { line: ShownLine; room: LineRoom }) {
  const changes = useCartChanges();
  const { announcer } = useServices();
  const left = room.short;
  // A level that arrives live is said once, however many views show the line.
  useEffect(() => {
    if (left === null) return;
    const said = `${line.key}:${left}`;
    if (lastSaid.get(line.key) === said) return;
    lastSaid.set(line.key, said);
    announcer.say(
      left === 0
        ? `${line.name} is sold out: remove it to check out.`
        : `Only ${left} of ${line.name} left: update it to ${left} to check out.`,
    );
  }, [announcer, left, line.key, line.name]);
  if (left === null) return null;
  return (
    <p className="stock-fix" data-stock-fix={line.key} data-testid="stock-fix">
      <button
        type="button"
        className="stock-fix-button"
        onClick={() => (left === 0 ? changes.remove(line) : changes.setQuantity(line, left))}
      >
        {left === 0 ? 'Sold out – remove' : `Only ${left} left – update to ${left}`}
        <span className="sr-only"> ({line.name})</span>
      </button>
    </p>
  );
}

/** Why checkout waits, pointing at the marked lines (`id` for `aria-describedby`). */
export function ShortLinesNote({ id, note }: { id: string; note: string }) {
  return (
    <p className="stock-gate" id={id} data-testid="stock-gate">
      {note}
    </p>
  );
}

/** A line's fix where the line has no stepper (checkout's list). */
export function LineStockFix({ line }: { line: ShownLine }) {
  return <StockFix line={line} room={useLineRoom(line)} />;
}
