import { useId, useState, type FormEvent } from 'react';
import { AuditActorType, AuditChainStatus, AuditPage, type AuditRecord } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { getJson } from '../api.ts';
import { DataTable, LoadMore, type Column } from '../components/data-table.tsx';
import { EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { formatCount, formatTime } from '../format.ts';
import { pathOf } from '../routes.ts';
import { useMorePages, useResource } from '../use-resource.ts';
import {
  AUDIT_ACTIONS,
  auditQuery,
  filtersFromSearch,
  NO_FILTERS,
  searchOf,
  versions,
  type AuditFilters,
} from './audit-filters.ts';
import '../honest.css';

const PAGE = 50;

/**
 * The records' columns: tokens (action names, ids) never break inside; on a phone each
 * record is a card of labelled cells, an id too long for it cut with an ellipsis (its
 * record's page shows it whole).
 */
const RECORD_COLUMNS: Column<AuditRecord>[] = [
  {
    header: 'Record',
    stackLabel: 'Record',
    cell: (r) => (
      <Link to={pathOf({ view: 'audit-record', seq: String(r.seq) })}>Record #{r.seq}</Link>
    ),
  },
  { header: 'When', stackLabel: 'When', cell: (r) => formatTime(r.at) },
  { header: 'Who', stackLabel: 'Who', cell: (r) => r.actorType },
  {
    header: 'Action',
    stackLabel: 'Action',
    cell: (r) => <code className="token">{r.action}</code>,
  },
  {
    header: 'Cart',
    stackLabel: 'Cart',
    cell: (r) =>
      r.cartId ? (
        <code className="id" title={r.cartId}>
          {r.cartId}
        </code>
      ) : (
        '–'
      ),
  },
  { header: 'Version', stackLabel: 'Version', cell: (r) => versions(r) },
  {
    header: 'Request id',
    stackLabel: 'Request id',
    cell: (r) =>
      r.requestId ? (
        <code className="id" title={r.requestId}>
          {r.requestId}
        </code>
      ) : (
        '–'
      ),
  },
];

/** The audit log, newest first, filtered as the URL's query says, and whether its chain verifies. */
export function Audit() {
  const [filters, setFilters] = useState<AuditFilters>(() =>
    filtersFromSearch(window.location.search),
  );
  const query = auditQuery(filters);
  const chain = useResource('audit-chain', (signal) =>
    getJson('/api/admin/audit/verify', AuditChainStatus, signal),
  );
  const records = useResource(`audit-records:${query}`, (signal) =>
    getJson(`/api/admin/audit?limit=${PAGE}${query}`, AuditPage, signal),
  );
  const older = useMorePages(`audit-records:${query}`, records.data, (cursor) =>
    getJson(
      `/api/admin/audit?limit=${PAGE}${query}&cursor=${encodeURIComponent(cursor)}`,
      AuditPage,
    ),
  );
  const apply = (next: AuditFilters) => {
    // In the URL, so that a record's page and the back button come back to this list.
    window.history.replaceState(
      window.history.state,
      '',
      `${window.location.pathname}${searchOf(next)}`,
    );
    older.reset();
    setFilters(next);
  };
  const filtered = query !== '';

  return (
    <>
      <div className="view-head">
        <h1>Audit log</h1>
        <button
          type="button"
          onClick={() => {
            older.reset();
            chain.reload();
            records.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <Panel title="Hash chain" id="chain">
        <ResourceView
          resource={chain}
          what="the chain status"
          skeleton={{ rows: 1, label: 'the chain status' }}
        >
          {(status) => <ChainStatus status={status} />}
        </ResourceView>
      </Panel>
      <Panel title={filtered ? 'Matching records' : 'Recent records'} id="records">
        <FilterForm key={query} initial={filters} onApply={apply} />
        <ResourceView
          resource={records}
          what="the audit log"
          skeleton={{ rows: 6, label: 'the audit log' }}
        >
          {() => (
            <div className="audit-table">
              <DataTable
                label="Audit records"
                caption="Audit records, newest first"
                columns={RECORD_COLUMNS}
                rows={older.items}
                rowKey={(r) => r.seq}
                stacked
                empty={
                  <EmptyState>
                    {filtered ? 'No audit record matches these filters.' : 'No audit records yet.'}
                  </EmptyState>
                }
              />
            </div>
          )}
        </ResourceView>
        <LoadMore
          pages={older}
          label="Older records"
          what="older records"
          firstFailed={records.error !== undefined}
        />
      </Panel>
    </>
  );
}

/** The filters the audit API takes (action, cart, actor, time range), applied on submit. */
function FilterForm({
  initial,
  onApply,
}: {
  initial: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const id = useId();
  const field = (name: keyof AuditFilters) => ({
    id: `${id}-${name}`,
    name,
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  return (
    <form className="audit-filters" onSubmit={submit} aria-label="Filter audit records">
      <label htmlFor={`${id}-action`}>
        Action
        <input {...field('action')} list={`${id}-actions`} autoComplete="off" spellCheck={false} />
        <datalist id={`${id}-actions`}>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </label>
      <label htmlFor={`${id}-cartId`} className="audit-filter-cart">
        Cart id
        <input {...field('cartId')} autoComplete="off" spellCheck={false} />
      </label>
      <label htmlFor={`${id}-actor`}>
        Who
        <select {...field('actor')}>
          <option value="">anyone</option>
          {AuditActorType.options.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-from`}>
        From
        <input {...field('from')} type="datetime-local" />
      </label>
      <label htmlFor={`${id}-to`}>
        Until
        <input {...field('to')} type="datetime-local" />
      </label>
      <button type="submit">Filter</button>
      <button type="button" onClick={() => onApply(NO_FILTERS)}>
        Clear
      </button>
    </form>
  );
}

function ChainStatus({ status }: { status: AuditChainStatus }) {
  return status.intact ? (
    <p className="chain chain-ok" role="status">
      <span aria-hidden="true">✔</span> Chain verified: {formatCount(status.records)} records{' '}
      <span className="muted">(checked {formatTime(status.checkedAt)})</span>
    </p>
  ) : (
    <p className="chain chain-broken" role="alert">
      <span aria-hidden="true">✖</span> Chain broken at record #{status.brokenAtSeq}
      <span className="muted">
        {' '}
        — {formatCount(status.records)} records verified before it; run{' '}
        <code>npm run audit:verify</code> for details (checked {formatTime(status.checkedAt)})
      </span>
    </p>
  );
}
