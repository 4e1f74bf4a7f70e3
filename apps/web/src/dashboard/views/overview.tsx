import { useId, useState } from 'react';
import { AlertsView, MonitoringSeries, type AlertStatus, type SeriesPoint } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { getJson } from '../api.ts';
import { EmptyState, Panel, ResourceView, Stat } from '../components/status.tsx';
import { TimeChart } from '../components/time-chart.tsx';
import { formatCount, formatMs, formatNumber, formatRate, formatTime } from '../format.ts';
import { pathOf } from '../routes.ts';
import { useResource, type Resource } from '../use-resource.ts';
import '../honest.css';

/** How often the charts refresh. */
export const LIVE_INTERVAL_MS = 2000;
const WINDOWS = [5, 15, 60] as const;

/** Tokens of dashboard.css, so the lines follow the light or dark scheme. */
const COLORS = {
  requests: 'var(--chart-blue)',
  errors: 'var(--chart-red)',
  p50: 'var(--chart-green)',
  p95: 'var(--chart-amber)',
  p99: 'var(--chart-violet)',
  carts: 'var(--chart-blue)',
  checkouts: 'var(--chart-green)',
};

interface Totals {
  requests: number;
  errors: number;
  rateLimited: number;
  cartsCreated: number;
  checkouts: number;
}

function totals(points: SeriesPoint[]): Totals {
  const t: Totals = { requests: 0, errors: 0, rateLimited: 0, cartsCreated: 0, checkouts: 0 };
  for (const p of points) {
    t.requests += p.requests;
    t.errors += p.errors;
    t.rateLimited += p.rateLimited;
    t.cartsCreated += p.cartsCreated;
    t.checkouts += p.checkouts;
  }
  return t;
}

