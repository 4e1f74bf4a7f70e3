import { AlertsView, type AlertStatus } from '@cart/core';
import { getJson } from '../api.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { formatNumber, formatTime } from '../format.ts';
import { useResource } from '../use-resource.ts';

const RULE_COLUMNS: Column<AlertStatus>[] = [
  { header: 'Rule', cell: (r) => <code>{r.rule}</code> },
  {
    header: 'State',
    cell: (r) => (
      <span className={`badge ${r.state === 'firing' ? 'badge-bad' : 'badge-ok'}`}>
        {r.state === 'firing' ? 'firing' : 'ok'}
      </span>
    ),
  },
  { header: 'Severity', cell: (r) => r.severity },
  {
    header: 'Value',
    numeric: true,
    cell: (r) => (r.value === null ? '–' : formatNumber(r.value)),
  },
  { header: 'Since', cell: (r) => (r.since ? formatTime(r.since) : 'since start') },
  { header: 'Summary', cell: (r) => r.summary },
];

/** Alert rules with their current state, and the firing/resolved history. */
export function Alerts() {
  const alerts = useResource(
    'alerts-view',
    (signal) => getJson('/api/admin/alerts', AlertsView, signal),
    5000,
  );
  return (
    <>
      <div className="view-head">
        <h1>Alerts</h1>
      </div>
      <ResourceView
        resource={alerts}
        what="the alerts"
        skeleton={{ rows: 5, label: 'alerts' }}
        keepData
      >
        {(view) => (
          <>
            <Panel title="Rules" id="rules">
              <DataTable
                label="Alert rules"
                caption="Alert rules and their current state"
                columns={RULE_COLUMNS}
                rows={view.rules}
                rowKey={(r) => r.rule}
              />
            </Panel>
            <Panel title="History" id="history">
              {view.history.length === 0 ? (
                <EmptyState>No alert has fired yet.</EmptyState>
              ) : (
                <ol className="history">
                  {view.history.map((e) => (
                    <li key={e.id}>
                      <span className={`badge ${e.state === 'firing' ? 'badge-bad' : 'badge-ok'}`}>
                        {e.state}
                      </span>{' '}
                      <code>{e.rule}</code> <span className="muted">{formatTime(e.at)}</span>
                      <div>
                        {e.summary}
                        {e.value === null ? null : ` (value ${formatNumber(e.value)})`}
                      </div>
                    </li>
                  ))}
                </ol>
              )}
            </Panel>
          </>
        )}
      </ResourceView>
    </>
  );
}
