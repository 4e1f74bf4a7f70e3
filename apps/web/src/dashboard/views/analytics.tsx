import { Analytics, type AnalyticsWindow, type FunnelStep } from '@cart/core';
import { useState } from 'react';
import { getJson } from '../api.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { EmptyState, Panel, ResourceView, Stat } from '../components/status.tsx';
import { formatAmount, formatCount, formatRate, formatTime } from '../format.ts';
import { useResource } from '../use-resource.ts';

const WINDOWS: { value: AnalyticsWindow; label: string }[] = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];

const STEP_LABELS: Record<FunnelStep, string> = {
  cart_created: 'Cart created',
  line_added: 'Item added',
  checkout_started: 'Checkout started',
  checked_out: 'Checked out',
};

const PRODUCT_COLUMNS: Column<Analytics['topProducts'][number]>[] = [
  { header: 'Product', cell: (p) => p.name ?? <code className="id">{p.productId}</code> },
  { header: 'Units added', numeric: true, cell: (p) => formatCount(p.quantityAdded) },
  { header: 'Carts', numeric: true, cell: (p) => formatCount(p.carts) },
];

/** Usage analytics: the cart funnel, conversion and abandonment, order value, top products. */
export function AnalyticsView() {
  const [timeWindow, setTimeWindow] = useState<AnalyticsWindow>('24h');
  const analytics = useResource(`analytics:${timeWindow}`, (signal) =>
    getJson(`/api/admin/analytics?window=${timeWindow}`, Analytics, signal),
  );
  return (
    <>
      <div className="view-head">
        <h1>Analytics</h1>
        <fieldset className="segmented">
          <legend className="visually-hidden">Time window</legend>
          {WINDOWS.map((w) => (
            <label key={w.value} className={w.value === timeWindow ? 'selected' : undefined}>
              <input
                type="radio"
                name="analytics-window"
                value={w.value}
                checked={w.value === timeWindow}
                onChange={() => setTimeWindow(w.value)}
              />
              {w.label}
            </label>
          ))}
        </fieldset>
      </div>
      <ResourceView
        resource={analytics}
        what="the analytics"
        skeleton={{ rows: 6, label: 'analytics' }}
      >
        {(a) => (
          <>
            <Panel title="Funnel" id="funnel">
              <Funnel analytics={a} />
              <p className="footnote">
                Distinct carts reaching each step, {formatTime(a.from)} – {formatTime(a.to)}. No
                personal data is recorded.
              </p>
            </Panel>
            <Panel title="Outcomes" id="outcomes">
              <dl className="stats">
                <Stat
                  label="Conversion rate"
                  value={formatRate(a.conversionRate)}
                  hint="checked out ÷ created"
                />
                <Stat
                  label="Abandonment rate"
                  value={formatRate(a.abandonmentRate)}
                  hint={`${formatCount(a.abandonedCarts)} carts left with items`}
                />
                <Stat label="Orders" value={formatCount(a.orders)} />
                <Stat label="Revenue" value={formatAmount(a.revenue, a.currency)} />
                <Stat
                  label="Average order value"
                  value={
                    a.averageOrderValue === null
                      ? '–'
                      : formatAmount(a.averageOrderValue, a.currency)
                  }
                />
              </dl>
            </Panel>
            <Panel title="Top products" id="top-products">
              <DataTable
                label="Top products"
                caption="Products most added to carts in this window"
                columns={PRODUCT_COLUMNS}
                rows={a.topProducts}
                rowKey={(p) => p.productId}
                empty={<EmptyState>No product was added to a cart in this window.</EmptyState>}
              />
            </Panel>
          </>
        )}
      </ResourceView>
    </>
  );
}

function Funnel({ analytics }: { analytics: Analytics }) {
  const top = analytics.funnel[0]?.carts ?? 0;
  return (
    <ol className="funnel">
      {analytics.funnel.map((step) => {
        const share = top === 0 ? 0 : step.carts / top;
        return (
          <li key={step.step} className="funnel-step" data-step={step.step}>
            <span className="funnel-label">{STEP_LABELS[step.step]}</span>
            <span className="funnel-bar" aria-hidden="true">
              <span className="funnel-fill" style={{ width: `${Math.round(share * 100)}%` }} />
            </span>
            <span className="funnel-count">
              <strong>{formatCount(step.carts)}</strong>{' '}
              <span className="muted">{top === 0 ? '' : formatRate(share)}</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}
