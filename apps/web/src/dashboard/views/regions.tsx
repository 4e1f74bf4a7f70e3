import type { Region, ShippingOption } from '@cart/core';
import { Link } from '../../shared/link.tsx';
import { DataTable, type Column } from '../components/data-table.tsx';
import { EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { useFlash } from '../flash.ts';
import { formatAmount, formatCount } from '../format.ts';
import { pathOf } from '../routes.ts';
import { useResource } from '../use-resource.ts';
import { loadShipping, taxRule } from './region-data.ts';

/** The regions, each with its countries, currency, tax rule and how many ways to ship. */
function regionColumns(options: readonly ShippingOption[]): Column<Region>[] {
  return [
    {
      header: 'Region',
      stackLabel: 'Region',
      cell: (r) => (
        <>
          <Link to={pathOf({ view: 'region', regionId: r.id })}>{r.name}</Link>
          {r.default ? (
            <>
              {' '}
              <span className="badge">default</span>
            </>
          ) : null}
        </>
      ),
    },
    { header: 'Currency', stackLabel: 'Currency', cell: (r) => r.currency },
    {
      header: 'Countries',
      stackLabel: 'Countries',
      cell: (r) =>
        r.countries.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <span className="codes">{r.countries.join(' ')}</span>
        ),
    },
    { header: 'Tax', stackLabel: 'Tax', cell: taxRule },
    {
      header: 'Shipping options',
      stackLabel: 'Shipping options',
      numeric: true,
      cell: (r) => formatCount(options.filter((o) => o.regionId === r.id).length),
    },
  ];
}

/** The columns of a list of shipping options; with `regions`, a column naming each one's. */
export function optionColumns(regions?: readonly Region[]): Column<ShippingOption>[] {
  const regionName = (id: string) => regions?.find((r) => r.id === id)?.name ?? id;
  return [
    {
      header: 'Shipping option',
      stackLabel: 'Option',
      cell: (o) => <Link to={pathOf({ view: 'shipping-option', optionId: o.id })}>{o.name}</Link>,
    },
    ...(regions
      ? [
          {
            header: 'Region',
            stackLabel: 'Region',
            cell: (o: ShippingOption) => regionName(o.regionId),
          },
        ]
      : []),
    {
      header: 'Cost',
      stackLabel: 'Cost',
      numeric: true,
      cell: (o) => formatAmount(o.amount.amount, o.amount.currency),
    },
    {
      header: 'Free over',
      stackLabel: 'Free over',
      numeric: true,
      cell: (o) =>
        o.freeOverSubtotal === null ? 'never' : formatAmount(o.freeOverSubtotal, o.amount.currency),
    },
    { header: 'Taxed', stackLabel: 'Taxed', cell: (o) => (o.taxable ? 'yes' : 'no') },
  ];
}

/** Where the shop sells (regions: countries, currency, tax) and how it ships there. */
export function Regions() {
  const shipping = useResource('shipping', loadShipping);
  const notice = useFlash();
  return (
    <>
      <div className="view-head">
        <h1>Regions and shipping</h1>
        <Link to={pathOf({ view: 'region-new' })} className="button-link">
          New region
        </Link>
      </div>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ResourceView
        resource={shipping}
        what="the regions"
        skeleton={{ rows: 4, label: 'the regions' }}
        keepData
      >
        {({ regions, options }) => (
          <>
            <Panel title="Regions" id="regions">
              <DataTable
                label="Regions"
                caption="Regions: their countries, currency, tax and shipping options"
                columns={regionColumns(options)}
                rows={regions}
                rowKey={(r) => r.id}
                stacked
                empty={<EmptyState>No regions yet.</EmptyState>}
              />
            </Panel>
            <Panel title="Shipping options" id="shipping-options">
              <DataTable
                label="Shipping options"
                caption="Shipping options of every region"
                columns={optionColumns(regions)}
                rows={options}
                rowKey={(o) => o.id}
                stacked
                empty={
                  <EmptyState>
                    No shipping options yet. Add one from its region&apos;s page.
                  </EmptyState>
                }
              />
            </Panel>
          </>
        )}
      </ResourceView>
    </>
  );
}
