import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, type FieldError } from '../api.ts';

/**
 * Why a change was not made, in the server's words: what it said about each field of
 * the form, and what is about none of them (`message`).
 */
export interface Refusal<Key extends string> {
  fields: Partial<Record<Key, string>>;
  message: string | null;
  requestId: string | null;
}

/**
 * The refusal of a change: each field error the server named goes to the field `fieldOf`
 * gives it (with what to say there), a refusal without field errors (a 409) to the field
 * `fieldOfCode` names, and anything else to the form.
 */
export function refusalOf<Key extends string>(
  error: unknown,
  fieldOf: (error: FieldError) => readonly [Key, string] | null,
  fieldOfCode: (code: string) => Key | null = () => null,
): Refusal<Key> {
  if (!(error instanceof ApiError))
    return {
      fields: {},
      message: error instanceof Error ? error.message : String(error),
      requestId: null,
    };
  const fields: Partial<Record<Key, string>> = {};
  let unplaced = false;
  for (const e of error.errors) {
    const placed = fieldOf(e);
    if (placed && fields[placed[0]] === undefined) fields[placed[0]] = placed[1];
    else if (!placed) unplaced = true;
  }
  const codeField = error.errors.length === 0 && error.code ? fieldOfCode(error.code) : null;
  if (codeField) fields[codeField] = error.message;
  const placedAll = Object.keys(fields).length > 0 && !unplaced;
  // A refusal said at its fields needs no request id; any other may be looked up in the logs.
  return placedAll
    ? { fields, message: null, requestId: null }
    : { fields, message: error.message, requestId: error.requestId };
}

/** A refusal made here, before anything was sent (a field that cannot be read). */
export const localRefusal = <Key extends string>(
  fields: Partial<Record<Key, string>>,
): Refusal<Key> => ({ fields, message: null, requestId: null });

/** What a control needs to be labelled and described by its field. */
export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/**
 * A labelled form control with its hint and, when the server (or the form) refused it,
 * its error: the control is marked `aria-invalid` and described by both. `check` lays
 * out a checkbox: the box first, then its label.
 */
export function Field({
  label,
  hint,
  error,
  check = false,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  check?: boolean;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  const control = children({
    id,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    ...(error ? { 'aria-invalid': true as const } : {}),
  });
  return (
    <div className={check ? 'field field-check' : 'field'}>
      {check ? control : null}
      <label htmlFor={id}>{label}</label>
      {check ? null : control}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A form that saves a resource: its fields, then the refusal in words (`role="alert"`)
 * or "Saved.", then the submit button. After a refusal, focus goes to the first field
 * marked invalid (its error is read with it), or to the refusal's words.
 */
export function SaveForm<Key extends string>({
  label,
  submit,
  busy,
  refusal,
  saved,
  onSubmit,
  children,
}: {
  /** The form's accessible name ("Region"). */
  label: string;
  /** The submit button's words ("Create region", "Save"). */
  submit: string;
  busy: boolean;
  refusal: Refusal<Key> | null;
  /** Said once a change was saved. */
  saved: string | null;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const form = useRef<HTMLFormElement>(null);
  const summary = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (!refusal) return;
    const invalid = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? summary.current)?.focus();
  }, [refusal]);

  const handle = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!busy) onSubmit();
  };
  return (
    <form ref={form} className="form" aria-label={label} onSubmit={handle} noValidate>
      {children}
      {refusal ? (
        <p ref={summary} className="form-error" role="alert" tabIndex={-1}>
          {refusal.message === null
            ? 'Not saved: see the fields marked above.'
            : `Not saved: ${refusal.message}`}
          {refusal.requestId ? <RequestId id={refusal.requestId} /> : null}
        </p>
      ) : null}
      {saved && !refusal ? (
        <p className="ok-text" role="status">
          {saved}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : submit}
        </button>
      </div>
    </form>
  );
}

function RequestId({ id }: { id: string }) {
  return (
    <span className="muted">
      {' '}
      (request id <code>{id}</code>)
    </span>
  );
}

/**
 * Deleting with a confirmation: "Delete …" asks first (focus on "Cancel", the safe
 * answer), and a refusal is said in the server's words next to the button, which it
 * describes, and focus returns to it.
 */
export function DeleteControl({
  what,
  name,
  hint,
  onDelete,
}: {
  /** What is deleted ("region"), for the buttons' words. */
  what: string;
  /** Its name, for the question. */
  name: string;
  hint?: ReactNode;
  /** Deletes it; what it throws is the refusal. */
  onDelete: () => Promise<void>;
}) {
  const [state, setState] = useState<'idle' | 'confirming' | 'deleting'>('idle');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const start = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  const hintId = useId();
  const errorId = useId();
  const moved = useRef(false);

  useEffect(() => {
    if (!moved.current) return;
    if (state === 'confirming') cancel.current?.focus();
    if (state === 'idle') start.current?.focus();
  }, [state]);

  const go = (next: typeof state) => {
    moved.current = true;
    setState(next);
  };
  const confirm = async () => {
    go('deleting');
    setError(null);
    try {
      await onDelete();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
      go('idle');
    }
  };

  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className="delete-control">
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {state === 'idle' ? (
        <button
          ref={start}
          type="button"
          className="danger"
          aria-describedby={describedBy || undefined}
          onClick={() => go('confirming')}
        >
          Delete {what}
        </button>
      ) : (
        <div className="confirm" role="group" aria-labelledby={questionId}>
          <p id={questionId}>
            Delete the {what} “{name}”? This cannot be undone.
          </p>
          <div className="form-actions">
            <button
              ref={cancel}
              type="button"
              disabled={state === 'deleting'}
              onClick={() => go('idle')}
            >
              Cancel
            </button>
            <button
              type="button"
              className="danger-strong"
              disabled={state === 'deleting'}
              onClick={() => void confirm()}
            >
              {state === 'deleting' ? 'Deleting…' : `Yes, delete ${what}`}
            </button>
          </div>
        </div>
      )}
      {error ? (
        <p id={errorId} className="form-error" role="alert">
          Not deleted: {error.message}
          {error instanceof ApiError && error.requestId ? <RequestId id={error.requestId} /> : null}
        </p>
      ) : null}
    </div>
  );
}
