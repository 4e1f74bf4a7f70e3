import type { CartErrorReport } from '@cart/client';

/**
 * A refusal in plain words, shown next to what caused it: the error catalog's message
 * ("Sorry, we do not have that many in stock."), then the specific reason the server
 * gave ("Only 2 of Blue Mug left.") and any field messages. A "Try again" button when
 * trying again can help (the shop was unreachable or busy), else only "Dismiss". The
 * words are also announced once, by the page's alert region, when the refusal happens.
 */
export function Problem({
  report,
  id,
  onRetry,
  onDismiss,
}: {
  report: Pick<CartErrorReport, 'message' | 'detail' | 'errors' | 'retryable'>;
  /** For `aria-describedby` on the control it is about. */
  id?: string;
  onRetry?: (() => void) | undefined;
  onDismiss?: (() => void) | undefined;
}) {
  const details = explain(report);
  return (
    <div className="problem" id={id} data-testid="problem">
      <p className="problem-text">
        <strong>{report.message}</strong>
        {details.map((d) => (
          <span key={d}> {d}</span>
        ))}
      </p>
      {(onRetry && report.retryable) || onDismiss ? (
        <p className="problem-actions">
          {onRetry && report.retryable ? (
            <button type="button" className="button button-small" onClick={onRetry}>
              Try again
            </button>
          ) : null}
          {onDismiss ? (
            <button type="button" className="button-link" onClick={onDismiss}>
              Dismiss
            </button>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

/** The sentences to add after the catalog message: the detail and field messages, once each. */
export function explain(report: Pick<CartErrorReport, 'message' | 'detail' | 'errors'>): string[] {
  const out: string[] = [];
  const add = (text: string) => {
    const t = sentence(text);
    if (t && t !== sentence(report.message) && !out.includes(t)) out.push(t);
  };
  add(report.detail);
  for (const e of report.errors) add(e.message);
  return out;
}

/** A message as a sentence: a capital first, a full stop last ("enter a city" → "Enter a city."). */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return '';
  const capital = t[0]?.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The words an alert region says for a refusal. */
export function spoken(report: Pick<CartErrorReport, 'message' | 'detail' | 'errors'>): string {
  return [report.message, ...explain(report)].join(' ');
}
