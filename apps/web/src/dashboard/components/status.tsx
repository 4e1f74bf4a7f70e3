import { Fragment, type ReactNode } from 'react';
import { ApiError } from '../api.ts';
import type { Resource } from '../use-resource.ts';

/** Grey placeholder blocks while a view loads (announced once to screen readers). */
export function Skeleton({ rows = 3, label }: { rows?: number; label: string }) {
  return (
    <div className="skeleton" role="status" aria-live="polite">
      <span className="visually-hidden">Loading {label}…</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton-row" aria-hidden="true" />
      ))}
    </div>
  );
}

/** A failed load, in words, with a way to try again. */
export function ErrorNotice({
  error,
  onRetry,
  what,
}: {
  error: Error;
  onRetry: () => void;
  what: string;
}) {
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>Could not load {what}.</strong> {error.message}
        {requestId ? (
          <>
            {' '}
            (request id <code>{requestId}</code>)
          </>
        ) : null}
      </p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/** What a list shows when it has nothing; `ok` when that is good news (no errors, no alerts). */
export function EmptyState({ ok = false, children }: { ok?: boolean; children: ReactNode }) {
  return <p className={ok ? 'ok-text' : undefined}>{children}</p>;
}

/**
 * A resource's states (use-resource.ts): a skeleton until its first answer, then what
 * the answer shows; a failed load says so, with "Try again". By default the notice
 * replaces the answer. A live view that polls (`keepData`) keeps showing its last answer
 * under the notice of a failed refresh, and only the notice when there never was one.
 */
export function ResourceView<T>({
  resource,
  what,
  skeleton,
  keepData = false,
  children,
}: {
  resource: Resource<T>;
  /** What failed to load, for the notice ("the alerts"). */
  what: string;
  /** The placeholder while it loads: how many rows, and what is loading ("alerts"). */
  skeleton: { rows: number; label: string };
  keepData?: boolean;
  children: (data: T) => ReactNode;
}) {
  const { data, error, reload } = resource;
  const notice = error ? <ErrorNotice error={error} onRetry={reload} what={what} /> : null;
  const placeholder = <Skeleton rows={skeleton.rows} label={skeleton.label} />;
  if (!keepData) return notice ?? (data === undefined ? placeholder : children(data));
  return (
    <>
      {notice}
      {data !== undefined ? children(data) : notice ? null : placeholder}
    </>
  );
}

/** A titled card. */
export function Panel({
  title,
  actions,
  children,
  id,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-title`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="panel-head">
        <h2 id={headingId}>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/**
 * A headline number. `definition` says, visibly, what it counts and over which window
 * ("carts idle 1 h with items ÷ carts with an item added, last 24 hours"): a number
 * without one invites the wrong reading.
 */
export function Stat({
  label,
  value,
  hint,
  definition,
}: {
  label: string;
  value: string;
  hint?: string;
  definition?: string;
}) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {hint ? <span className="stat-hint">{hint}</span> : null}
        {definition ? <span className="stat-definition">{definition}</span> : null}
      </dd>
    </div>
  );
}

/** A selected item's detail: a titled panel of its facts (term, value), then anything more. */
export function DetailPanel({
  title,
  id,
  facts,
  children,
}: {
  title: string;
  id: string;
  facts: readonly (readonly [term: string, value: ReactNode])[];
  children?: ReactNode;
}) {
  return (
    <Panel title={title} id={id}>
      <dl className="facts">
        {facts.map(([term, value]) => (
          <Fragment key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      {children}
    </Panel>
  );
}
