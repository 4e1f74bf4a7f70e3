import { AlertsView } from '@cart/core';
import { getJson } from '../api.ts';
import { ErrorNotice, Panel, Skeleton, TableScroll } from '../components/status.tsx';
import { formatNumber, formatTime } from '../format.ts';
import { useResource } from '../use-resource.ts';

/** Alert rules with their current state, and the firing/resolved history. */
export function Alerts() {
  const alerts = useResource(
    'alerts-view',
    (signal) => getJson('/api/admin/alerts', AlertsView, signal),
    5000,
  );
  const view = alerts.data;
  return (
    <>
      <div className="view-head">
        <h1>Alerts</h1>
      </div>
      {alerts.error ? (
        <ErrorNotice error={alerts.error} onRetry={alerts.reload} what="the alerts" />
      ) : null}
      {!view ? (
        alerts.error ? null : (
          <Skeleton rows={5} label="alerts" />
        )
      ) : (
        <>
          <Panel title="Rules" id="rules">
            <TableScroll label="Alert rules">
              <table className="table">
                <caption className="visually-hidden">Alert rules and their current state</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">State</th>
                    <th scope="col">Severity</th>
                    <th scope="col" className="num">
                      Value
                    </th>
                    <th scope="col">Since</th>
                    <th scope="col">Summary</th>
                  </tr>
                </thead>
                <tbody>
                  {view.rules.map((r) => (
                    <tr key={r.rule}>
                      <td>
                        <code>{r.rule}</code>
                      </td>
                      <td>
                        <span
                          className={`badge ${r.state === 'firing' ? 'badge-bad' : 'badge-ok'}`}
                        >
                          {r.state === 'firing' ? 'firing' : 'ok'}
                        </span>
                      </td>
                      <td>{r.severity}</td>
                      <td className="num">{r.value === null ? '–' : formatNumber(r.value)}</td>
                      <td>{r.since ? formatTime(r.since) : 'since start'}</td>
                      <td>{r.summary}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </Panel>
          <Panel title="History" id="history">
            {view.history.length === 0 ? (
              <p>No alert has fired yet.</p>
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
    </>
  );
}
