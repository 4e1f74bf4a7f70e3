import { describe, it, expect } from 'vitest';
import { product } from '../../test/support/fixtures.ts';
import {
  MAX_UNIT_PRICE,
  priceIn,
  pricesOf,
  Product,
  ProductInput,
  ProductPage,
  Sku,
} from './product.ts';

describe('Product', () => {
  it('accepts a catalog product and trims its name', () => {
    expect(Product.parse(product({ name: '  Blue Mug ' }))).toEqual(product());
  });

  it('caps the unit price so that cart totals stay safe integers', () => {
    const at = (amount: number) => product({ price: { amount, currency: 'USD' } });
    expect(Product.safeParse(at(MAX_UNIT_PRICE)).success).toBe(true);
    const over = Product.safeParse(at(MAX_UNIT_PRICE + 1));
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.path).toEqual(['price', 'amount']);
    expect(over.error?.issues[0]?.message).toBe(`at most ${MAX_UNIT_PRICE} minor units`);
    expect(Product.safeParse(at(0)).success).toBe(true);
  });

  it('bounds the text fields', () => {
    expect(Product.safeParse(product({ name: 'x'.repeat(200) })).success).toBe(true);
    expect(Product.safeParse(product({ name: 'x'.repeat(201) })).success).toBe(false);
    expect(Product.safeParse(product({ description: 'x'.repeat(5000) })).success).toBe(true);
    expect(Product.safeParse(product({ description: 'x'.repeat(5001) })).success).toBe(false);
    expect(
      Product.safeParse(product({ imageUrl: `https://x.example/${'a'.repeat(2048)}` })).success,
    ).toBe(false);
  });

  it('needs a name once trimmed', () => {
    const blank = Product.safeParse(product({ name: '   ' }));
    expect(blank.error?.issues[0]).toMatchObject({ path: ['name'], message: 'must not be empty' });
  });

  it('takes an http or https image URL of printable ASCII only', () => {
    for (const imageUrl of ['https://x.example/mug.png', 'http://x.example/mug%C3%A9.png'])
      expect(Product.safeParse(product({ imageUrl })).success, imageUrl).toBe(true);
    for (const imageUrl of [
      'ftp://x.example/mug.png',
      'git+https://x.example/mug.png',
      'httpx://x.example/mug.png',
    ])
      expect(Product.safeParse(product({ imageUrl })).success, imageUrl).toBe(false);
    const unencoded = Product.safeParse(product({ imageUrl: 'https://x.example/mugé.png' }));
    expect(unencoded.error?.issues[0]?.message).toBe(
      'must be printable ASCII: percent-encode other characters',
    );
  });

  it('Sku', () => {
    for (const ok of ['A', 'mug-01.blue_L', 'x'.repeat(64)])
      expect(Sku.safeParse(ok).success).toBe(true);
    for (const bad of ['', '.a', 'x'.repeat(65), 'a b', 'a/b'])
      expect(Sku.safeParse(bad).success).toBe(false);
    expect(Sku.safeParse('a b').error?.issues[0]?.message).toBe(
      'must be 1–64 letters, digits, ".", "_" or "-"',
    );
  });
});

describe('ProductInput and ProductPage', () => {
  it('ProductInput is a product without id', () => {
    const { id: _id, ...input } = product();
    expect(ProductInput.parse(input)).toEqual(input);
    expect(ProductInput.safeParse(product()).success).toBe(false);
  });

  it('ProductPage lists products with a cursor or null', () => {
    expect(ProductPage.safeParse({ items: [product()], nextCursor: null }).success).toBe(true);
    expect(ProductPage.safeParse({ items: [], nextCursor: 'abc' }).success).toBe(true);
    expect(ProductPage.safeParse({ items: [], nextCursor: 'a b' }).success).toBe(false);
    expect(ProductPage.safeParse({ items: [] }).success).toBe(false);
  });
});

describe('prices in several currencies', () => {
  const usd = { amount: 1200, currency: 'USD' } as const;
  const gbp = { amount: 1000, currency: 'GBP' } as const;

  it('a product lists `price` among its prices, one per currency', () => {
    expect(Product.safeParse(product({ price: usd, prices: [usd, gbp] })).success).toBe(true);
    expect(Product.safeParse(product({ price: usd, prices: [gbp] })).error?.issues).toMatchObject([
      { path: ['prices'], message: '`prices` must include `price`' },
    ]);
    const twice = Product.safeParse(
      product({ price: usd, prices: [usd, gbp, { ...gbp, amount: 5 }] }),
    );
    expect(twice.error?.issues[0]).toMatchObject({
      path: ['prices'],
      message: 'must give one price per currency',
    });
    expect(
      Product.safeParse(product({ price: usd, prices: [{ ...usd, amount: 1 }] })).error?.issues,
    ).toContainEqual(
      expect.objectContaining({ message: 'the price in the currency of `price` must be `price`' }),
    );
  });

  it('input may leave prices and requiresShipping out; pricesOf puts `price` first', () => {
    const { id: _id, prices: _p, requiresShipping: _r, ...input } = product({ price: usd });
    const parsed = ProductInput.parse(input);
    expect([parsed.prices, parsed.requiresShipping]).toEqual([[], true]);
    expect(pricesOf(parsed)).toEqual([usd]);
    expect(pricesOf({ price: usd, prices: [gbp, usd] })).toEqual([usd, gbp]);
    expect(
      ProductInput.safeParse({ ...input, prices: [{ ...usd, amount: 1 }] }).error?.issues[0]?.path,
    ).toEqual(['prices']);
  });

  it('priceIn finds the price in a currency, or none', () => {
    const p = product({ price: usd, prices: [usd, gbp] });
    expect(priceIn(p, 'USD')).toBe(p.price);
    expect(priceIn(p, 'GBP')).toEqual(gbp);
    expect(priceIn(p, 'EUR')).toBeUndefined();
  });
});
