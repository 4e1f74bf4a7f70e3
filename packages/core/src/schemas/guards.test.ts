import { describe, it, expect } from 'vitest';
// Classic on purpose: guardOf takes any zod schema, not only core's zod/mini ones.
// eslint-disable-next-line no-restricted-imports
import * as z from 'zod';
import {
  cart as cartState,
  exclusive,
  line,
  priceUnder,
  product,
} from '../../test/support/fixtures.ts';
import { guardOf, isCart, isCartAction, isMoney, isProblem, isProduct } from './guards.ts';

const cart = priceUnder(cartState({ lines: [line('l1', 2, 500)] }), exclusive(1000));

describe('guardOf', () => {
  it('agrees with its schema', () => {
    const isEven = guardOf(z.int().refine((n) => n % 2 === 0));
    expect(isEven(2)).toBe(true);
    expect(isEven(3)).toBe(false);
    expect(isEven('2')).toBe(false);
  });
});

describe('isMoney', () => {
  it('accepts integer minor units in a known currency', () => {
    expect(isMoney({ amount: 0, currency: 'USD' })).toBe(true);
    expect(isMoney({ amount: 1999, currency: 'JPY' })).toBe(true);
  });

  it.each([
    ['a float amount', { amount: 19.99, currency: 'USD' }],
    ['a negative amount', { amount: -1, currency: 'USD' }],
    ['an unsafe amount', { amount: 2 ** 53, currency: 'USD' }],
    ['a string amount', { amount: '1999', currency: 'USD' }],
    ['a lower-case currency', { amount: 1, currency: 'usd' }],
    ['an unknown currency', { amount: 1, currency: 'ABC' }],
    ['a numeric currency', { amount: 1, currency: 840 }],
    ['an unknown key', { amount: 1, currency: 'USD', precision: 2 }],
    ['a bare number', 1999],
    ['null', null],
  ])('rejects %s', (_what, value) => {
    expect(isMoney(value)).toBe(false);
  });
});

describe('isProduct', () => {
  it('accepts a catalog product', () => {
    expect(isProduct(product())).toBe(true);
    expect(
      isProduct(product({ stock: 0, maxPerOrder: 1, imageUrl: 'https://cdn.example/x.png' })),
    ).toBe(true);
  });

  it.each([
    ['a float price', { price: { amount: 9.99, currency: 'USD' } }],
    ['a negative price', { price: { amount: -100, currency: 'USD' } }],
    ['a price above the maximum', { price: { amount: 10_000_000_001, currency: 'USD' } }],
    ['a wrong currency code', { price: { amount: 100, currency: 'EURO' } }],
    ['a string stock', { stock: '5' }],
    ['a negative stock', { stock: -1 }],
    ['a zero maxPerOrder', { maxPerOrder: 0 }],
    ['a javascript: image URL', { imageUrl: 'javascript:alert(1)' }],
    ['an ftp image URL', { imageUrl: 'ftp://example.com/x.png' }],
    ['an empty name', { name: '   ' }],
    ['a bad sku', { sku: '-starts-with-dash' }],
    ['a bad id', { id: 'a/b' }],
  ])('rejects %s', (_what, overrides) => {
    expect(isProduct({ ...product(), ...overrides })).toBe(false);
  });

  it('rejects unknown keys', () => {
    expect(isProduct({ ...product(), cost: 1 })).toBe(false);
  });
});

describe('isCart', () => {
  it('accepts a computed cart', () => {
    expect(isCart(cart)).toBe(true);
    expect(isCart(priceUnder(cartState(), exclusive(0)))).toBe(true);
  });

  it.each([
    ['a stored cart without totals', cartState()],
    ['a float total', { ...cart, total: { amount: 10.5, currency: 'USD' } }],
    ['a negative subtotal', { ...cart, subtotal: { amount: -1, currency: 'USD' } }],
    ['a string version', { ...cart, version: '2' }],
    ['version 0', { ...cart, version: 0 }],
    ['an unknown status', { ...cart, status: 'open' }],
    ['an unknown currency', { ...cart, currency: 'usd' }],
    ['an unknown key', { ...cart, token: 'secret' }],
    ['a line with quantity 0', { ...cart, lines: [{ ...cart.lines[0], quantity: 0 }] }],
    ['a line with a string quantity', { ...cart, lines: [{ ...cart.lines[0], quantity: '2' }] }],
    ['a line with an unknown key', { ...cart, lines: [{ ...cart.lines[0], price: 5 }] }],
    ['a local timestamp', { ...cart, createdAt: '2026-11-28T10:00:00' }],
    ['no tax rate', { ...cart, taxRateBps: undefined }],
    ['a negative tax rate', { ...cart, taxRateBps: -1 }],
    ['a fractional tax rate', { ...cart, taxRateBps: 8.25 }],
    ['a malformed applied action id', { ...cart, appliedActionIds: ['has space'] }],
  ])('rejects %s', (_what, value) => {
    expect(isCart(value)).toBe(false);
  });

  it('accepts a cart answered before appliedActionIds existed (an old replay): it reads as []', () => {
    const { appliedActionIds: _ids, ...old } = cart;
    expect(isCart(old)).toBe(true);
  });
});

describe('isCartAction', () => {
  it('accepts actions', () => {
    expect(isCartAction({ type: 'addLine', productId: 'p1', quantity: 1 })).toBe(true);
    expect(isCartAction({ type: 'clear', actionId: 'x' })).toBe(true);
  });

  it.each([
    ['a price on an action', { type: 'addLine', productId: 'p1', quantity: 1, price: 1 }],
    ['a string quantity', { type: 'addLine', productId: 'p1', quantity: '2' }],
    ['a float quantity', { type: 'setLineQuantity', lineId: 'l1', quantity: 1.5 }],
    ['a negative quantity', { type: 'setLineQuantity', lineId: 'l1', quantity: -1 }],
    ['an unknown type', { type: 'setPrice', lineId: 'l1' }],
    ['no type', { lineId: 'l1' }],
  ])('rejects %s', (_what, value) => {
    expect(isCartAction(value)).toBe(false);
  });
});

describe('isProblem', () => {
  const problem = {
    type: '/docs/errors#out-of-stock',
    title: 'Out of stock',
    status: 409,
    detail: 'Only 2 left.',
    code: 'OUT_OF_STOCK',
  };

  it('accepts a problem document, with extension members', () => {
    expect(isProblem(problem)).toBe(true);
    expect(
      isProblem({
        ...problem,
        instance: '/api/carts/c1',
        requestId: 'r1',
        errors: [{ path: '/quantity', message: 'too many' }],
        cart,
      }),
    ).toBe(true);
    expect(isProblem({ ...problem, actionId: 'a-1' })).toBe(true);
  });

  it.each([
    ['an unknown code', { code: 'OOPS' }],
    ['a success status', { status: 200 }],
    ['a string status', { status: '409' }],
    ['a float status', { status: 409.5 }],
    ['a missing detail', { detail: undefined }],
    ['a malformed field error', { errors: [{ path: '/x' }] }],
    ['a field error with extra keys', { errors: [{ path: '/x', message: 'm', hint: 'h' }] }],
    ['a malformed actionId', { actionId: '' }],
  ])('rejects %s', (_what, overrides) => {
    expect(isProblem({ ...problem, ...overrides })).toBe(false);
  });
});
