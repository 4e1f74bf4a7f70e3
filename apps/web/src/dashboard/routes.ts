import { createRouter, type RouteOf } from '../shared/router.ts';

/** Where the dashboard lives; every view is a path under it (the server answers them all). */
const BASE = '/dashboard';

/** The dashboard's views, by their paths under BASE. */
const DASHBOARD_ROUTES = {
  overview: '/',
  errors: '/errors',
  error: '/errors/:fingerprint',
  audit: '/audit',
  'audit-record': '/audit/:seq',
  analytics: '/analytics',
  alerts: '/alerts',
  regions: '/regions',
  // Before `region`: the first pattern that fits a path is its view.
  'region-new': '/regions/new',
  region: '/regions/:regionId',
  'shipping-option-new': '/regions/:regionId/shipping-options/new',
  'shipping-option': '/shipping-options/:optionId',
} as const;

export type Route = RouteOf<typeof DASHBOARD_ROUTES>;

export const { parseRoute, pathOf, useRoute } = createRouter(DASHBOARD_ROUTES, { base: BASE });
