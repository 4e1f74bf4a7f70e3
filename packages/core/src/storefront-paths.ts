/**
 * The storefront's pages, each with its path in Fastify's `:param` form. The one list of
 * them: the server answers exactly these paths with the storefront's page
 * (packages/server/src/routes/web.ts), and the storefront's router shows the view of the
 * same name for them (apps/web/src/storefront/routes.ts), so a reload or a shared link
 * lands on the same view. A page added here is served and routed at once; the router's
 * types make the storefront say what it shows there.
 *
 * A parameter's name is the field of the route that carries it (`:productId` →
 * `route.productId`).
 */
export const STOREFRONT_ROUTES = {
  home: '/',
  product: '/products/:productId',
  cart: '/cart',
  checkout: '/checkout',
  order: '/orders/:orderId',
} as const;

/** The paths the server answers with the storefront's page, in Fastify's `:param` form. */
export const STOREFRONT_PATHS: readonly string[] = Object.values(STOREFRONT_ROUTES);
