/**
 * @cart/core — the pure cart domain shared by the server and the browser.
 * Schemas are the single source of types; the reducer and totals are the single source
 * of cart arithmetic; the error catalog is the single source of error codes.
 */
export * from './schemas/common.ts';
export * from './schemas/product.ts';
export * from './schemas/country.ts';
export * from './schemas/region.ts';
export * from './schemas/discount.ts';
export * from './schemas/cart.ts';
export * from './schemas/action.ts';
export * from './schemas/guards.ts';
export * from './schemas/monitoring.ts';
export * from './money/currency.ts';
export * from './money/money.ts';
export * from './money/allocate.ts';
export * from './totals/compute-totals.ts';
export * from './discounts/check-discount.ts';
export * from './discounts/best-deal.ts';
export * from './actions/context.ts';
export { apply, applyAll, checkCheckout, sameAttributes } from './actions/apply.ts';
export { regionOf } from './actions/line-pricing.ts';
export { appliedOption } from './actions/region-actions.ts';
export { mergeInto } from './actions/merge.ts';
export * from './actions/reprice.ts';
export * from './errors/catalog.ts';
export * from './errors/guide.ts';
export * from './errors/problem.ts';
export { sanitizeText, type SanitizeOptions } from './text/sanitize.ts';
export * from './storefront-paths.ts';
