import { useEffect, useRef, useState } from 'react';
import type { ShownCart } from '@cart/client';
import { useRefusal } from '../refusals.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { Problem } from './problem.tsx';

/**
 * A text the cart holds, edited in place: the field keeps what the shopper types and
 * saves it when they leave the field (or press Enter in a one-line field); a change made
 * in another tab shows here unless the shopper is editing.
 */
function useDraft(
  value: string,
): [string, (v: string) => void, { onFocus: () => void; onBlur: () => void }] {
  const [draft, setDraft] = useState(value);
  const editing = useRef(false);
  useEffect(() => {
    if (!editing.current) setDraft(value);
  }, [value]);
  return [
    draft,
    setDraft,
    {
      onFocus: () => {
        editing.current = true;
      },
      onBlur: () => {
        editing.current = false;
      },
    },
  ];
}

/** "Email for your receipt": saved to the cart (setEmail), refused addresses explained. */
export function EmailField({ cart, required = false }: { cart: ShownCart; required?: boolean }) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'email');
  const [draft, setDraft, focus] = useDraft(cart.email ?? '');

  const save = () => {
    const next = draft.trim();
    if (next === (cart.email ?? '')) return;
    changes.setEmail(next === '' ? null : next);
  };

  return (
    <div className="field">
      <label htmlFor="cart-email">Email for your receipt{required ? '' : ' (optional)'}</label>
      <input
        id="cart-email"
        type="email"
        name="email"
        autoComplete="email"
        inputMode="email"
        maxLength={254}
        required={required}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onFocus={focus.onFocus}
        onBlur={() => {
          focus.onBlur();
          save();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') save();
        }}
        aria-invalid={refusal ? true : undefined}
        aria-describedby={refusal ? 'email-problem' : undefined}
      />
      {refusal ? (
        <Problem id="email-problem" report={refusal} onDismiss={() => refusals.clear('email')} />
      ) : null}
    </div>
  );
}

/** "Note for the shop": saved to the cart (setNote) when the shopper leaves the field. */
export function NoteField({ cart }: { cart: ShownCart }) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'note');
  const [draft, setDraft, focus] = useDraft(cart.note);

  return (
    <div className="field">
      <label htmlFor="cart-note">Note for the shop (optional)</label>
      <textarea
        id="cart-note"
        name="note"
        rows={3}
        maxLength={1000}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onFocus={focus.onFocus}
        onBlur={() => {
          focus.onBlur();
          if (draft !== cart.note) changes.setNote(draft);
        }}
        aria-invalid={refusal ? true : undefined}
        aria-describedby={refusal ? 'note-problem note-hint' : 'note-hint'}
      />
      <p className="hint" id="note-hint">
        Saved when you leave the field. Up to 1,000 characters.
      </p>
      {refusal ? (
        <Problem id="note-problem" report={refusal} onDismiss={() => refusals.clear('note')} />
      ) : null}
    </div>
  );
}
