import { Region, type CurrencyCode, type RegionInput } from '@cart/core';
import { useState } from 'react';
import { Link } from '../../shared/link.tsx';
import { navigate } from '../../shared/router.ts';
import { remove, saveJson, type FieldError } from '../api.ts';
import { basisPointsOf, percentOf } from '../amounts.ts';
import { DataTable } from '../components/data-table.tsx';
import {
  DeleteControl,
  Field,
  SaveForm,
  localRefusal,
  refusalOf,
  type Refusal,
} from '../components/form.tsx';
import { EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { flash, useFlash } from '../flash.ts';
import { pathOf } from '../routes.ts';
import { useResource } from '../use-resource.ts';
import { CURRENCIES, countriesOf, loadShipping } from './region-data.ts';
import { optionColumns } from './regions.tsx';

type Key = 'name' | 'currency' | 'countries' | 'taxRate' | 'taxInclusive' | 'default';

/** The form as typed: text where the operator types, the rest as the region holds it. */
interface Draft {
  name: string;
  currency: CurrencyCode;
  countries: string;
  taxRate: string;
  taxInclusive: boolean;
  default: boolean;
}

const BLANK: Draft = {
  name: '',
  currency: 'USD',
  countries: '',
  taxRate: '0',
  taxInclusive: false,
  default: false,
};

const draftOf = (region: Region): Draft => ({
  name: region.name,
  currency: region.currency,
  countries: region.countries.join(', '),
  taxRate: percentOf(region.taxRateBps),
  taxInclusive: region.taxInclusive,
  default: region.default,
});

/** A region's body with the countries as typed: the server says which code is no country. */
type RegionBody = Omit<RegionInput, 'countries'> & { countries: string[] };

/** The body for the server, or what cannot be read (the rest is the server's to judge). */
function inputOf(draft: Draft): { input: RegionBody } | { refusal: Refusal<Key> } {
  const rate = basisPointsOf(draft.taxRate);
  if (!rate.ok) return { refusal: localRefusal<Key>({ taxRate: rate.message }) };
  return {
    input: {
      name: draft.name,
      currency: draft.currency,
      countries: countriesOf(draft.countries),
      taxRateBps: rate.value,
      taxInclusive: draft.taxInclusive,
      default: draft.default,
    },
  };
}

/** The region's fields by the name the server gives them. */
const FIELDS = new Map<string, Key>([
  ['name', 'name'],
  ['currency', 'currency'],
  ['countries', 'countries'],
  ['taxRateBps', 'taxRate'],
  ['taxInclusive', 'taxInclusive'],
  ['default', 'default'],
]);

/** Each field error of a region's body, at its field (`/countries/2` names the code). */
function fieldOf(draft: Draft) {
  return ({ path, message }: FieldError): readonly [Key, string] | null => {
    const [, top = '', index] = path.split('/');
    const field = FIELDS.get(top);
    if (field === undefined) return null;
    const code =
      field === 'countries' && index !== undefined
        ? countriesOf(draft.countries)[Number(index)]
        : undefined;
    return [field, code ? `${code}: ${message}` : message];
  };
}

/**
 * A region's page: its form (a new one's at `/regions/new`), its shipping options, and
 * deleting it. The server refuses a country another region has (next to Countries), and
 * a change that would strand carts or options, or leave the shop without a default
 * region (next to Currency or Default, or the Delete button).
 */
export function RegionEditor({ regionId }: { regionId: string | null }) {
  const shipping = useResource('shipping', loadShipping);
  const notice = useFlash();
  const region = shipping.data?.regions.find((r) => r.id === regionId);
  const title = regionId === null ? 'New region' : (region?.name ?? 'Region');
  return (
    <>
      <div className="view-head">
        <h1>{title}</h1>
        <Link to={pathOf({ view: 'regions' })}>← All regions</Link>
      </div>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {regionId === null ? (
        <Panel title="Region" id="region-form">
          <RegionForm region={null} onSaved={() => undefined} />
        </Panel>
      ) : (
        <ResourceView
          resource={shipping}
          what="the region"
          skeleton={{ rows: 6, label: 'the region' }}
          keepData
        >
          {({ regions, options }) => {
            const found = regions.find((r) => r.id === regionId);
            if (!found)
              return (
                <EmptyState>
                  There is no region with that id: it may have been deleted.{' '}
                  <Link to={pathOf({ view: 'regions' })}>See the regions</Link>.
                </EmptyState>
              );
            const own = options.filter((o) => o.regionId === found.id);
            return (
              <>
                <Panel title="Region" id="region-form">
                  <RegionForm key={found.id} region={found} onSaved={shipping.reload} />
                </Panel>
                <Panel
                  title="Shipping options"
                  id="region-options"
                  actions={
                    <Link
                      to={pathOf({ view: 'shipping-option-new', regionId: found.id })}
                      className="button-link"
                    >
                      New shipping option
                    </Link>
                  }
                >
                  <DataTable
                    label={`Shipping options of ${found.name}`}
                    caption={`Shipping options of ${found.name}`}
                    columns={optionColumns()}
                    rows={own}
                    rowKey={(o) => o.id}
                    stacked
                    empty={<EmptyState>No shipping options in this region yet.</EmptyState>}
                  />
                </Panel>
                <Panel title="Delete region" id="region-delete">
                  <DeleteControl
                    what="region"
                    name={found.name}
                    hint="The default region, and a region with shipping options or open carts, cannot be deleted."
                    onDelete={async () => {
                      await remove(`/api/admin/regions/${encodeURIComponent(found.id)}`);
                      flash(`Deleted the region “${found.name}”.`);
                      navigate(pathOf({ view: 'regions' }));
                    }}
                  />
                </Panel>
              </>
            );
          }}
        </ResourceView>
      )}
    </>
  );
}

/** A region's fields; a new region goes to its page once created. */
function RegionForm({ region, onSaved }: { region: Region | null; onSaved: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => (region ? draftOf(region) : BLANK));
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal<Key> | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const edit = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setSaved(null);
  };

  const save = async () => {
    const read = inputOf(draft);
    if ('refusal' in read) {
      setRefusal(read.refusal);
      return;
    }
    setBusy(true);
    setRefusal(null);
    try {
      if (region === null) {
        const created = await saveJson('POST', '/api/admin/regions', read.input, Region);
        flash(`Created the region “${created.name}”.`);
        navigate(pathOf({ view: 'region', regionId: created.id }));
        return;
      }
      await saveJson(
        'PUT',
        `/api/admin/regions/${encodeURIComponent(region.id)}`,
        read.input,
        Region,
      );
      setSaved('Saved.');
      onSaved();
    } catch (error) {
      // A 409 names no field: a country taken is about Countries; a region in use is
      // about the default mark when this change takes it off, else about the currency.
      const losesDefault = region?.default === true && !draft.default;
      setRefusal(
        refusalOf<Key>(error, fieldOf(draft), (code) =>
          code === 'ALREADY_EXISTS'
            ? 'countries'
            : code === 'REGION_IN_USE'
              ? losesDefault
                ? 'default'
                : 'currency'
              : null,
        ),
      );
    } finally {
      setBusy(false);
    }
  };

  const errors = refusal?.fields ?? {};
  return (
    <SaveForm
      label="Region"
      submit={region === null ? 'Create region' : 'Save region'}
      busy={busy}
      refusal={refusal}
      saved={saved}
      onSubmit={() => void save()}
    >
      <Field label="Name" error={errors.name}>
        {(control) => (
          <input
            {...control}
            type="text"
            value={draft.name}
            maxLength={100}
            autoComplete="off"
            onChange={(e) => edit({ name: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Currency"
        hint="Every price, discount and shipping cost in the region is in it."
        error={errors.currency}
      >
        {(control) => (
          <select
            {...control}
            value={draft.currency}
            onChange={(e) => edit({ currency: e.target.value as CurrencyCode })}
          >
            {CURRENCIES.map((c) => (
              <option key={c.code} value={c.code}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label="Countries"
        hint="ISO codes separated by commas or spaces, such as FR, DE. A country belongs to one region; the default region may have none."
        error={errors.countries}
      >
        {(control) => (
          <input
            {...control}
            type="text"
            value={draft.countries}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            onChange={(e) => edit({ countries: e.target.value })}
          />
        )}
      </Field>
      <Field label="Tax rate (%)" hint="Such as 20 or 8.25; 0 for none." error={errors.taxRate}>
        {(control) => (
          <input
            {...control}
            type="text"
            inputMode="decimal"
            value={draft.taxRate}
            autoComplete="off"
            onChange={(e) => edit({ taxRate: e.target.value })}
          />
        )}
      </Field>
      <Field label="Prices include tax" check error={errors.taxInclusive}>
        {(control) => (
          <input
            {...control}
            type="checkbox"
            checked={draft.taxInclusive}
            onChange={(e) => edit({ taxInclusive: e.target.checked })}
          />
        )}
      </Field>
      <Field
        label="Default region"
        check
        hint="Where a cart starts before a country is chosen. Making this one the default takes the mark from the other."
        error={errors.default}
      >
        {(control) => (
          <input
            {...control}
            type="checkbox"
            checked={draft.default}
            onChange={(e) => edit({ default: e.target.checked })}
          />
        )}
      </Field>
    </SaveForm>
  );
}
