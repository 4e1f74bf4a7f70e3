import { useId, useState } from 'react';
import { ErrorGroup, ErrorGroupPage, type ErrorGroupSummary } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { getJson } from '../api.ts';
import { DataTable, LoadMore, type Column } from '../components/data-table.tsx';
import { DetailPanel, EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { formatCount, formatTime } from '../format.ts';
import { pathOf } from '../routes.ts';
import { useMorePages, useResource } from '../use-resource.ts';

type SourceFilter = 'all' | 'server' | 'client';
const PAGE = 50;

const sourceName = (source: ErrorGroupSummary['source']) =>
  source === 'client' ? 'browser' : 'server';

/** The columns of the error groups: on a phone, each group is a card of labelled cells. */
const GROUP_COLUMNS: Column<ErrorGroupSummary>[] = [
  {
    header: 'Error',
    stackLabel: 'Error',
    cell: (g) => (
      <>
        <Link to={pathOf({ view: 'error', fingerprint: g.fingerprint })} className="error-link">
          <span className="error-class">{g.errorClass}</span>{' '}
          <span className="error-message">{g.message}</span>
        </Link>{' '}
        <span className={`badge badge-${g.source}`}>{sourceName(g.source)}</span>
      </>
    ),
  },
  { header: 'Route or page', stackLabel: 'Route', cell: (g) => <code>{g.route}</code> },
  { header: 'Count', stackLabel: 'Count', numeric: true, cell: (g) => formatCount(g.count) },
  { header: 'First seen', stackLabel: 'First seen', cell: (g) => formatTime(g.firstSeen) },
  { header: 'Last seen', stackLabel: 'Last seen', cell: (g) => formatTime(g.lastSeen) },
];

/** Error groups, most recent first, with a filter by source and "load more". */
export function ErrorsList() {
  const [source, setSource] = useState<SourceFilter>('all');
  const selectId = useId();
  const query = (cursor: string | null) =>
    `/api/admin/errors?limit=${PAGE}${source === 'all' ? '' : `&source=${source}`}${
      cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
    }`;
  const first = useResource(`errors:${source}`, (signal) =>
    getJson(query(null), ErrorGroupPage, signal),
  );
  const pages = useMorePages(source, first.data, (cursor) =>
    getJson(query(cursor), ErrorGroupPage),
  );

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
              pages.reset();
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
            pages.reset();
            first.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <Panel title="Error groups" id="groups">
        <ResourceView
          resource={first}
          what="the error groups"
          skeleton={{ rows: 5, label: 'error groups' }}
        >
          {() => (
            <DataTable
              label="Error groups"
              caption="Error groups: each row is one fingerprint (class, top frame, route)"
              columns={GROUP_COLUMNS}
              rows={pages.items}
              rowKey={(g) => g.fingerprint}
              stacked
              empty={
                <EmptyState ok>
                  No errors recorded. Every 5xx and every browser error shows up here.
                </EmptyState>
              }
            />
          )}
        </ResourceView>
        <LoadMore
          pages={pages}
          label="Load more"
          what="more error groups"
          firstFailed={first.error !== undefined}
        />
      </Panel>
    </>
  );
}

/** One error group: what, where, how often, the latest stack and its request id. */
export function ErrorDetail({ fingerprint }: { fingerprint: string }) {
  const group = useResource(`error:${fingerprint}`, (signal) =>
    getJson(`/api/admin/errors/${encodeURIComponent(fingerprint)}`, ErrorGroup, signal),
  );
  return (
    <>
      <div className="view-head">
        <h1>Error group</h1>
        <Link to={pathOf({ view: 'errors' })}>← All errors</Link>
      </div>
      <ResourceView
        resource={group}
        what="this error group"
        skeleton={{ rows: 6, label: 'the error group' }}
      >
        {(g) => (
          <DetailPanel
            title={`${g.errorClass}: ${g.message}`}
            id="error-detail"
            facts={[
              ['Source', sourceName(g.source)],
              ['Route or page', <code>{g.route}</code>],
              ['Top frame', g.topFrame ? <code>{g.topFrame}</code> : 'none found'],
              ['Occurrences', formatCount(g.count)],
              ['First seen', formatTime(g.firstSeen)],
              ['Last seen', formatTime(g.lastSeen)],
              [
                'Sample request id',
                g.sampleRequestId ? (
                  <code className="request-id">{g.sampleRequestId}</code>
                ) : (
                  'none'
                ),
              ],
              ['Fingerprint', <code>{g.fingerprint}</code>],
            ]}
          >
            <h3>Stack of the latest occurrence</h3>
            <pre className="stack" tabIndex={0} aria-label="Stack trace">
              {g.stack || '(no stack was recorded)'}
            </pre>
          </DetailPanel>
        )}
      </ResourceView>
    </>
  );
}
