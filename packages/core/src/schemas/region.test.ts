import { describe, expect, it } from 'vitest';
import { Address, Region, RegionInput, ShippingOption, ShippingOptionInput } from './region.ts';
import { COUNTRY_CODES, CountryCode } from './country.ts';

const region = (over: Partial<Region> = {}): Region => ({
  id: 'uk',
  name: 'United Kingdom',
  currency: 'GBP',
  countries: ['GB'],
  taxRateBps: 2000,
  taxInclusive: true,
  default: false,
  ...over,
});

const address = (over: Partial<Address> = {}): Address => ({
  name: 'Ada Lovelace',
  line1: '10 Downing Street',
  line2: '',
  city: 'London',
  postalCode: 'SW1A 2AA',
  province: '',
  country: 'GB',
  ...over,
});

describe('CountryCode', () => {
  it('takes the 249 assigned ISO 3166-1 alpha-2 codes, in capitals, and nothing else', () => {
    expect(COUNTRY_CODES).toHaveLength(249);
    expect(new Set(COUNTRY_CODES).size).toBe(249);
    for (const code of ['US', 'GB', 'DE', 'AX', 'ZW']) expect(CountryCode.parse(code)).toBe(code);
    for (const bad of ['gb', 'UK', 'EU', 'XK', 'USA', '', 'G'])
      expect(CountryCode.safeParse(bad).success, bad).toBe(false);
    expect(CountryCode.safeParse('UK').error?.issues[0]?.message).toBe(
      'must be an ISO 3166-1 alpha-2 country code in capitals, such as US or GB',
    );
  });
});

describe('Region', () => {
  it('accepts a region and its input without the id', () => {
    expect(Region.parse(region())).toEqual(region());
    const { id: _id, ...input } = region();
    expect(RegionInput.parse(input)).toEqual(input);
    expect(RegionInput.safeParse(region()).success).toBe(false);
  });

  it('refuses a country listed twice, a rate over 100% and a blank name', () => {
    const twice = Region.safeParse(region({ countries: ['GB', 'GB'] }));
    expect(twice.error?.issues[0]).toMatchObject({
      path: ['countries'],
      message: 'must not list a country twice',
    });
    expect(Region.safeParse(region({ taxRateBps: 10_000 })).success).toBe(true);
    expect(Region.safeParse(region({ taxRateBps: 10_001 })).success).toBe(false);
    expect(Region.safeParse(region({ taxRateBps: -1 })).success).toBe(false);
    expect(Region.safeParse(region({ name: '  ' })).error?.issues[0]?.message).toBe(
      'must not be empty',
    );
  });

  it('may list no country (a default region reached before a country is chosen)', () => {
    expect(Region.safeParse(region({ countries: [], default: true })).success).toBe(true);
  });
});

describe('ShippingOption', () => {
  const option: ShippingOption = {
    id: 'uk-express',
    regionId: 'uk',
    name: 'Express',
    amount: { amount: 995, currency: 'GBP' },
    freeOverSubtotal: null,
    taxable: true,
  };

  it('accepts an option and its input without the id', () => {
    expect(ShippingOption.parse(option)).toEqual(option);
    const { id: _id, ...input } = option;
    expect(ShippingOptionInput.parse(input)).toEqual(input);
  });

  it('bounds the amount and the free-over threshold like a unit price', () => {
    const big = ShippingOption.safeParse({
      ...option,
      amount: { amount: 1e10 + 1, currency: 'GBP' },
    });
    expect(big.error?.issues[0]?.path).toEqual(['amount', 'amount']);
    expect(ShippingOption.safeParse({ ...option, freeOverSubtotal: 0 }).success).toBe(true);
    expect(ShippingOption.safeParse({ ...option, freeOverSubtotal: -1 }).success).toBe(false);
    expect(ShippingOption.safeParse({ ...option, freeOverSubtotal: 1.5 }).success).toBe(false);
  });
});

describe('Address', () => {
  it('accepts an address, trimming and normalizing its text', () => {
    expect(Address.parse(address({ city: '  London ' }))).toEqual(address());
  });

  it('names each missing field with what to enter', () => {
    const blank = Address.safeParse(address({ name: ' ', line1: '', city: '' }));
    expect(blank.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['name', 'enter the name to ship to'],
      ['line1', 'enter the street and number'],
      ['city', 'enter the town or city'],
    ]);
  });

  it('checks the postal code of the countries it knows, with an example', () => {
    for (const [country, postalCode] of [
      ['GB', 'EC1A 1BB'],
      ['GB', 'm11ae'],
      ['US', '94103'],
      ['US', '94103-1234'],
      ['DE', '10115'],
      ['NL', '1012 AB'],
    ] as const)
      expect(Address.safeParse(address({ country, postalCode })).success, postalCode).toBe(true);
    const wrong = Address.safeParse(address({ country: 'US', postalCode: 'SW1A 2AA' }));
    expect(wrong.error?.issues).toMatchObject([
      { path: ['postalCode'], message: 'enter a postal code such as 94103 or 94103-1234' },
    ]);
    // A country without a known format takes any code, or none.
    expect(Address.safeParse(address({ country: 'HK', postalCode: '' })).success).toBe(true);
  });

  it('bounds every field and refuses a line break in one', () => {
    expect(Address.safeParse(address({ line1: 'x'.repeat(201) })).success).toBe(false);
    expect(Address.safeParse(address({ postalCode: '1'.repeat(21), country: 'HK' })).success).toBe(
      false,
    );
    expect(Address.parse(address({ line2: 'Flat 1\nFloor 2' })).line2).not.toContain('\n');
    expect(Address.safeParse({ ...address(), phone: '1' }).success).toBe(false);
  });
});
