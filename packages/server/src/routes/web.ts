import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { STOREFRONT_PATHS, STOREFRONT_ROUTES, storefrontPreloads } from '@cart/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problem.ts';
import { SERVER_ROOT } from '../paths.ts';

/** Where `npm run build` puts the web app (apps/web/dist). */
export const WEB_DIST = join(SERVER_ROOT, '..', '..', 'apps', 'web', 'dist');

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The storefront's paths: each answers its page. Listed in @cart/core, which its router reads too. */
export { STOREFRONT_PATHS };

/**
 * The web app built by Vite (apps/web/dist): `/dashboard` and every path under it answer
 * the dashboard's page (the app routes in the browser), the storefront's paths
 * (STOREFRONT_PATHS) the storefront's page, and `/assets/…` the hashed files
 * every page loads. Hashed files never change under their name, so they are cached for
 * a year as immutable; pages are `no-cache` (revalidated by ETag), so a new build shows
 * at the next load. Helmet's Content-Security-Policy applies to the pages: the build has
 * no inline script. Without a build the pages answer 503 saying how to make one.
 */
const webRoutes: FastifyPluginAsync<{ distDir?: string }> = async (app, options) => {
  const dist = options.distDir ?? WEB_DIST;

  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: '/assets/',
    index: false,
    immutable: true,
    maxAge: YEAR_MS,
    // The build writes `.br` and `.gz` copies next to each text file (vite.config.ts):
    // sent when the browser accepts them, never compressed per request.
    preCompressed: true,
    // A missing build is reported by the pages (503) rather than by a start-up warning.
    suppressWarning: true,
  });

  const page = (file: string) => (_request: unknown, reply: FastifyReply) => {
    if (!existsSync(join(dist, file)))
      throw new HttpProblem(
        'UNAVAILABLE',
        'The web app has not been built: run `npm run build` (`npm start` builds it first), then reload.',
      );
    return reply.header('cache-control', 'no-cache').sendFile(file, dist, { cacheControl: false });
  };

  const dashboard = page('dashboard/index.html');
  app.get('/dashboard', { schema: { hide: true } }, dashboard);
  app.get('/dashboard/*', { schema: { hide: true } }, dashboard);

  // The storefront's pages (the app routes in the browser, with the History API): only
  // these paths, so that a mistyped API or asset path is still a 404 problem. Each names
  // the API requests its first render waits for, to be fetched beside its script.
  const storefront = page('index.html');
  for (const [view, path] of Object.entries(STOREFRONT_ROUTES) as [
    keyof typeof STOREFRONT_ROUTES,
    string,
  ][])
    app.get(path, { schema: { hide: true } }, (request: FastifyRequest, reply: FastifyReply) => {
      const params = request.params as Record<string, string>;
      const links = storefrontPreloads(view, params).map(
        (url) => `<${url}>; rel=preload; as=fetch; crossorigin`,
      );
      void reply.header('link', links.join(', '));
      return storefront(request, reply);
    });
  // Its service worker (apps/web/public/sw.js), at the root so that it may serve every
  // storefront page offline; `no-cache`, so a new version is found at the next visit.
  app.get('/sw.js', { schema: { hide: true } }, page('sw.js'));
};

export default webRoutes;
