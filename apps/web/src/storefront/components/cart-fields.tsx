import { useEffect, useRef, useState } from 'react';
import type { ShownCart } from '@cart/client';
import { Email } from '@cart/core';
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

/** The words for an email the shop would refuse, or null: checked on the device by core's rule. */
export function emailProblem(typed: string, required: boolean): string | null {
  const email = typed.trim();
  if (email === '') return required ? 'Enter an email address for your receipt.' : null;
  return Email.safeParse(email).success ? null : 'Enter an email address like name@example.com.';
}

export const EMAIL_FIELD_ID = 'cart-email';
const EMAIL_ERROR_ID = 'email-error';

/**
 * "Email for your receipt": checked on the device by core's `Email` rule when the shopper
 * leaves the field (an address it refuses is not saved, so nothing says "Email
 * updated."), its message under the field, which is marked invalid; saved to the cart
 * (setEmail) when valid; a refusal by the shop explained too. A form that checks the
 * field itself (checkout, on "Place order") passes its `error` and `onError`.
 */
export function EmailField({
  cart,
  required = false,
  error: given,
  onError,
}: {
  cart: ShownCart;
  required?: boolean;
  error?: string | null;
  onError?: (error: string | null) => void;
}) {
  const { refusals } = useServices();
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'email');
  const [draft, setDraft, focus] = useDraft(cart.email ?? '');
  const [own, setOwn] = useState<string | null>(null);
  const error = onError ? (given ?? null) : own;
  const setError = onError ?? setOwn;

  const save = () => {
    // An empty required field is said on "Place order", not while the shopper moves on.
    const problem = emailProblem(draft, false);
    setError(problem);
    if (problem) return;
    const next = draft.trim();
    if (next === (cart.email ?? '')) return;
    changes.setEmail(next === '' ? null : next);
  };

  const describedBy = [error ? EMAIL_ERROR_ID : null, refusal ? 'email-problem' : null].filter(
    (id) => id !== null,
  );
  return (
    <div className="field">
      <label htmlFor={EMAIL_FIELD_ID}>Email for your receipt{required ? '' : ' (optional)'}</label>
      <input
        id={EMAIL_FIELD_ID}
        type="email"
        name="email"
        autoComplete="email"
        inputMode="email"
        maxLength={254}
        required={required}
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          // Once said, the message follows the typing, and goes when the address is right.
          if (error) setError(emailProblem(e.target.value, required));
        }}
        onFocus={focus.onFocus}
        onBlur={() => {
          focus.onBlur();
          save();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') save();
        }}
        aria-invalid={error || refusal ? true : undefined}
        aria-describedby={describedBy.length ? describedBy.join(' ') : undefined}
      />
      {error ? (
        <p className="field-error" id={EMAIL_ERROR_ID} data-testid="email-error">
          {error}
        </p>
      ) : null}
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
