import type { AuditRecord } from '@cart/core';

/**
 * The audit log's filters as the form and the URL hold them (strings, "" for none), and
 * the query of `GET /api/admin/audit` they make: `action` (exact), `cartId`, `actor`,
 * and `from`/`to` (the form's local date-times, sent as instants).
 */
export interface AuditFilters {
  action: string;
  cartId: string;
  actor: string;
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilters = { action: '', cartId: '', actor: '', from: '', to: '' };

const KEYS = Object.keys(NO_FILTERS) as (keyof AuditFilters)[];

/** The actions the server audits, offered as suggestions (any other can be typed). */
export const AUDIT_ACTIONS = [
  'cart.create',
  'cart.addLine',
  'cart.setLineQuantity',
  'cart.removeLine',
  'cart.applyDiscount',
  'cart.removeDiscount',
  'cart.update',
  'cart.batch',
  'cart.setShippingOption',
  'cart.merge',
  'cart.mergedInto',
  'cart.reprice',
  'cart.checkout',
  'cart.expire',
  'admin.product.create',
  'admin.product.update',
  'admin.product.delete',
  'admin.discount.create',
  'admin.discount.delete',
  'admin.region.create',
  'admin.region.update',
  'admin.region.delete',
] as const;

/** The filters of a location's query string (`?action=cart.checkout&cartId=…`). */
export function filtersFromSearch(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  return Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? ''])) as unknown as AuditFilters;
}

/** The filters as a location's query string ("" when none is set). */
export function searchOf(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const k of KEYS) if (filters[k].trim() !== '') params.set(k, filters[k].trim());
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** A local date-time of the form as an instant; as typed when it is not one (the server says why). */
function instant(local: string): string {
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
}

/** The API query the filters make, each part `&name=value` ("" when none is set). */
export function auditQuery(filters: AuditFilters): string {
  let q = '';
  for (const k of KEYS) {
    const value = filters[k].trim();
    if (value === '') continue;
    q += `&${k}=${encodeURIComponent(k === 'from' || k === 'to' ? instant(value) : value)}`;
  }
  return q;
}

/** A record's versions, before → after ("–" for a record of no cart version). */
export function versions(r: Pick<AuditRecord, 'beforeVersion' | 'afterVersion'>): string {
  return r.beforeVersion === null && r.afterVersion === null
    ? '–'
    : `${r.beforeVersion ?? '∅'} → ${r.afterVersion ?? '∅'}`;
}
