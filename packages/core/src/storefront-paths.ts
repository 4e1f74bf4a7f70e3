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

/** Products per page of the storefront's grid (the API's pages are cursor-based). */
export const STOREFRONT_PAGE_SIZE = 12;

/**
 * What a storefront page fetches before its first render, as API paths: the regions (the
 * header's countries, every page) and the page's own product data. The server names them
 * in a `Link: rel=preload` header of the page (packages/server/src/routes/web.ts), so the
 * browser fetches them beside the page's script instead of after it. Each must be exactly
 * the request the page makes (the SDK's path and query), or the preload is fetched twice.
 * The cart is not among them: which one it is, the browser alone knows.
 */
export function storefrontPreloads(
  view: keyof typeof STOREFRONT_ROUTES,
  params: Readonly<Record<string, string>>,
): string[] {
  const paths = ['/api/regions'];
  if (view === 'home') paths.push(`/api/products?limit=${STOREFRONT_PAGE_SIZE}`);
  if (view === 'product' && params['productId'] !== undefined)
    paths.push(`/api/products/${encodeURIComponent(params['productId'])}`);
  return paths;
}
