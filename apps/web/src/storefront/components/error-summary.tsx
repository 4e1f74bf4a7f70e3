import './error-summary.css';

/** A field to fix: its id (the link's target) and what to do, in plain words. */
export interface FieldToFix {
  id: string;
  message: string;
}

/**
 * What stops a form being sent, next to its button (GOV.UK's error summary): each
 * problem a link that takes focus to its field, where the same words are shown. The
 * form focuses the first field itself; the summary is for who finds the button first.
 */
export function ErrorSummary({ id, fields }: { id: string; fields: readonly FieldToFix[] }) {
  return (
    <div className="error-summary" id={id} data-testid="error-summary">
      <p className="error-summary-title">
        <strong>
          {fields.length === 1 ? 'Check this' : `Check these ${fields.length} things`} before you
          place your order:
        </strong>
      </p>
      <ul>
        {fields.map((f) => (
          <li key={f.id}>
            <a
              href={`#${f.id}`}
              onClick={(event) => {
                event.preventDefault();
                document.getElementById(f.id)?.focus();
              }}
            >
              {f.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
