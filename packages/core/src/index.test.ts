import { describe, it, expect } from 'vitest';
import * as core from './index.ts';

describe('@cart/core public API', () => {
  it('exports the reducer, totals, money, schemas, guards and error catalog by name', () => {
    for (const name of [
      'apply',
      'applyAll',
      'checkCheckout',
      'mergeInto',
      'reprice',
      'sameAttributes',
      'computeTotals',
      'isApplicable',
      'checkDiscountForCart',
      'checkDiscountUsable',
      'allocate',
      'add',
      'subtract',
      'multiply',
      'sum',
      'applyBasisPoints',
      'divideHalfEven',
      'formatMoney',
      'money',
      'zero',
      'MoneyOverflowError',
      'CurrencyMismatchError',
      'Money',
      'Product',
      'Discount',
      'Cart',
      'CartState',
      'CartAction',
      'ActionBatch',
      'Problem',
      'isMoney',
      'isProduct',
      'isCart',
      'isCartAction',
      'isProblem',
      'ERROR_CATALOG',
      'ERROR_CODES',
      'errorType',
      'errorStatus',
      'fail',
      'ok',
      'sanitizeText',
      'DEFAULT_LIMITS',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
  });

  it('does not leak internals', () => {
    for (const name of ['reduce', 'checkQuantity', 'refuseOverflow', 'product', 'deepFreeze']) {
      expect(core).not.toHaveProperty(name);
    }
  });
});
