import {
  ShippingOption,
  type CurrencyCode,
  type Region,
  type ShippingOptionInput,
} from '@cart/core';
import { useState } from 'react';
import { Link } from '../../shared/link.tsx';
import { navigate } from '../../shared/router.ts';
import { remove, saveJson, type FieldError } from '../api.ts';
import { decimalOf, minorUnitsOf } from '../amounts.ts';
import {
  DeleteControl,
  Field,
  SaveForm,
  localRefusal,
  refusalOf,
  type Refusal,
} from '../components/form.tsx';
import { EmptyState, Panel, ResourceView } from '../components/status.tsx';
import { flash } from '../flash.ts';
import { pathOf } from '../routes.ts';
import { useResource } from '../use-resource.ts';
import { CURRENCIES, loadShipping } from './region-data.ts';

type Key = 'regionId' | 'name' | 'amount' | 'currency' | 'freeOver' | 'taxable';

interface Draft {
  regionId: string;
  name: string;
  amount: string;
  currency: CurrencyCode;
  freeOver: string;
  taxable: boolean;
}

const draftOf = (option: ShippingOption): Draft => ({
  regionId: option.regionId,
  name: option.name,
  amount: decimalOf(option.amount.amount, option.amount.currency),
  currency: option.amount.currency,
  freeOver:
    option.freeOverSubtotal === null
      ? ''
      : decimalOf(option.freeOverSubtotal, option.amount.currency),
  taxable: option.taxable,
});

const blankIn = (region: Region | undefined, regions: readonly Region[]): Draft => {
  const first = region ?? regions[0];
  return {
    regionId: first?.id ?? '',
    name: '',
    amount: '',
    currency: first?.currency ?? 'USD',
    freeOver: '',
    taxable: true,
  };
};

/** The body for the server, or what cannot be read as an amount. */
function inputOf(draft: Draft): { input: ShippingOptionInput } | { refusal: Refusal<Key> } {
  const amount = minorUnitsOf(draft.amount, draft.currency);
  const freeOver =
    draft.freeOver.trim() === '' ? null : minorUnitsOf(draft.freeOver, draft.currency);
  if (!amount.ok || (freeOver && !freeOver.ok))
    return {
      refusal: localRefusal<Key>({
        ...(amount.ok ? {} : { amount: amount.message }),
        ...(freeOver && !freeOver.ok ? { freeOver: freeOver.message } : {}),
      }),
    };
  return {
    input: {
      regionId: draft.regionId,
      name: draft.name,
      amount: { amount: amount.value, currency: draft.currency },
      freeOverSubtotal: freeOver ? freeOver.value : null,
      taxable: draft.taxable,
    },
  };
}

/** The option's fields by the name the server gives them; the amount's currency apart. */
const FIELDS = new Map<string, Key>([
  ['regionId', 'regionId'],
  ['name', 'name'],
  ['amount', 'amount'],
  ['freeOverSubtotal', 'freeOver'],
  ['taxable', 'taxable'],
]);

/** Each field error of an option's body, at its field: the amount's currency at Currency. */
function fieldOf({ path, message }: FieldError): readonly [Key, string] | null {
  if (path === '/amount/currency') return ['currency', message];
  const field = FIELDS.get(path.split('/')[1] ?? '');
  return field === undefined ? null : [field, message];
}

/**
 * A shipping option's page: its form (a new one's under its region), and deleting it.
 * The server refuses an amount that is not in the region's currency (next to Currency).
 */
