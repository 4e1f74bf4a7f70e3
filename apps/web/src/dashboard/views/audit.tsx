import { useState } from 'react';
import { AuditChainStatus, AuditPage } from '@cart/core';
import { getJson } from '../api.ts';
import { ErrorNotice, Panel, Skeleton, TableScroll } from '../components/status.tsx';
import { formatCount, formatTime } from '../format.ts';
import { useResource } from '../use-resource.ts';

const PAGE = 50;

/** The audit log, newest first, and whether its hash chain verifies. */
export function Audit() {
  const chain = useResource('audit-chain', (signal) =>
    getJson('/api/admin/audit/verify', AuditChainStatus, signal),
  );
  const [older, setOlder] = useState<AuditPage>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  const records = useResource('audit-records', (signal) =>
    getJson(`/api/admin/audit?limit=${PAGE}`, AuditPage, signal),
  );
  const items = [...(records.data?.items ?? []), ...(older?.items ?? [])];
  const next = older ? older.nextCursor : (records.data?.nextCursor ?? null);

  const loadOlder = async () => {
    if (!next) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await getJson(
        `/api/admin/audit?limit=${PAGE}&cursor=${encodeURIComponent(next)}`,
        AuditPage,
      );
      setOlder({ items: [...(older?.items ?? []), ...page.items], nextCursor: page.nextCursor });
    } catch (error) {
      setMoreError(error as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <div className="view-head">
        <h1>Audit log</h1>
        <button
          type="button"
          onClick={() => {
            setOlder(undefined);
            chain.reload();
            records.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <Panel title="Hash chain" id="chain">
        {chain.error ? (
          <ErrorNotice error={chain.error} onRetry={chain.reload} what="the chain status" />
        ) : !chain.data ? (
          <Skeleton rows={1} label="the chain status" />
        ) : chain.data.intact ? (
          <p className="chain chain-ok" role="status">
            <span aria-hidden="true">✔</span> Chain verified: {formatCount(chain.data.records)}{' '}
            records <span className="muted">(checked {formatTime(chain.data.checkedAt)})</span>
          </p>
        ) : (
          <p className="chain chain-broken" role="alert">
            <span aria-hidden="true">✖</span> Chain broken at record #{chain.data.brokenAtSeq}
            <span className="muted">
              {' '}
              — {formatCount(chain.data.records)} records verified before it; run{' '}
              <code>npm run audit:verify</code> for details (checked{' '}
              {formatTime(chain.data.checkedAt)})
            </span>
          </p>
        )}
      </Panel>
      <Panel title="Recent records" id="records">
        {records.error ? (
          <ErrorNotice error={records.error} onRetry={records.reload} what="the audit log" />
        ) : records.loading ? (
          <Skeleton rows={6} label="the audit log" />
        ) : items.length === 0 ? (
          <p>No audit records yet.</p>
        ) : (
          <TableScroll label="Audit records">
            <table className="table">
              <caption className="visually-hidden">Audit records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Cart</th>
                  <th scope="col">Version</th>
                  <th scope="col">Request id</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.seq}>
                    <td className="num">{r.seq}</td>
                    <td>{formatTime(r.at)}</td>
                    <td>{r.actorType}</td>
                    <td>
                      <code>{r.action}</code>
                    </td>
                    <td>{r.cartId ? <code className="id">{r.cartId}</code> : '–'}</td>
                    <td>
                      {r.beforeVersion === null && r.afterVersion === null
                        ? '–'
                        : `${r.beforeVersion ?? '∅'} → ${r.afterVersion ?? '∅'}`}
                    </td>
                    <td>{r.requestId ? <code className="id">{r.requestId}</code> : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        {moreError ? (
          <ErrorNotice error={moreError} onRetry={() => void loadOlder()} what="older records" />
        ) : null}
        {next && !records.error ? (
          <button type="button" onClick={() => void loadOlder()} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Older records'}
          </button>
        ) : null}
      </Panel>
    </>
  );
}
