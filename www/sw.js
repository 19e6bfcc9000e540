// Offline once loaded: a service worker that keeps the app's own files (the page, its modules,
// the worker and the wasm package) in a cache on first load and serves them from there first, so
// the page opens and compresses without a network afterwards. Models and results never pass
// through it (they are read from disk and made in the page).
//
// One wasm build: of the package's two builds it caches the one this browser runs, chosen by the
// same checks as the package's loader (pkg/simd.js), so a browser downloads one. A module
// service worker, for that import (registered with type "module" by main.js).
//
// Versioned: sw-version.js (written by `make build-wasm`: a hash of every file under www/, and
// the list of files to cache) names the cache. A new build changes it, the browser sees the changed import on its next
// update check (the page registers with updateViaCache "none"), installs this worker again into
// a new cache, and the old cache is deleted on activation.

import "./sw-version.js"; // self.PARE_BUILD, self.PARE_FILES
import { relaxedDotAddCorrect, relaxedSimdAvailable } from "./pkg/simd.js";

const CACHE = `pare-${self.PARE_BUILD}`;

/** The wasm build the package's loader picks in this browser (pkg/core.js). */
const WASM = relaxedSimdAvailable() && relaxedDotAddCorrect() ? "pkg/pare_relaxed_bg.wasm" : "pkg/pare_bg.wasm";

/** Fetched on install: the page and every file sw-version.js lists but the other wasm build (and
 * the size comparison's pare_sizes.wasm, 1 MB that only a click on "Compare with gzip -9 and
 * brotli -11" loads). Anything else same-origin (that wasm, the demo model of embed.html) is
 * cached the first time it is fetched. */
const FILES = ["./", ...(self.PARE_FILES ?? []).filter((file) => !file.endsWith(".wasm") || file === WASM)];

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
