import { useSyncExternalStore } from 'react';
import { priceIn, type CurrencyCode, type Money, type Product } from '@cart/core';
import { useCartStore } from '@cart/react';
import { formatMoney } from '../money.ts';

/**
 * The currency of the cart as shown, or null while it loads. Only a change of currency
 * re-renders the component that asks (the grid's prices), not every change to the cart.
 */
export function useShownCurrency(): CurrencyCode | null {
  const store = useCartStore();
  return useSyncExternalStore(store.subscribe, () => store.getSnapshot().cart?.currency ?? null);
}

/**
 * What one of the product costs in the cart's currency (from its `prices`: the shop
 * sets a price per currency, nothing is converted here), or undefined: not sold in it.
 * While the cart loads, the price in the default region's currency.
 */
export function useProductPrice(product: Pick<Product, 'price' | 'prices'>): Money | undefined {
  return priceFor(product, useShownCurrency());
}

/** A product's price as the grid and its page show it, in the cart's currency. */
export function ProductPrice({ product }: { product: Pick<Product, 'price' | 'prices'> }) {
  const currency = useShownCurrency();
  const price = priceFor(product, currency);
  return <>{price ? formatMoney(price) : `Not sold in ${currency ?? 'your currency'}`}</>;
}

function priceFor(
  product: Pick<Product, 'price' | 'prices'>,
  currency: CurrencyCode | null,
): Money | undefined {
  return currency === null ? product.price : priceIn(product, currency);
}
