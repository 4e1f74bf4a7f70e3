import { AuditPage, type AuditRecord } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { getJson } from '../api.ts';
import { DetailPanel, EmptyState, ResourceView } from '../components/status.tsx';
import { formatTime } from '../format.ts';
import { pathOf } from '../routes.ts';
import { useResource } from '../use-resource.ts';
import { searchOf, NO_FILTERS, versions } from './audit-filters.ts';
import '../honest.css';

/**
 * One audit record, every field of it: read from the audit list as the page before it
 * (`cursor` = seq + 1, `limit` = 1 answers the newest record below seq + 1), so that a
 * record's page needs no API of its own; null when no record has that number.
 */
async function loadRecord(seq: number, signal: AbortSignal): Promise<AuditRecord | null> {
  const page = await getJson(`/api/admin/audit?limit=1&cursor=${seq + 1}`, AuditPage, signal);
  const record = page.items[0];
  return record?.seq === seq ? record : null;
}

/** A long hex hash, in groups of 16 that may wrap between them (never inside one). */
function Hash({ value }: { value: string }) {
  const groups = value.match(/.{1,16}/g) ?? [value];
  return (
    <code className="hash">
      {groups.map((g, i) => (
        <span key={i}>
          {g}
          {i < groups.length - 1 ? <wbr /> : null}
        </span>
      ))}
    </code>
  );
}

/** An audit record: who, what, which cart and versions, its detail and its chain link. */
export function AuditRecordView({ seq }: { seq: string }) {
  const n = /^[1-9]\d{0,15}$/.test(seq) ? Number(seq) : null;
  const record = useResource(`audit-record:${seq}`, (signal) =>
    n === null ? Promise.resolve(null) : loadRecord(n, signal),
  );
  const back = pathOf({ view: 'audit' });
  return (
    <>
      <div className="view-head">
        <h1>Audit record</h1>
        <Link to={back}>← Audit log</Link>
      </div>
      <ResourceView
        resource={record}
        what="this audit record"
        skeleton={{ rows: 6, label: 'the audit record' }}
      >
        {(r) =>
          r === null ? (
            <EmptyState>There is no audit record #{seq}.</EmptyState>
          ) : (
            <div className="audit-record">
              <DetailPanel
                title={`#${r.seq} ${r.action}`}
                id="audit-record"
                facts={[
                  ['Record', `#${r.seq}`],
                  ['When', formatTime(r.at)],
                  ['Action', <code key="a">{r.action}</code>],
                  ['Who', r.actorId ? `${r.actorType} (${r.actorId})` : r.actorType],
                  [
                    'Cart',
                    r.cartId ? (
                      <>
                        <code>{r.cartId}</code>{' '}
                        <Link to={`${back}${searchOf({ ...NO_FILTERS, cartId: r.cartId })}`}>
                          All records of this cart
                        </Link>
                      </>
                    ) : (
                      '–'
                    ),
                  ],
                  ['Versions', versions(r)],
                  ['Request id', r.requestId ? <code key="q">{r.requestId}</code> : '–'],
                  [
                    'Client address',
                    r.clientAddress ? <code key="c">{r.clientAddress}</code> : '–',
                  ],
                  ['Audit key', r.keyId ? <code key="k">{r.keyId}</code> : 'none (before keys)'],
                  ['Hash', <Hash key="h" value={r.hash} />],
                  ['Previous hash', <Hash key="p" value={r.prevHash} />],
                ]}
              >
                <h3>Detail</h3>
                <pre className="audit-detail-json" tabIndex={0} aria-label="Detail as JSON">
                  {JSON.stringify(r.detail, null, 2)}
                </pre>
              </DetailPanel>
            </div>
          )
        }
      </ResourceView>
    </>
  );
}
