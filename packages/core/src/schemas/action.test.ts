import { describe, it, expect } from 'vitest';
import {
  ActionBatch,
  AddLineBody,
  ApplyDiscountBody,
  CartAction,
  DEFAULT_MAX_BATCH,
  MAX_REQUEST_QUANTITY,
  MergeBody,
  SetLineQuantityBody,
  UpdateCartBody,
} from './action.ts';

const valid = {
  addLine: { type: 'addLine', productId: 'p1', quantity: 2, attributes: { size: 'M' } },
  setLineQuantity: { type: 'setLineQuantity', lineId: 'l1', quantity: 0 },
  removeLine: { type: 'removeLine', lineId: 'l1' },
  applyDiscount: { type: 'applyDiscount', code: 'SAVE10' },
  removeDiscount: { type: 'removeDiscount', code: 'SAVE10' },
  setNote: { type: 'setNote', note: 'Leave at the door' },
  setEmail: { type: 'setEmail', email: 'a@b.co' },
  clear: { type: 'clear' },
} as const;

describe('CartAction', () => {
  it.each(Object.entries(valid))('accepts %s, with or without an actionId', (_type, action) => {
    expect(CartAction.parse(action)).toEqual(action);
    const withId = { ...action, actionId: 'client-1' };
    expect(CartAction.parse(withId)).toEqual(withId);
  });

  it.each(Object.entries(valid))('%s refuses unknown keys such as a price', (_type, action) => {
    expect(CartAction.safeParse({ ...action, price: 1 }).success).toBe(false);
    expect(
      CartAction.safeParse({ ...action, unitPrice: { amount: 1, currency: 'USD' } }).success,
    ).toBe(false);
  });

  it('refuses unknown types and missing fields', () => {
    for (const bad of [
      { type: 'setPrice', lineId: 'l1', price: 1 },
      { type: 'addLine', productId: 'p1' },
      { type: 'setLineQuantity', lineId: 'l1' },
      { productId: 'p1', quantity: 1 },
      null,
      'clear',
    ]) {
      expect(CartAction.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('does not coerce: "2" is not a quantity', () => {
    expect(CartAction.safeParse({ ...valid.addLine, quantity: '2' }).success).toBe(false);
    expect(CartAction.safeParse({ ...valid.setLineQuantity, quantity: '0' }).success).toBe(false);
    expect(CartAction.safeParse({ ...valid.addLine, productId: 1 }).success).toBe(false);
    expect(CartAction.safeParse({ ...valid.setEmail, email: 1 }).success).toBe(false);
    expect(CartAction.safeParse({ ...valid.addLine, attributes: { size: 1 } }).success).toBe(false);
  });

  it('takes whole quantities in range', () => {
    const add = (quantity: unknown) => CartAction.safeParse({ ...valid.addLine, quantity }).success;
    expect(add(1)).toBe(true);
    expect(add(MAX_REQUEST_QUANTITY)).toBe(true);
    for (const bad of [
      0,
      -1,
      1.5,
      MAX_REQUEST_QUANTITY + 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(add(bad), String(bad)).toBe(false);
    }
    const set = (quantity: unknown) =>
      CartAction.safeParse({ ...valid.setLineQuantity, quantity }).success;
    expect(set(0)).toBe(true);
    expect(set(-1)).toBe(false);
    expect(set(2.5)).toBe(false);
  });

  it('canonicalizes codes (trimmed, upper case)', () => {
    expect(CartAction.parse({ type: 'applyDiscount', code: ' save10 ' })).toEqual(
      valid.applyDiscount,
    );
    expect(CartAction.parse({ type: 'removeDiscount', code: 'Save10' })).toEqual(
      valid.removeDiscount,
    );
    for (const bad of ['', 'SAVE 10', 'x'.repeat(65), 'ÉTÉ']) {
      expect(CartAction.safeParse({ type: 'applyDiscount', code: bad }).success).toBe(false);
    }
  });

  it('sanitizes the note and the email; null clears the email', () => {
    expect(CartAction.parse({ type: 'setNote', note: 'a\u202E\r\nb' })).toEqual({
      type: 'setNote',
      note: 'a\nb',
    });
    expect(CartAction.parse({ type: 'setEmail', email: ' a@b.co ' })).toEqual(valid.setEmail);
    expect(CartAction.parse({ type: 'setEmail', email: null })).toEqual({
      type: 'setEmail',
      email: null,
    });
    expect(CartAction.safeParse({ type: 'setEmail' }).success).toBe(false);
    expect(CartAction.safeParse({ type: 'setEmail', email: 'nope' }).success).toBe(false);
  });

  it('refuses a bad actionId', () => {
    expect(CartAction.safeParse({ ...valid.clear, actionId: '' }).success).toBe(false);
    expect(CartAction.safeParse({ ...valid.clear, actionId: 'has space' }).success).toBe(false);
    expect(CartAction.safeParse({ ...valid.clear, actionId: 1 }).success).toBe(false);
  });
});

describe('request bodies', () => {
  it('ActionBatch holds 1 to 1000 actions', () => {
    expect(DEFAULT_MAX_BATCH).toBe(100);
    expect(ActionBatch.safeParse({ actions: [valid.clear] }).success).toBe(true);
    expect(ActionBatch.safeParse({ actions: [] }).success).toBe(false);
    expect(ActionBatch.safeParse({ actions: Array(1000).fill(valid.clear) }).success).toBe(true);
    const over = ActionBatch.safeParse({ actions: Array(1001).fill(valid.clear) });
    expect(over.error?.issues[0]?.message).toBe('at most 1000 actions');
    expect(ActionBatch.safeParse({ actions: [valid.clear], extra: 1 }).success).toBe(false);
    const bad = ActionBatch.safeParse({
      actions: [valid.clear, { ...valid.addLine, quantity: '2' }],
    });
    expect(bad.error?.issues[0]?.path).toEqual(['actions', 1, 'quantity']);
  });

  it('AddLineBody is addLine without type or actionId', () => {
    expect(AddLineBody.parse({ productId: 'p1', quantity: 1 })).toEqual({
      productId: 'p1',
      quantity: 1,
    });
    expect(AddLineBody.safeParse({ productId: 'p1', quantity: 1, type: 'addLine' }).success).toBe(
      false,
    );
    expect(AddLineBody.safeParse({ productId: 'p1', quantity: 1, actionId: 'a' }).success).toBe(
      false,
    );
    expect(AddLineBody.safeParse({ productId: 'p1', quantity: 1, price: 5 }).success).toBe(false);
  });

  it('SetLineQuantityBody, ApplyDiscountBody', () => {
    expect(SetLineQuantityBody.parse({ quantity: 0 })).toEqual({ quantity: 0 });
    expect(SetLineQuantityBody.safeParse({ quantity: '3' }).success).toBe(false);
    expect(ApplyDiscountBody.parse({ code: 'save10' })).toEqual({ code: 'SAVE10' });
    expect(ApplyDiscountBody.safeParse({ code: 'save10', percent: 100 }).success).toBe(false);
  });

  it('UpdateCartBody needs at least one of note, email, country and shippingAddress', () => {
    expect(UpdateCartBody.parse({ country: 'GB' })).toEqual({ country: 'GB' });
    expect(UpdateCartBody.parse({ shippingAddress: null })).toEqual({ shippingAddress: null });
    expect(UpdateCartBody.parse({ note: 'hi' })).toEqual({ note: 'hi' });
    expect(UpdateCartBody.parse({ email: null })).toEqual({ email: null });
    expect(UpdateCartBody.parse({ note: '', email: 'a@b.co' })).toEqual({
      note: '',
      email: 'a@b.co',
    });
    expect(UpdateCartBody.safeParse({}).error?.issues[0]?.message).toBe(
      'give at least one of note, email, country and shippingAddress',
    );
    expect(UpdateCartBody.safeParse({ status: 'checked_out' }).success).toBe(false);
    expect(UpdateCartBody.safeParse({ note: 'x'.repeat(1001) }).success).toBe(false);
  });

  it('MergeBody', () => {
    expect(MergeBody.safeParse({ sourceCartId: 'c1', sourceToken: 't' }).success).toBe(true);
    expect(MergeBody.safeParse({ sourceCartId: 'c1', sourceToken: '' }).success).toBe(false);
    expect(MergeBody.safeParse({ sourceCartId: 'c1', sourceToken: 'x'.repeat(129) }).success).toBe(
      false,
    );
    expect(MergeBody.safeParse({ sourceCartId: 'c 1', sourceToken: 't' }).success).toBe(false);
  });
});
