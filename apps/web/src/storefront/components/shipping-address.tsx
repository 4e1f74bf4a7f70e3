import { useEffect, useMemo, useRef, useState, type FocusEvent } from 'react';
import type { ShownCart } from '@cart/client';
import { Address, POSTAL_CODE_FORMATS, type CountryCode } from '@cart/core';
import { useRefusal } from '../refusals.ts';
import {
  countryChoices,
  countryName,
  shownCountry,
  useRegions,
  type CountryChoice,
} from '../regions.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { Problem, sentence } from './problem.tsx';

type Field = keyof Address;
type TextField = Exclude<Field, 'country'>;

/** What the shopper has typed: every field as text, the country not chosen yet as ''. */
type Draft = Record<TextField, string> & { country: CountryCode | '' };

/** The fields in the order of the form (the first invalid one gets focus). */
const FIELDS: readonly Field[] = [
  'name',
  'line1',
  'line2',
  'city',
  'postalCode',
  'province',
  'country',
];

const PROBLEM_ID = 'address-problem';
const fieldId = (field: Field) => `address-${field}`;
const errorId = (field: Field) => `address-${field}-error`;

function draftOf(address: Address | null, country: CountryCode | null): Draft {
  return (
    address ?? {
      name: '',
      line1: '',
      line2: '',
      city: '',
      postalCode: '',
      province: '',
      country: country ?? '',
    }
  );
}

/**
 * The draft checked by core's `Address` schema, the one the SDK and the server check it
 * by: the address as it would be saved, or the schema's message for each field it
 * refuses ("enter a postal code such as SW1A 1AA"), in sentences.
 */
function check(draft: Draft): { address: Address | null; errors: Partial<Record<Field, string>> } {
  const parsed = Address.safeParse(draft);
  if (parsed.success) return { address: parsed.data, errors: {} };
  const errors: Partial<Record<Field, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = FIELDS.find((f) => f === issue.path[0]);
    if (field && !errors[field]) errors[field] = sentence(issue.message);
  }
  // The schema's words for a missing country are for developers.
  if (draft.country === '') errors.country = 'Choose the country to ship to.';
  return { address: null, errors };
}

const sameAddress = (a: Address | null, b: Address | null) =>
  a === b || (a !== null && b !== null && FIELDS.every((f) => a[f] === b[f]));

/** The shipping address form's state, shared with checkout's "Place order". */
export interface AddressForm {
  draft: Draft;
  /** The messages on show: a field's once the shopper changed and left it, every one after `validate`. */
  errors: Partial<Record<Field, string>>;
  change: (field: TextField, value: string) => void;
  chooseCountry: (country: CountryCode) => void;
  leave: (field: Field) => void;
  /**
   * Shows every message: the address when it is valid, else null and the id of the
   * first field to fix (for focus).
   */
  validate: () =>
    { address: Address; firstInvalid: null } | { address: null; firstInvalid: string };
  /** Saves the address to the cart (setShippingAddress) unless the cart has it already. */
  save: (address: Address) => void;
}

/**
 * The shipping address being entered, kept while the shopper types and saved to the cart
 * when it is valid and they leave the form (or place the order). A change made in
 * another tab, or the country chosen in the header, shows here unless the shopper is in
 * the middle of the form.
 */
export function useAddressForm(cart: ShownCart): AddressForm {
  const { regions, refusals } = useServices();
  const { items } = useRegions(regions);
  const changes = useCartChanges();
  const country = shownCountry(cart, items);
  const refused = useRefusal(refusals, 'address', 'country');
  const [draft, setDraft] = useState(() => draftOf(cart.shippingAddress, country));
  const [touched, setTouched] = useState<ReadonlySet<Field>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const dirty = useRef(new Set<Field>());
  // The last address queued from here: the cart shows it only once the SDK can price the
  // move it may make, and the same address is not queued twice meanwhile.
  const queued = useRef<Address | null>(null);

  // By content: every answer from the shop is a new object, and a draft the shopper left
  // unfinished must not be replaced by the saved address each time one arrives.
  const saved = cart.shippingAddress;
  const savedKey = saved && JSON.stringify(saved);
  useEffect(() => {
    const editing = document.activeElement?.closest('[data-address-form]');
    if (saved && !editing) setDraft(saved);
  }, [savedKey]);
  // Once the cart's address changed (applied, or cleared by a move) or a change of it was
  // refused, what was queued is settled: the same address may be saved again.
  useEffect(() => {
    queued.current = null;
  }, [savedKey, refused]);
  // The cart's country is the address's: a move made elsewhere (the header) shows here,
  // and a move the shop refused puts the cart's country back.
  useEffect(() => {
    if (country !== null) setDraft((d) => (d.country === country ? d : { ...d, country }));
  }, [country, refused]);

  const all = check(draft);
  const errors: Partial<Record<Field, string>> = {};
  for (const field of FIELDS) {
    const message = all.errors[field];
    if (message && (showAll || touched.has(field))) errors[field] = message;
  }

  const save = (address: Address) => {
    if (sameAddress(address, cart.shippingAddress) || sameAddress(address, queued.current)) return;
    queued.current = address;
    changes.setShippingAddress(address);
  };

  return {
    draft,
    errors,
    change: (field, value) => {
      dirty.current.add(field);
      setDraft((d) => ({ ...d, [field]: value }));
    },
    chooseCountry: (code) => {
      dirty.current.add('country');
      setDraft((d) => ({ ...d, country: code }));
    },
    leave: (field) => {
      if (dirty.current.has(field) && !touched.has(field)) setTouched(new Set([...touched, field]));
    },
    validate: () => {
      setShowAll(true);
      if (all.address) return { address: all.address, firstInvalid: null };
      return { address: null, firstInvalid: fieldId(FIELDS.find((f) => all.errors[f]) ?? 'name') };
    },
    save,
  };
}

