import { STOREFRONT_ROUTES } from '@cart/core';
import { createRouter, type RouteOf } from '../shared/router.ts';

/**
 * The storefront's views: one for each of its pages in @cart/core's STOREFRONT_ROUTES,
 * the paths the server answers with this page (packages/server/src/routes/web.ts), and
 * `not-found` for any other path.
 */
export type Route = RouteOf<typeof STOREFRONT_ROUTES>;

export const { parseRoute, pathOf, useRoute } = createRouter(STOREFRONT_ROUTES);
