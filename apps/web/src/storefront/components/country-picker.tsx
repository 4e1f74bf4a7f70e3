import { useMemo } from 'react';
import { useCart } from '@cart/react';
import { useRefusal } from '../refusals.ts';
import { countryChoices, countryName, shownCountry, useRegions } from '../regions.ts';
import { useServices } from '../services.tsx';
import { useCartChanges } from '../use-cart-changes.ts';
import { Problem } from './problem.tsx';

const PROBLEM_ID = 'country-problem';

/**
 * The header's country, "Ship to": the countries of the shop's regions, each with its
 * currency ("United Kingdom (GBP)"). Choosing one moves the cart to that country's region, so
 * every price on the page follows, at once (the SDK knows the regions and each
 * product's prices). A native select: the keyboard and screen readers know it already.
 */
export function CountryPicker() {
  const { regions, refusals } = useServices();
  const { status, items } = useRegions(regions);
  const cart = useCart();
  const changes = useCartChanges();
  const refused = useRefusal(refusals, 'country') !== null;
  const choices = useMemo(() => countryChoices(items), [items]);

  // A shop whose one region names no country (the settings' default): nothing to choose.
  if (status === 'ready' && choices.length === 0) return null;
  const current = cart ? shownCountry(cart, items) : null;
  // The regions not read yet (or not readable offline): the cart's country alone, until they are.
  const known = choices.length > 0;

  return (
    <div className="country-picker">
      <label htmlFor="country">Ship to</label>
      <select
        id="country"
        name="country"
        value={current ?? ''}
        disabled={!known}
        aria-describedby={refused ? PROBLEM_ID : undefined}
        aria-invalid={refused ? true : undefined}
        onChange={(event) => {
          const choice = choices.find((c) => c.code === event.target.value);
          if (choice) changes.setCountry(choice.code, choice.name, choice.currency);
        }}
      >
        {current === null ? (
          <option value="" disabled>
            {known ? 'Choose your country' : 'Loading countries…'}
          </option>
        ) : null}
        {known ? (
          choices.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name} ({c.currency})
            </option>
          ))
        ) : current !== null && cart ? (
          <option value={current}>
            {countryName(current)} ({cart.currency})
          </option>
        ) : null}
      </select>
    </div>
  );
}

/** A refused change of country (a line not sold there), explained under the header. */
export function CountryProblem() {
  const { refusals } = useServices();
  const refusal = useRefusal(refusals, 'country');
  if (!refusal) return null;
  return (
    <div className="header-problem">
      <Problem id={PROBLEM_ID} report={refusal} onDismiss={() => refusals.clear('country')} />
    </div>
  );
}