/**
 * "Shipping address": a labelled field for each part of core's `Address`, each with the
 * schema's message next to it when it is refused (the field marked `aria-invalid` and
 * described by the message), autocomplete tokens for the browser's saved addresses, and
 * the countries the shop ships to. Choosing a country moves the cart there at once, so
 * its prices, tax and shipping methods follow; the whole address is saved once it is
 * valid and the shopper leaves the form.
 */
export function ShippingAddress({ cart, form }: { cart: ShownCart; form: AddressForm }) {
  const { regions, refusals } = useServices();
  const { items } = useRegions(regions);
  const changes = useCartChanges();
  const refusal = useRefusal(refusals, 'address');
  const choices = useMemo(() => countryChoices(items), [items]);
  const { draft, errors } = form;
  const format = draft.country === '' ? undefined : POSTAL_CODE_FORMATS[draft.country];

  // A refusal from the shop names the field it is about (`/address/country`).
  const refusedFields = new Set(
    (refusal?.errors ?? []).flatMap((e) => FIELDS.filter((f) => e.path.endsWith(`/${f}`))),
  );

  const saveIfValid = () => {
    const checked = check(draft);
    if (checked.address) form.save(checked.address);
  };

  const onBlur = (event: FocusEvent<HTMLElement>) => {
    // Saved once focus leaves the form, not at each field: one change for one address.
    const next = event.relatedTarget;
    if (next instanceof Node && event.currentTarget.contains(next)) return;
    saveIfValid();
  };

  const chooseCountry = (code: string) => {
    const choice: CountryChoice | undefined = choices.find((c) => c.code === code);
    if (!choice) return;
    form.chooseCountry(choice.code);
    // The rest of the address complete: saved, which moves the cart; else the move alone.
    const checked = check({ ...draft, country: choice.code });
    if (checked.address) form.save(checked.address);
    else if (choice.code !== cart.country)
      changes.setCountry(choice.code, choice.name, choice.currency);
  };

  const field = (name: TextField, label: string, autoComplete: string) => {
    const message = errors[name];
    const refused = refusedFields.has(name);
    const hint = name === 'postalCode' && format ? `For example ${format.example}.` : null;
    const describedBy = [
      message ? errorId(name) : null,
      refused ? PROBLEM_ID : null,
      hint ? `${fieldId(name)}-hint` : null,
    ].filter((id) => id !== null);
    const optional = name === 'line2' || name === 'province' || (name === 'postalCode' && !format);
    return (
      <div className="field">
        <label htmlFor={fieldId(name)}>
          {label}
          {optional ? ' (optional)' : ''}
        </label>
        <input
          id={fieldId(name)}
          name={name}
          autoComplete={`shipping ${autoComplete}`}
          required={!optional}
          maxLength={
            name === 'city' || name === 'province' ? 100 : name === 'postalCode' ? 20 : 200
          }
          value={draft[name]}
          onChange={(e) => form.change(name, e.target.value)}
          onBlur={() => form.leave(name)}
          aria-invalid={message || refused ? true : undefined}
          aria-describedby={describedBy.length ? describedBy.join(' ') : undefined}
          {...(name === 'postalCode' ? { autoCapitalize: 'characters', spellCheck: false } : {})}
        />
        {hint ? (
          <p className="hint" id={`${fieldId(name)}-hint`}>
            {hint}
          </p>
        ) : null}
        {message ? (
          <p className="field-error" id={errorId(name)}>
            {message}
          </p>
        ) : null}
      </div>
    );
  };

  const countryMessage = errors.country;
  const countryRefused = refusedFields.has('country');
  const countryDescribedBy = [
    countryMessage ? errorId('country') : null,
    countryRefused ? PROBLEM_ID : null,
    `${fieldId('country')}-hint`,
  ].filter((id) => id !== null);

  return (
    <section className="panel" aria-labelledby="address-heading">
      <h2 id="address-heading" className="section-title">
        Shipping address
      </h2>
      <div className="address-fields" data-address-form onBlur={onBlur}>
        {field('name', 'Full name', 'name')}
        {field('line1', 'Address line 1', 'address-line1')}
        {field('line2', 'Address line 2', 'address-line2')}
        <div className="field-pair">
          {field('city', 'Town or city', 'address-level2')}
          {field('postalCode', 'Postal code', 'postal-code')}
        </div>
        {field('province', 'State, county or province', 'address-level1')}
        <div className="field">
          <label htmlFor={fieldId('country')}>Country</label>
          <select
            id={fieldId('country')}
            name="country"
            autoComplete="shipping country"
            required
            value={draft.country}
            onChange={(e) => chooseCountry(e.target.value)}
            aria-invalid={countryMessage || countryRefused ? true : undefined}
            aria-describedby={countryDescribedBy.join(' ')}
          >
            {draft.country === '' ? (
              <option value="" disabled>
                Choose a country
              </option>
            ) : null}
            {choices.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
            {/* The regions not read yet (offline): the cart's country, until they are. */}
            {draft.country !== '' && !choices.some((c) => c.code === draft.country) ? (
              <option value={draft.country}>{countryName(draft.country)}</option>
            ) : null}
          </select>
          <p className="hint" id={`${fieldId('country')}-hint`}>
            Prices, tax and shipping methods follow the country.
          </p>
          {countryMessage ? (
            <p className="field-error" id={errorId('country')}>
              {countryMessage}
            </p>
          ) : null}
        </div>
      </div>
      {refusal ? (
        <Problem id={PROBLEM_ID} report={refusal} onDismiss={() => refusals.clear('address')} />
      ) : null}
    </section>
  );
}
