import { useState, type KeyboardEvent } from 'react';
import type { ShownLine } from '@cart/client';
import type { LineRoom } from '../stock.ts';
import { useCartChanges } from '../use-cart-changes.ts';
import './stock.css';

/**
 * A line's quantity: "−", the number (typed, applied when the shopper leaves the field
 * or presses Enter; Escape puts back the line's), and "+". "+" is off at the most the
 * line may hold (the line limit, the product's `maxPerOrder`, the stock left), and a
 * typed number past it is brought down to it, saying so; 0 removes the line. Off
 * buttons stay focusable (`aria-disabled`), so keyboard focus is never lost.
 */
export function QuantityStepper({
  line,
  room,
  describedBy,
}: {
  line: ShownLine;
  room: LineRoom;
  describedBy: string | undefined;
}) {
  const changes = useCartChanges();
  const [draft, setDraft] = useState<string | null>(null);
  const [hint, setHint] = useState<{ text: string; invalid: boolean } | null>(null);
  const hintId = `quantity-hint-${line.key}`;
  const atOne = line.quantity <= 1;
  // A line over the stock already (its fix says so) can still go down, not up.
  const most = Math.max(room.most, 0);
  const atMost = line.quantity >= most;
  const described = [describedBy, hint ? hintId : undefined].filter(Boolean).join(' ') || undefined;
  const limitWords = `${most} is the most you can order.`;

  const set = (quantity: number) => {
    setHint(null);
    if (quantity !== line.quantity) changes.setQuantity(line, quantity);
  };

  const commit = () => {
    if (draft === null) return;
    const typed = draft.trim();
    setDraft(null);
    if (!/^\d+$/.test(typed)) {
      setHint({ text: `Enter a whole number from 0 (remove) to ${most}.`, invalid: true });
      return;
    }
    const n = Number(typed);
    if (n === 0) {
      changes.remove(line);
      return;
    }
    if (n > most) {
      // Sold out: nothing to bring it down to but removing it, which its fix offers.
      if (most > 0) set(most);
      setHint({ text: most > 0 ? `Set to ${most}: ${limitWords}` : 'Sold out.', invalid: false });
      return;
    }
    set(n);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      commit();
    } else if (event.key === 'Escape' && draft !== null) {
      // Puts back the line's quantity; the drawer stays open.
      event.preventDefault();
      event.stopPropagation();
      setDraft(null);
    }
  };

  return (
    <>
      <div className="stepper" role="group" aria-label={`Quantity of ${line.name}`}>
        <button
          type="button"
          className="stepper-button"
          aria-label={`Decrease quantity of ${line.name}`}
          aria-disabled={atOne}
          aria-describedby={described}
          onClick={() => {
            if (!atOne) set(line.quantity - 1);
          }}
        >
          <span aria-hidden="true">−</span>
        </button>
        <input
          type="number"
          className="stepper-input"
          inputMode="numeric"
          min={0}
          max={most}
          step={1}
          aria-label={`Quantity of ${line.name}`}
          aria-describedby={described}
          aria-invalid={hint?.invalid ?? false}
          data-testid="line-quantity"
          value={draft ?? String(line.quantity)}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={commit}
          onKeyDown={onKeyDown}
        />
        <button
          type="button"
          className="stepper-button"
          aria-label={`Increase quantity of ${line.name}`}
          aria-disabled={atMost}
          aria-describedby={described}
          onClick={() => {
            if (atMost) setHint({ text: limitWords, invalid: false });
            else set(line.quantity + 1);
          }}
        >
          <span aria-hidden="true">+</span>
        </button>
      </div>
      {hint ? (
        <p className="quantity-hint" id={hintId} role="status">
          {hint.text}
        </p>
      ) : null}
    </>
  );
}