/** The overview: headline numbers, live charts (polled every 2 s) and firing alerts. */
export function Overview() {
  const [minutes, setMinutes] = useState<(typeof WINDOWS)[number]>(15);
  const selectId = useId();
  const series = useResource(
    `series:${minutes}`,
    (signal) =>
      getJson(`/api/admin/monitoring/series?minutes=${minutes}`, MonitoringSeries, signal),
    LIVE_INTERVAL_MS,
  );
  const alerts = useResource(
    'alerts',
    (signal) => getJson('/api/admin/alerts', AlertsView, signal),
    LIVE_INTERVAL_MS * 2.5,
  );

  const windowPicker = (
    <label htmlFor={selectId} className="inline-field">
      Window{' '}
      <select
        id={selectId}
        value={minutes}
        onChange={(e) => setMinutes(Number(e.target.value) as (typeof WINDOWS)[number])}
      >
        {WINDOWS.map((m) => (
          <option key={m} value={m}>
            last {m} minutes
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <div className="view-head">
        <h1>Overview</h1>
        {windowPicker}
      </div>
      <FiringAlerts resource={alerts} />
      <ResourceView
        resource={series}
        what="the live series"
        skeleton={{ rows: 6, label: 'live charts' }}
        keepData
      >
        {(data) => <Live data={data} minutes={minutes} />}
      </ResourceView>
    </>
  );
}

function Live({ data, minutes }: { data: MonitoringSeries; minutes: number }) {
  const { points, resolutionSeconds, window } = data;
  const t = totals(points);
  const span = `last ${minutes} minutes`;
  const seconds = Math.max(1, points.length * resolutionSeconds);
  const x = points.map((p) => p.t / 1000);
  const perBucket = resolutionSeconds === 1 ? 'per second' : `per ${resolutionSeconds} s`;
  return (
    <>
      <Panel title={`Last ${minutes} minutes`} id="headline">
        <dl className="stats" aria-live="off">
          <Stat
            label="Requests"
            value={formatCount(t.requests)}
            hint={`${formatNumber(t.requests / seconds)} per second`}
            definition={`Shop requests this server answered in the ${span}`}
          />
          <Stat
            label="Error rate"
            value={t.requests === 0 ? '–' : formatRate(t.errors / t.requests)}
            hint={`${formatCount(t.errors)} answers with 5xx`}
            definition={`5xx answers ÷ requests, ${span}`}
          />
          <Stat
            label="Latency p95"
            value={formatMs(window.p95)}
            hint={`p99 ${formatMs(window.p99)}`}
            definition={`95% of the ${formatCount(window.timed)} timed requests of the ${span} were faster`}
          />
          <Stat
            label="Carts created"
            value={formatCount(t.cartsCreated)}
            definition={`New carts in the ${span}`}
          />
          <Stat
            label="Checkouts"
            value={formatCount(t.checkouts)}
            hint={
              t.cartsCreated === 0
                ? undefined
                : `${formatRate(Math.min(1, t.checkouts / t.cartsCreated))} of carts created`
            }
            definition={`Orders placed in the ${span}`}
          />
          <Stat
            label="Rate-limited"
            value={formatCount(t.rateLimited)}
            definition={`Requests answered 429 in the ${span}`}
          />
        </dl>
      </Panel>
      <div className="charts">
        <TimeChart
          title="Requests per second"
          x={x}
          format={formatNumber}
          series={[
            {
              label: 'Requests/s',
              color: COLORS.requests,
              values: points.map((p) => p.requests / resolutionSeconds),
            },
          ]}
        />
        <TimeChart
          title="Error rate (5xx answers, %)"
          x={x}
          format={(v) => `${formatNumber(v)} %`}
          series={[
            {
              label: 'Error rate',
              color: COLORS.errors,
              sparse: true,
              values: points.map((p) => (p.requests === 0 ? null : (100 * p.errors) / p.requests)),
            },
          ]}
        />
        <TimeChart
          title="Latency (ms)"
          x={x}
          format={(v) => `${formatNumber(v)} ms`}
          series={[
            { label: 'p50', color: COLORS.p50, sparse: true, values: points.map((p) => p.p50) },
            { label: 'p95', color: COLORS.p95, sparse: true, values: points.map((p) => p.p95) },
            { label: 'p99', color: COLORS.p99, sparse: true, values: points.map((p) => p.p99) },
          ]}
        />
        <TimeChart
          title={`Carts created and checkouts (${perBucket})`}
          x={x}
          format={formatNumber}
          series={[
            {
              label: 'Carts created',
              color: COLORS.carts,
              values: points.map((p) => p.cartsCreated),
            },
            { label: 'Checkouts', color: COLORS.checkouts, values: points.map((p) => p.checkouts) },
          ]}
        />
      </div>
      <p className="footnote">
        Live from this server process, refreshed every {LIVE_INTERVAL_MS / 1000} s; the
        dashboard&apos;s own requests are not counted.
      </p>
    </>
  );
}

function FiringAlerts({ resource }: { resource: Resource<AlertsView> }) {
  return (
    <Panel
      title="Alerts firing"
      id="firing"
      actions={<Link to={pathOf({ view: 'alerts' })}>All rules and history</Link>}
    >
      <ResourceView resource={resource} what="the alerts" skeleton={{ rows: 1, label: 'alerts' }}>
        {(view) => <FiringList firing={view.rules.filter((r) => r.state === 'firing')} />}
      </ResourceView>
    </Panel>
  );
}

function FiringList({ firing }: { firing: AlertStatus[] }) {
  if (firing.length === 0) return <EmptyState ok>No alerts firing.</EmptyState>;
  return (
    <ul className="alert-list">
      {firing.map((a) => (
        <li key={a.rule} className={`alert alert-${a.severity}`}>
          <strong>{a.rule}</strong> <span className="badge badge-bad">{a.severity}</span>
          <span>{a.summary}</span>
          {a.since ? <span className="muted">since {formatTime(a.since)}</span> : null}
        </li>
      ))}
    </ul>
  );
}
