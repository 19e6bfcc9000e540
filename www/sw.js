// Offline once loaded: a service worker that keeps the app's own files (the page, its modules,
// the worker and the wasm package) in a cache on first load and serves them from there first, so
// the page opens and compresses without a network afterwards. Models and results never pass
// through it (they are read from disk and made in the page).
//
// Versioned: sw-version.js (written by `make build-wasm` from a hash of every file under www/)
// names the cache. A new build changes it, the browser sees the changed import on its next
// update check (the page registers with updateViaCache "none"), installs this worker again into
// a new cache, and the old cache is deleted on activation.

importScripts("./sw-version.js"); // self.PARE_BUILD

const CACHE = `pare-${self.PARE_BUILD}`;

/** Fetched on install. Anything else same-origin (e.g. another build of the wasm package a
 * loader picks) is cached the first time it is fetched. */
const FILES = [
  "./",
  "index.html",
  "style.css",
  "main.js",
  "client.js",
  "dims.js",
  "worker.js",
  "npz.js",
  "images.js",
  "chart.js",
  "presets.js",
  "format.js",
  "embed.js",
  "embed.html",
  "pkg/pare.js",
  "pkg/pare_bg.wasm",
];

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
