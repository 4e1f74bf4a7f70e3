import { useId, useState } from 'react';
import { ErrorGroup, ErrorGroupPage, type ErrorGroupSummary } from '@cart/core';
import { getJson } from '../api.ts';
import { Link } from '../components/link.tsx';
import { ErrorNotice, Panel, Skeleton, TableScroll } from '../components/status.tsx';
import { formatCount, formatTime } from '../format.ts';
import { BASE } from '../router.ts';
import { useResource } from '../use-resource.ts';

type SourceFilter = 'all' | 'server' | 'client';
const PAGE = 50;

const detailPath = (fingerprint: string) => `${BASE}/errors/${encodeURIComponent(fingerprint)}`;

/** Error groups, most recent first, with a filter by source and "load more". */
export function ErrorsList() {
  const [source, setSource] = useState<SourceFilter>('all');
  const [more, setMore] = useState<{
    key: string;
    items: ErrorGroupSummary[];
    next: string | null;
  }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  const selectId = useId();
  const query = (cursor: string | null) =>
    `/api/admin/errors?limit=${PAGE}${source === 'all' ? '' : `&source=${source}`}${
      cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
    }`;
  const first = useResource(`errors:${source}`, (signal) =>
    getJson(query(null), ErrorGroupPage, signal),
  );
  const extra = more?.key === source ? more : undefined;
  const items = [...(first.data?.items ?? []), ...(extra?.items ?? [])];
  const next = extra ? extra.next : (first.data?.nextCursor ?? null);

  const loadMore = async () => {
    if (!next) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await getJson(query(next), ErrorGroupPage);
      setMore({
        key: source,
        items: [...(extra?.items ?? []), ...page.items],
        next: page.nextCursor,
      });
    } catch (error) {
      setMoreError(error as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <div className="view-head">
        <h1>Errors</h1>
        <label htmlFor={selectId} className="inline-field">
          Source{' '}
          <select
            id={selectId}
            value={source}
            onChange={(e) => {
              setSource(e.target.value as SourceFilter);
              setMore(undefined);
            }}
          >
            <option value="all">server and browser</option>
            <option value="server">server</option>
            <option value="client">browser</option>
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            setMore(undefined);
            first.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <Panel title="Error groups" id="groups">
        {first.error ? (
          <ErrorNotice error={first.error} onRetry={first.reload} what="the error groups" />
        ) : first.loading ? (
          <Skeleton rows={5} label="error groups" />
        ) : items.length === 0 ? (
          <p className="ok-text">
            No errors recorded. Every 5xx and every browser error shows up here.
          </p>
        ) : (
          <TableScroll label="Error groups">
            <table className="table table-stack">
              <caption className="visually-hidden">
                Error groups: each row is one fingerprint (class, top frame, route)
              </caption>
              <thead>
                <tr>
                  <th scope="col">Error</th>
                  <th scope="col">Route or page</th>
                  <th scope="col" className="num">
                    Count
                  </th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {items.map((g) => (
                  <tr key={g.fingerprint}>
                    <td data-label="Error">
                      <Link to={detailPath(g.fingerprint)} className="error-link">
                        <span className="error-class">{g.errorClass}</span>{' '}
                        <span className="error-message">{g.message}</span>
                      </Link>{' '}
                      <span className={`badge badge-${g.source}`}>
                        {g.source === 'client' ? 'browser' : 'server'}
                      </span>
                    </td>
                    <td data-label="Route">
                      <code>{g.route}</code>
                    </td>
                    <td data-label="Count" className="num">
                      {formatCount(g.count)}
                    </td>
                    <td data-label="First seen">{formatTime(g.firstSeen)}</td>
                    <td data-label="Last seen">{formatTime(g.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        {moreError ? (
          <ErrorNotice error={moreError} onRetry={() => void loadMore()} what="more error groups" />
        ) : null}
        {next && !first.error ? (
          <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </Panel>
    </>
  );
}

/** One error group: what, where, how often, the latest stack and its request id. */
export function ErrorDetail({ fingerprint }: { fingerprint: string }) {
  const group = useResource(`error:${fingerprint}`, (signal) =>
    getJson(`/api/admin/errors/${encodeURIComponent(fingerprint)}`, ErrorGroup, signal),
  );
  const g = group.data;
  return (
    <>
      <div className="view-head">
        <h1>Error group</h1>
        <Link to={`${BASE}/errors`}>← All errors</Link>
      </div>
      {group.error ? (
        <ErrorNotice error={group.error} onRetry={group.reload} what="this error group" />
      ) : !g ? (
        <Skeleton rows={6} label="the error group" />
      ) : (
        <Panel title={`${g.errorClass}: ${g.message}`} id="error-detail">
          <dl className="facts">
            <dt>Source</dt>
            <dd>{g.source === 'client' ? 'browser' : 'server'}</dd>
            <dt>Route or page</dt>
            <dd>
              <code>{g.route}</code>
            </dd>
            <dt>Top frame</dt>
            <dd>{g.topFrame ? <code>{g.topFrame}</code> : 'none found'}</dd>
            <dt>Occurrences</dt>
            <dd>{formatCount(g.count)}</dd>
            <dt>First seen</dt>
            <dd>{formatTime(g.firstSeen)}</dd>
            <dt>Last seen</dt>
            <dd>{formatTime(g.lastSeen)}</dd>
            <dt>Sample request id</dt>
            <dd>
              {g.sampleRequestId ? <code className="request-id">{g.sampleRequestId}</code> : 'none'}
            </dd>
            <dt>Fingerprint</dt>
            <dd>
              <code>{g.fingerprint}</code>
            </dd>
          </dl>
          <h3>Stack of the latest occurrence</h3>
          <pre className="stack" tabIndex={0} aria-label="Stack trace">
            {g.stack || '(no stack was recorded)'}
          </pre>
        </Panel>
      )}
    </>
  );
}
