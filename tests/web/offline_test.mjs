// Offline once loaded (www/sw.js) in headless Chromium: load the app, wait for its service worker
// to control the page, go offline, reload, and open and compress the MNIST CNN with nothing
// reaching the server; then back online, a new build (a changed sw-version.js) replaces the
// cache with a new one and deletes the old.
//
// Run: node tests/web/offline_test.mjs   (after make build-wasm; make test-web runs it)

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { TIMEOUT, launch, root, screenshots, serve, step, www } from "./harness.mjs";

const modelPath = path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
const stamp = fs.readFileSync(path.join(www, "sw-version.js"), "utf8");
const build = /self\.PARE_BUILD = "([0-9a-f]{16})";/.exec(stamp)?.[1];
assert.ok(build, "make build-wasm writes www/sw-version.js");
const { server, served, overrides, origin } = await serve();
const { browser, context, page, pageErrors } = await launch();
const cacheNames = () => page.evaluate(() => caches.keys());

try {
  step("first load: the service worker installs, caches the app and takes control");
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT });
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === "activated", null, { timeout: TIMEOUT });
  assert.deepEqual(await cacheNames(), [`pare-${build}`]);
  const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), `pare-${build}`);
  for (const p of ["/", "/main.js", "/worker.js", "/pkg/index.js", "/pkg/sync.js", "/pkg/pare.js", "/pkg/pare_relaxed_bg.wasm", "/embed.js"]) {
    assert.ok(cached.includes(p), `${p} is cached (cached: ${cached.join(" ")})`);
  }
  // One wasm build: the relaxed one Chromium runs, not the SIMD128 one.
  assert.ok(!cached.includes("/pkg/pare_bg.wasm"), "the build Chromium does not run is not cached");
  assert.ok(!served.some((s) => s.path === "/pkg/pare_bg.wasm"), "nor downloaded");

  step("offline: reload, open and compress the MNIST CNN");
  await context.setOffline(true);
  const servedBefore = served.length;
  await page.reload();
  await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT });
  await page.setInputFiles("#file", modelPath);
  await page.waitForSelector("#compress-panel:not([hidden])", { timeout: TIMEOUT });
  await page.check('input[name="preset"][value="int8-static"]');
  await page.click("#compress");
  await page.waitForSelector("#results:not([hidden])", { timeout: TIMEOUT });
  assert.deepEqual(await page.$$eval("#error:not([hidden]), .field-error:not([hidden])", (els) => els.map((e) => e.textContent)), [], "no error shown");
  const cosine = Number(await page.locator('#output-metrics [data-key="cosine"]').getAttribute("data-value"));
  const after = Number(await page.locator('[data-key="bytes-after"]').getAttribute("data-value"));
  console.log(`offline: compressed to ${after} bytes, cosine ${cosine}`);
  assert.ok(after * 3 < fs.statSync(modelPath).size && cosine > 0.99);
  // The browser's own update check of the service worker scripts is not covered by Playwright's
  // offline emulation (it may or may not run on a reload); the app's files must all come from the cache.
  const updateCheck = new Set(["/sw.js", "/sw-version.js", "/pkg/simd.js"]); // the module worker and its imports
  const reached = served.slice(servedBefore).filter((s) => !updateCheck.has(s.path));
  assert.deepEqual(reached, [], "no file of the app reached the server while offline");
  await page.screenshot({ path: path.join(screenshots, "offline.png"), fullPage: true });

  step("online again, a new build: its cache replaces the old one");
  await context.setOffline(false);
  overrides.set("/sw-version.js", stamp.replace(build, "0000000000000000"));
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  // Polled from here: waitForFunction does not wait for an async predicate's result (its promise
  // is truthy), which let this check pass while the new worker was still installing.
  const deadline = Date.now() + TIMEOUT;
  while ((await cacheNames()).join() !== "pare-0000000000000000") {
    assert.ok(Date.now() < deadline, `the new build's cache did not replace the old one: ${(await cacheNames()).join()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // The new cache holds the app again, its wasm build included (fetched with cache: "reload").
  const recached = await page.evaluate(async () => (await (await caches.open("pare-0000000000000000")).keys()).map((r) => new URL(r.url).pathname));
  for (const p of ["/", "/worker.js", "/pkg/sync.js", "/pkg/pare_relaxed_bg.wasm"]) {
    assert.ok(recached.includes(p), `the new build's cache holds ${p} (it holds: ${recached.join(" ")})`);
  }
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  console.log("\noffline test: all checks passed");
} catch (e) {
  await page.screenshot({ path: path.join(screenshots, "offline-failure.png"), fullPage: true }).catch(() => {});
  throw e;
} finally {
  await browser.close();
  server.close();
}
