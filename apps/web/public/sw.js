/* global self, caches, fetch, URL, Response */
/**
 * The storefront's service worker: it makes the page itself open without a network, so
 * a shopper who reloads on a train still gets the shop, their cart and the changes the
 * SDK queued in IndexedDB (the cart itself is never cached here: it lives in the SDK).
 *
 * - Storefront pages: network first; offline, the last page the network gave (every
 *   storefront path answers the same page, stored under `/`).
 * - `/assets/…`: hashed build files, so cache first. A new build is detected from the
 *   page: its files, and the views' chunks its scripts name, are fetched into a new
 *   cache and the old cache is dropped.
 * - `GET /api/products…` and `GET /api/regions`: network first, the last answer offline
 *   (the catalogue to browse and the countries to ship to; a change made from them is
 *   checked by the server when it is sent).
 * - Everything else (carts, checkout, live events, the dashboard, the docs) is not
 *   touched: it goes to the network as if there were no worker.
 */
const PREFIX = 'storefront-';
const PAGE = '/';
const STOREFRONT_PATH = /^\/(?:|cart|checkout|(?:products|orders)\/[^/]+)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(PAGE, { cache: 'no-cache' })
      .then((page) => (page.ok ? adoptBuild(page) : undefined))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && STOREFRONT_PATH.test(url.pathname)) {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(asset(request));
  } else if (/^\/api\/(?:products(?:\/[^/]+)?|regions)$/.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});

/** The page from the network (a new build is adopted meanwhile); offline, the cached one. */
async function page(event) {
  try {
    const response = await fetch(event.request);
    if (response.ok) event.waitUntil(adoptBuild(response.clone()));
    return response;
  } catch (error) {
    const cached = await caches.match(PAGE);
    if (cached) return cached;
    throw error;
  }
}

async function asset(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await currentCache();
    if (cache) await cache.put(request, response.clone());
  }
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await currentCache();
      if (cache) await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw error;
  }
}

/**
 * Keeps the page and the files it names in a cache named after those files: the same
 * build changes nothing; a new one gets a new cache, filled before the old one goes.
 */
async function adoptBuild(response) {
  const html = await response.text();
  const files = [...new Set(html.match(/\/assets\/[\w.-]+\.(?:js|css)/g) ?? [])].sort();
  const name = PREFIX + hash(files.join('|'));
  const cache = await caches.open(name);
  await cache.put(
    PAGE,
    new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
  );
  const missing = [];
  for (const file of files) if (!(await cache.match(file))) missing.push(file);
  await cache.addAll(missing);
  // The views the page loads later (storefront/lazy-views.tsx), named in its scripts, so
  // that a page opened offline can still go to the cart or checkout. Best effort: a name
  // that is not a file is skipped.
  for (const file of await chunksNamedIn(cache, files))
    if (!(await cache.match(file))) await cache.add(file).catch(() => undefined);
  for (const key of await caches.keys()) {
    if (key.startsWith(PREFIX) && key !== name) {
      // The catalogue answers are kept across builds.
      const old = await caches.open(key);
      for (const req of await old.keys()) {
        if (new URL(req.url).pathname.startsWith('/api/'))
          await cache.put(req, await old.match(req));
      }
      await caches.delete(key);
    }
  }
}

/** The build files the scripts among `files` import (`./name.js`) or preload (`assets/name.js`). */
async function chunksNamedIn(cache, files) {
  const found = new Set();
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const script = await cache.match(file);
    const text = script ? await script.text() : '';
    for (const m of text.matchAll(/["'`](?:\.\/|assets\/)([\w-]+(?:\.[\w-]+)*\.(?:js|css))["'`]/g))
      found.add(`/assets/${m[1]}`);
  }
  return [...found].filter((f) => !files.includes(f));
}

async function currentCache() {
  const keys = (await caches.keys()).filter((k) => k.startsWith(PREFIX));
  return keys.length > 0 ? caches.open(keys[keys.length - 1]) : null;
}

/** A short, stable name for a list of files (FNV-1a). */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
