// Offline once loaded: a service worker that keeps the app's own files (the page, its modules,
// the worker and the wasm package) in a cache on first load and serves them from there first, so
// the page opens and compresses without a network afterwards. Models and results never pass
// through it (they are read from disk and made in the page).
//
// Versioned: sw-version.js (written by `make build-wasm`: a hash of every file under www/, and
// the list of files to cache) names the cache. A new build changes it, the browser sees the changed import on its next
// update check (the page registers with updateViaCache "none"), installs this worker again into
// a new cache, and the old cache is deleted on activation.

importScripts("./sw-version.js"); // self.PARE_BUILD, self.PARE_FILES

const CACHE = `pare-${self.PARE_BUILD}`;

/** Fetched on install: the page and every file sw-version.js lists. Anything else same-origin
 * (the demo model of embed.html) is cached the first time it is fetched. */
const FILES = ["./", ...(self.PARE_FILES ?? [])];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES.map((file) => new Request(file, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("pare-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const cached = await cache.match(request);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.ok && response.type === "basic") cache.put(request, response.clone());
      return response;
    }),
  );
});