export function ShippingOptionEditor({
  optionId,
  regionId,
}: {
  optionId: string | null;
  /** The region a new option is made in. */
  regionId: string | null;
}) {
  const shipping = useResource('shipping', loadShipping);
  const option = shipping.data?.options.find((o) => o.id === optionId);
  const homeId = option?.regionId ?? regionId;
  const home = shipping.data?.regions.find((r) => r.id === homeId);
  const title = optionId === null ? 'New shipping option' : (option?.name ?? 'Shipping option');
  return (
    <>
      <div className="view-head">
        <h1>{title}</h1>
        {home ? (
          <Link to={pathOf({ view: 'region', regionId: home.id })}>← {home.name}</Link>
        ) : (
          <Link to={pathOf({ view: 'regions' })}>← All regions</Link>
        )}
      </div>
      <ResourceView
        resource={shipping}
        what="the shipping option"
        skeleton={{ rows: 6, label: 'the shipping option' }}
        keepData
      >
        {({ regions, options }) => {
          if (optionId === null)
            return (
              <Panel title="Shipping option" id="option-form">
                <OptionForm
                  option={null}
                  regions={regions}
                  initial={blankIn(
                    regions.find((r) => r.id === regionId),
                    regions,
                  )}
                  onSaved={() => undefined}
                />
              </Panel>
            );
          const found = options.find((o) => o.id === optionId);
          if (!found)
            return (
              <EmptyState>
                There is no shipping option with that id: it may have been deleted.{' '}
                <Link to={pathOf({ view: 'regions' })}>See the regions</Link>.
              </EmptyState>
            );
          return (
            <>
              <Panel title="Shipping option" id="option-form">
                <OptionForm
                  key={found.id}
                  option={found}
                  regions={regions}
                  initial={draftOf(found)}
                  onSaved={shipping.reload}
                />
              </Panel>
              <Panel title="Delete shipping option" id="option-delete">
                <DeleteControl
                  what="shipping option"
                  name={found.name}
                  hint="Carts that chose it choose again at checkout."
                  onDelete={async () => {
                    await remove(`/api/admin/shipping-options/${encodeURIComponent(found.id)}`);
                    flash(`Deleted the shipping option “${found.name}”.`);
                    navigate(pathOf({ view: 'region', regionId: found.regionId }));
                  }}
                />
              </Panel>
            </>
          );
        }}
      </ResourceView>
    </>
  );
}

/** An option's fields; a new option goes to its region's page once created. */
function OptionForm({
  option,
  regions,
  initial,
  onSaved,
}: {
  option: ShippingOption | null;
  regions: readonly Region[];
  initial: Draft;
  onSaved: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(initial);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal<Key> | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const edit = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setSaved(null);
  };
  const region = regions.find((r) => r.id === draft.regionId);

  const save = async () => {
    const read = inputOf(draft);
    if ('refusal' in read) {
      setRefusal(read.refusal);
      return;
    }
    setBusy(true);
    setRefusal(null);
    try {
      if (option === null) {
        const created = await saveJson(
          'POST',
          '/api/admin/shipping-options',
          read.input,
          ShippingOption,
        );
        flash(`Created the shipping option “${created.name}”.`);
        navigate(pathOf({ view: 'region', regionId: created.regionId }));
        return;
      }
      await saveJson(
        'PUT',
        `/api/admin/shipping-options/${encodeURIComponent(option.id)}`,
        read.input,
        ShippingOption,
      );
      setSaved('Saved.');
      onSaved();
    } catch (error) {
      setRefusal(refusalOf<Key>(error, fieldOf));
    } finally {
      setBusy(false);
    }
  };

  const errors = refusal?.fields ?? {};
  return (
    <SaveForm
      label="Shipping option"
      submit={option === null ? 'Create shipping option' : 'Save shipping option'}
      busy={busy}
      refusal={refusal}
      saved={saved}
      onSubmit={() => void save()}
    >
      <Field label="Region" error={errors.regionId}>
        {(control) => (
          <select
            {...control}
            value={draft.regionId}
            onChange={(e) => {
              const next = regions.find((r) => r.id === e.target.value);
              // The amount follows the region's currency, as the server wants it.
              edit({ regionId: e.target.value, ...(next ? { currency: next.currency } : {}) });
            }}
          >
            {regions.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.currency})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label="Name"
        hint="As shoppers see it, such as Standard (3–5 days)."
        error={errors.name}
      >
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
      <div className="field-pair">
        <Field label="Cost" error={errors.amount}>
          {(control) => (
            <input
              {...control}
              type="text"
              inputMode="decimal"
              value={draft.amount}
              autoComplete="off"
              onChange={(e) => edit({ amount: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="Currency"
          hint={region ? `${region.name} is priced in ${region.currency}.` : undefined}
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
      </div>
      <Field
        label="Free over"
        hint="Free once the subtotal after discounts reaches this amount; empty: never free."
        error={errors.freeOver}
      >
        {(control) => (
          <input
            {...control}
            type="text"
            inputMode="decimal"
            value={draft.freeOver}
            autoComplete="off"
            onChange={(e) => edit({ freeOver: e.target.value })}
          />
        )}
      </Field>
      <Field label="Tax is due on the shipping cost" check error={errors.taxable}>
        {(control) => (
          <input
            {...control}
            type="checkbox"
            checked={draft.taxable}
            onChange={(e) => edit({ taxable: e.target.checked })}
          />
        )}
      </Field>
    </SaveForm>
  );
}
