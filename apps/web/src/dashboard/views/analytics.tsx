import { Analytics, type AnalyticsWindow, type FunnelStep } from '@cart/core';
import { useState } from 'react';
import { getJson } from '../api.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { EmptyState, Panel, ResourceView, Stat } from '../components/status.tsx';
import { formatAmount, formatCount, formatDuration, formatRate, formatTime } from '../format.ts';
import { useResource } from '../use-resource.ts';
import '../honest.css';

const WINDOWS: { value: AnalyticsWindow; label: string; span: string }[] = [
  { value: '1h', label: 'Last hour', span: 'last hour' },
  { value: '24h', label: '24 hours', span: 'last 24 hours' },
  { value: '7d', label: '7 days', span: 'last 7 days' },
  { value: '30d', label: '30 days', span: 'last 30 days' },
];

/** The window in words, for the tiles' definitions ("last 24 hours"). */
const spanOf = (w: AnalyticsWindow) => WINDOWS.find((x) => x.value === w)?.span ?? w;

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

type LostDemand = Analytics['lostDemand'][number];

const LOST_COLUMNS: Column<LostDemand>[] = [
  {
    header: 'Product',
    stackLabel: 'Product',
    cell: (p) => p.name ?? <code className="id">{p.productId}</code>,
  },
  {
    header: 'Refusals',
    stackLabel: 'Refusals',
    numeric: true,
    cell: (p) => formatCount(p.refusals),
  },
  {
    header: 'Units asked',
    stackLabel: 'Units asked',
    numeric: true,
    cell: (p) => formatCount(p.units),
  },
  { header: 'Carts', stackLabel: 'Carts', numeric: true, cell: (p) => formatCount(p.carts) },
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
                Distinct carts reaching each step, {formatTime(a.from)} – {formatTime(a.to)}.
                &ldquo;Checkout started&rdquo; counts every cart that asked to check out, refused or
                not. No personal data is recorded.
              </p>
            </Panel>
            <Outcomes a={a} span={spanOf(a.window)} />
            <Checkouts a={a} span={spanOf(a.window)} />
            <LostDemandPanel a={a} span={spanOf(a.window)} />
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

function Outcomes({ a, span }: { a: Analytics; span: string }) {
  const idle = formatDuration(a.abandonAfterSeconds);
  return (
    <Panel title="Outcomes" id="outcomes">
      <dl className="stats">
        <Stat
          label="Conversion rate"
          value={formatRate(a.conversionRate)}
          hint="checked out ÷ created"
          definition={`Carts checked out ÷ carts created, ${span}`}
        />
        <Stat
          label="Abandonment rate"
          value={formatRate(a.abandonmentRate)}
          hint={`${formatCount(a.abandonedCarts)} carts left with items`}
          definition={`Carts left idle with items for ${idle} ÷ carts with an item added, ${span}. A cart counts only once idle ${idle}.`}
        />
        <Stat
          label="Orders"
          value={formatCount(a.orders)}
          definition={`Checkouts that succeeded, ${span}`}
        />
        <Stat
          label="Revenue"
          value={formatAmount(a.revenue, a.currency)}
          definition={`Sum of order totals, ${span}`}
        />
        <Stat
          label="Average order value"
          value={a.averageOrderValue === null ? '–' : formatAmount(a.averageOrderValue, a.currency)}
          definition={`Revenue ÷ orders, ${span}`}
        />
      </dl>
    </Panel>
  );
}

/** Checkouts asked, refused and placed: a refused checkout changes no cart, but counts here. */
function Checkouts({ a, span }: { a: Analytics; span: string }) {
  const { attempts, refused, succeeded, refusedByCode } = a.checkouts;
  return (
    <Panel title="Checkouts" id="checkouts">
      <dl className="stats">
        <Stat
          label="Checkout attempts"
          value={formatCount(attempts)}
          definition={`Checkouts asked, refused or placed, ${span}`}
        />
        <Stat
          label="Refused checkouts"
          value={formatCount(refused)}
          hint={attempts === 0 ? undefined : `${formatRate(refused / attempts)} of attempts`}
          definition={`Checkouts the server refused (nothing was ordered), ${span}`}
        />
        <Stat
          label="Succeeded checkouts"
          value={formatCount(succeeded)}
          definition={`Checkouts that placed an order, ${span}`}
        />
      </dl>
      {refusedByCode.length === 0 ? null : (
        <>
          <h3>Why checkouts were refused</h3>
          <ul className="refused-codes">
            {refusedByCode.map((r) => (
              <li key={r.code}>
                <code>{r.code}</code> {formatCount(r.count)}
              </li>
            ))}
          </ul>
        </>
      )}
    </Panel>
  );
}

/**
 * Lost demand: per product, adds and checkouts refused for stock (restock these) or for
 * a per-order or per-line limit (these limits turn buyers away), over the window.
 */
function LostDemandPanel({ a, span }: { a: Analytics; span: string }) {
  const stock = a.lostDemand.filter((p) => p.reason === 'stock');
  const limit = a.lostDemand.filter((p) => p.reason === 'limit');
  return (
    <Panel title="Lost demand" id="lost-demand">
      <p className="footnote">
        Adds and checkouts the server refused, per product, {span}: units asked and carts that
        asked.
      </p>
      <div className="lost-demand">
        <section aria-labelledby="lost-stock-title">
          <h3 id="lost-stock-title">Restock: refused for stock</h3>
          <DataTable
            label="Refused for stock"
            caption={`Products refused as out of stock, ${span}`}
            columns={LOST_COLUMNS}
            rows={stock}
            rowKey={(p) => p.productId}
            stacked
            empty={<EmptyState ok>No add or checkout was refused for stock.</EmptyState>}
          />
        </section>
        <section aria-labelledby="lost-limit-title">
          <h3 id="lost-limit-title">Limits turning buyers away</h3>
          <DataTable
            label="Refused for a limit"
            caption={`Products refused over a per-order or per-line limit, ${span}`}
            columns={LOST_COLUMNS}
            rows={limit}
            rowKey={(p) => p.productId}
            stacked
            empty={<EmptyState ok>No add was refused for a limit.</EmptyState>}
          />
        </section>
      </div>
    </Panel>
  );
}
