import { useSyncExternalStore } from 'react';
import type { CartStore } from '@cart/client';
import type { CountryCode, CurrencyCode, Region } from '@cart/core';

export interface RegionsState {
  status: 'loading' | 'ready' | 'error';
  items: readonly Region[];
}

/** A country the shop sells to, as the country pickers list it. */
export interface CountryChoice {
  code: CountryCode;
  /** Its English name ("United Kingdom"). */
  name: string;
  region: Region;
  currency: CurrencyCode;
}

/**
 * The shop's regions, read once for the page through the SDK (which keeps them, so a
 * change of country is shown at once, priced in the new currency). Read again when the
 * network comes back after a failed read: a page opened offline gets its countries late.
 */
export class Regions {
  private state: RegionsState = { status: 'loading', items: [] };
  private readonly listeners = new Set<() => void>();
  private loading: Promise<void> | null = null;

  constructor(private readonly store: CartStore) {
    if (typeof window !== 'undefined') {
      window.addEventListener('online', () => {
        if (this.state.status === 'error') void this.load();
      });
    }
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): RegionsState => this.state;

  /** Reads the regions (once at a time); resolves when they are in, or the read failed. */
  load(): Promise<void> {
    if (this.state.status === 'ready') return Promise.resolve();
    this.loading ??= this.store
      .loadRegions()
      .then(
        ({ items }) => this.set({ status: 'ready', items }),
        () => this.set({ status: 'error', items: this.state.items }),
      )
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private set(state: RegionsState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener();
  }
}

export function useRegions(regions: Regions): RegionsState {
  return useSyncExternalStore(regions.subscribe, regions.getSnapshot);
}

let displayNames: Intl.DisplayNames | null | undefined;

/** A country's English name ("GB" → "United Kingdom"), or its code where Intl lacks it. */
export function countryName(code: CountryCode): string {
  if (displayNames === undefined) {
    try {
      displayNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      displayNames = null;
    }
  }
  return displayNames?.of(code) ?? code;
}

/** Loads the country names' locale data now (see main.tsx), not in the first render. */
export function prepareCountryNames(): void {
  countryName('US');
}

/** Every country of the regions, by name: what the shopper can choose to ship to. */
export function countryChoices(regions: readonly Region[]): CountryChoice[] {
  return regions
    .flatMap((region) =>
      region.countries.map((code) => ({
        code,
        name: countryName(code),
        region,
        currency: region.currency,
      })),
    )
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

/**
 * The country a cart is shown as shipping to: the one chosen, else the only country of
 * its region (the default region of a shop that sells to one country), else none.
 */
export function shownCountry(
  cart: { country: CountryCode | null; regionId: string },
  regions: readonly Region[],
): CountryCode | null {
  if (cart.country !== null) return cart.country;
  const region = regions.find((r) => r.id === cart.regionId);
  return region?.countries.length === 1 ? (region.countries[0] ?? null) : null;
}
