import { AuditChainStatus, AuditPage, type AuditRecord } from '@cart/core';
import { getJson } from '../api.ts';
import { DataTable, LoadMore, type Column } from '../components/data-table.tsx';
import { EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { formatCount, formatTime } from '../format.ts';
import { useMorePages, useResource } from '../use-resource.ts';

const PAGE = 50;

const RECORD_COLUMNS: Column<AuditRecord>[] = [
  { header: '#', numeric: true, cell: (r) => r.seq },
  { header: 'When', cell: (r) => formatTime(r.at) },
  { header: 'Who', cell: (r) => r.actorType },
  { header: 'Action', cell: (r) => <code>{r.action}</code> },
  { header: 'Cart', cell: (r) => (r.cartId ? <code className="id">{r.cartId}</code> : '–') },
  {
    header: 'Version',
    cell: (r) =>
      r.beforeVersion === null && r.afterVersion === null
        ? '–'
        : `${r.beforeVersion ?? '∅'} → ${r.afterVersion ?? '∅'}`,
  },
  {
    header: 'Request id',
    cell: (r) => (r.requestId ? <code className="id">{r.requestId}</code> : '–'),
  },
];

/** The audit log, newest first, and whether its hash chain verifies. */
export function Audit() {
  const chain = useResource('audit-chain', (signal) =>
    getJson('/api/admin/audit/verify', AuditChainStatus, signal),
  );
  const records = useResource('audit-records', (signal) =>
    getJson(`/api/admin/audit?limit=${PAGE}`, AuditPage, signal),
  );
  const older = useMorePages('audit-records', records.data, (cursor) =>
    getJson(`/api/admin/audit?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`, AuditPage),
  );

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
      <Panel title="Recent records" id="records">
        <ResourceView
          resource={records}
          what="the audit log"
          skeleton={{ rows: 6, label: 'the audit log' }}
        >
          {() => (
            <DataTable
              label="Audit records"
              caption="Audit records, newest first"
              columns={RECORD_COLUMNS}
              rows={older.items}
              rowKey={(r) => r.seq}
              empty={<EmptyState>No audit records yet.</EmptyState>}
            />
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
