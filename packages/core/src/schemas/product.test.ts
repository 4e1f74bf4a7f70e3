import { describe, it, expect } from 'vitest';
import { product } from '../../test/support/fixtures.ts';
import { MAX_UNIT_PRICE, Product, ProductInput, ProductPage, Sku } from './product.ts';

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

  it('Sku', () => {
    for (const ok of ['A', 'mug-01.blue_L', 'x'.repeat(64)])
      expect(Sku.safeParse(ok).success).toBe(true);
    for (const bad of ['', '.a', 'x'.repeat(65), 'a b', 'a/b'])
      expect(Sku.safeParse(bad).success).toBe(false);
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
