// The docs embed (www/embed.js, shown in www/embed.html) in headless Chromium: the element
// fetches the MNIST CNN from its model-src, shows its summary, compresses it with the INT8
// static preset, shows the sizes and the error against the original, and its download link gives
// the compressed model (run here in onnxruntime-node against the original); a long run is
// cancelled and the element compresses again in its fresh worker; with calibration-src (an .npz
// of 64 real digits) and compare-src (20 digit PNGs) it calibrates and compares on that data, and
// its download is byte for byte what the npm package makes from the same .npz. Its shadow DOM is
// checked both ways: the docs page's loud CSS (red buttons, serif text) does not change the
// element, and the element's CSS does not change the page. Every request stays on the local
// server.
//
// Run: node tests/web/embed_test.mjs   (after make build-wasm; make test-web runs it)

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { TIMEOUT, launch, root, screenshots, serve, step } from "./harness.mjs";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");

const modelPath = path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-embed-"));
const { server, served, origin, overrides } = await serve();
const { browser, page, requested, pageErrors } = await launch();

const inside = (selector) => page.locator(`pare-compressor ${selector}`);
const value = async (selector) => Number(await inside(selector).first().getAttribute("data-value"));

/** Computed styles of elements in the page (`page:` selectors) and in the shadow root. */
function computed(spec) {
  return page.evaluate((spec) => {
    const shadow = document.querySelector("pare-compressor").shadowRoot;
    const out = {};
    for (const [key, [where, selector, property]] of Object.entries(spec)) {
      const element = (where === "page" ? document : shadow).querySelector(selector);
      out[key] = getComputedStyle(element).getPropertyValue(property);
    }
    return out;
  }, spec);
}

try {
  step("the element fetches its model and shows the summary");
  await page.goto(`${origin}/embed.html`);
  await inside('button[name="compress"]:enabled').waitFor({ timeout: TIMEOUT });
  assert.equal(await inside(".title").innerText(), "MNIST CNN (mnist_cnn.onnx)");
  const summary = await inside(".summary").innerText();
  console.log(`summary: ${summary}`);
  assert.match(summary, /^414\.3 KiB · \d+ nodes · [\d.]+ k parameters · image float32 \[N, 1, 28, 28\]$/);
  assert.equal(await inside("select").inputValue(), "int8-static", "the preset attribute picks the first recipe");

  step("the page's CSS does not reach the element, and the element's does not reach the page");
  const styles = await computed({
    pageButtonColor: ["page", "#page-button", "color"],
    pageButtonBackground: ["page", "#page-button", "background-color"],
    pageButtonFont: ["page", "#page-button", "font-family"],
    pageText: ["page", "main p", "font-family"],
    pageLink: ["page", ".sidebar a", "color"],
    pageLetterSpacing: ["page", "main p", "letter-spacing"],
    buttonColor: ["shadow", 'button[name="compress"]', "color"],
    buttonBackground: ["shadow", 'button[name="compress"]', "background-color"],
    buttonFont: ["shadow", 'button[name="compress"]', "font-family"],
    buttonBorder: ["shadow", 'button[name="compress"]', "border-top-style"],
    text: ["shadow", ".summary", "font-family"],
    textSize: ["shadow", ".summary", "font-size"],
    letterSpacing: ["shadow", ".summary", "letter-spacing"],
  });
  console.log(JSON.stringify(styles));
  // The page's rules apply to its own button and text (so the checks below can fail)…
  assert.equal(styles.pageButtonColor, "rgb(255, 0, 0)");
  assert.equal(styles.pageButtonBackground, "rgb(255, 255, 0)");
  assert.match(styles.pageText, /Georgia/);
  assert.equal(styles.pageLetterSpacing, "0.9px");
  // …but not to the element's (nor by inheritance: font and letter spacing).
  assert.equal(styles.buttonColor, "rgb(255, 255, 255)");
  assert.equal(styles.buttonBackground, "rgb(31, 111, 235)");
  assert.doesNotMatch(styles.buttonFont, /Comic|Georgia/);
  assert.equal(styles.buttonBorder, "solid");
  assert.match(styles.text, /system-ui/);
  assert.doesNotMatch(styles.text, /Georgia/);
  assert.equal(styles.textSize, "12.88px", "0.92em of the element's own 14px, not of the page's 18px");
  assert.equal(styles.letterSpacing, "normal");
  // The element's `a { color }` and button rules stay inside: the page keeps the defaults.
  assert.equal(styles.pageLink, "rgb(0, 0, 238)");
  assert.doesNotMatch(styles.pageButtonFont, /system-ui/);

  step("compress with the INT8 static preset");
  const started = Date.now();
  await inside('button[name="compress"]').click();
  await inside(".results:not([hidden])").waitFor({ timeout: TIMEOUT });
  console.log(`compressed in the embed in ${((Date.now() - started) / 1000).toFixed(2)} s; status: ${await inside(".status").innerText()}`);
  assert.match(await inside(".status").innerText(), /Compressed with INT8 static/);
  const before = await value('tr[data-key="bytes"] td:nth-child(2)');
  const after = await value('tr[data-key="bytes"] td:nth-child(3)');
  assert.equal(before, fs.statSync(modelPath).size);
  assert.ok(after * 3 < before, `INT8 file ${after} < 1/3 of ${before}`);
  assert.ok((await value('tr[data-key="gzip"] td:nth-child(3)')) < (await value('tr[data-key="gzip"] td:nth-child(2)')));
  const cosine = await value('[data-key="cosine"]');
  const sqnr = await value('[data-key="sqnr"]');
  console.log(`embed shows: ${before} → ${after} bytes, cosine ${cosine}, SQNR ${sqnr} dB`);
  assert.ok(cosine > 0.99, `cosine ${cosine}`);
  assert.ok(sqnr > 10, `SQNR ${sqnr}`);
  assert.match(await inside(".note").innerText(), /on 16 samples \(16 of the calibration samples \(not held-out data\)\)/);
  await page.screenshot({ path: path.join(screenshots, "embed.png"), fullPage: true });

  step("the download link gives the compressed model, which onnxruntime runs");
  const [file] = await Promise.all([page.waitForEvent("download"), inside("a.download").click()]);
  assert.equal(file.suggestedFilename(), "mnist_cnn.int8-static.onnx");
  const saved = path.join(scratch, "compressed.onnx");
  await file.saveAs(saved);
  assert.equal(fs.statSync(saved).size, after, "the download is the model the element measured");
  const pixels = Float32Array.from({ length: 4 * 784 }, (_, i) => ((i * 7919) % 256) / 255);
  const feeds = { image: new ort.Tensor("float32", pixels, [4, 1, 28, 28]) };
  const a = (await (await ort.InferenceSession.create(modelPath)).run(feeds)).logits.data;
  const b = (await (await ort.InferenceSession.create(saved)).run(feeds)).logits.data;
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  const ortCosine = dot / Math.sqrt(na * nb);
  console.log(`onnxruntime-node: downloaded vs original cosine ${ortCosine.toFixed(5)} on 4 inputs`);
  assert.ok(ortCosine > 0.99);

  step("cancel a long run (5,000 calibration samples), then compress again");
  await page.evaluate(() => document.querySelector("pare-compressor").setAttribute("samples", "5000"));
  await inside('button[name="compress"]').click();
  await page.waitForFunction(
    () => /calibrate \d+\/\d+$/.test(document.querySelector("pare-compressor").shadowRoot.querySelector(".status").textContent),
    null,
    { timeout: TIMEOUT },
  );
  assert.equal(await inside('button[name="compress"]').isDisabled(), true);
  await inside('button[name="cancel"]').click();
  await page.waitForFunction(() => document.querySelector("pare-compressor").shadowRoot.querySelector(".status").textContent === "Cancelled.");
  assert.equal(await inside(".results").isHidden(), true);
  assert.equal(await inside('button[name="cancel"]').isHidden(), true);
  await page.evaluate(() => document.querySelector("pare-compressor").setAttribute("samples", "4"));
  await inside("select").selectOption("int8-weights");
  await inside('button[name="compress"]').click();
  await inside(".results:not([hidden])").waitFor({ timeout: TIMEOUT });
  assert.match(await inside(".status").innerText(), /Compressed with INT8 weights only/);
  // INT8 weights needs no calibration, so none is made: compressJob compares on its own 16
  // random samples (the `samples` attribute sizes the calibration).
  assert.match(await inside(".note").innerText(), /on 16 samples \(16 random samples, seed 0\)/);

  step("calibration-src (.npz of 64 real digits) and compare-src (20 digit PNGs)");
  const fixture = path.join(root, "tests/fixtures/mnist_cnn");
  execFileSync(path.join(root, ".venv/bin/python"), [path.join(root, "tests/web/make_inputs.py"), modelPath, path.join(fixture, "heldout_pixels.npy"), path.join(fixture, "calib_pixels.npy"), scratch]);
  overrides.set("/models/calib.npz", fs.readFileSync(path.join(scratch, "calib.npz")));
  const pngs = fs.readdirSync(path.join(scratch, "digits")).sort().slice(0, 20);
  for (const png of pngs) overrides.set(`/models/digits/${png}`, fs.readFileSync(path.join(scratch, "digits", png)));
  await page.evaluate((urls) => {
    const element = document.querySelector("pare-compressor");
    element.setAttribute("calibration-src", "models/calib.npz");
    element.setAttribute("compare-src", urls.join(" "));
    element.setAttribute("image-range", "0-1");
  }, pngs.map((p) => `models/digits/${p}`));
  await inside("select").selectOption("int8-static");
  await inside('button[name="compress"]').click();
  await inside(".results:not([hidden])").waitFor({ timeout: TIMEOUT });
  const realNote = await inside(".note").innerText();
  console.log(`embed on real data: ${realNote}; top-1 ${await value('[data-key="top1"]')}, cosine ${await value('[data-key="cosine"]')}`);
  assert.match(realNote, /on 20 samples \(the uploaded comparison inputs\)/);
  assert.ok((await value('[data-key="top1"]')) >= 0.9, "the compressed model agrees with the original on the real digits");
  const [realFile] = await Promise.all([page.waitForEvent("download"), inside("a.download").click()]);
  const realSaved = path.join(scratch, "real.onnx");
  await realFile.saveAs(realSaved);
  const sync = await import(path.join(root, "pkg/sync.node.js"));
  const { readArrays } = await import(path.join(root, "pkg/npz.js"));
  await sync.ready();
  const calibration = await readArrays(new Uint8Array(fs.readFileSync(path.join(scratch, "calib.npz"))), "calib.npz", "image");
  const expected = sync.compress(fs.readFileSync(modelPath), { steps: [{ quantize: { mode: "static" } }] }, { calibration }).model;
  assert.ok(fs.readFileSync(realSaved).equals(Buffer.from(expected)), "calibrated on calibration-src: the npm package's bytes for the same .npz");
  // A source that cannot be fetched says which attribute and URL.
  await page.evaluate(() => document.querySelector("pare-compressor").setAttribute("compare-src", "models/missing.npz"));
  await inside('button[name="compress"]').click();
  await page.waitForFunction(() => /compare-src: fetching .*missing\.npz failed: HTTP 404/.test(document.querySelector("pare-compressor").shadowRoot.querySelector(".status").textContent), null, { timeout: TIMEOUT });

  step("requests");
  const foreign = [...requested].filter((url) => !url.startsWith(origin + "/") && !url.startsWith("blob:") && !url.startsWith("data:"));
  assert.deepEqual(foreign, [], "every request went to the local server");
  const paths = new Set(served.map((s) => s.path));
  for (const p of ["/embed.html", "/embed.js", "/worker.js", "/pkg/sync.js", "/models/mnist_cnn.onnx", "/models/calib.npz"]) {
    assert.ok(paths.has(p), `the server was asked for ${p}`);
  }
  // The loader fetches one of the two wasm builds (relaxed SIMD where Chromium supports it).
  assert.ok(paths.has("/pkg/pare_relaxed_bg.wasm") || paths.has("/pkg/pare_bg.wasm"), "the server was asked for a wasm build");
  assert.deepEqual(served.filter((s) => s.status !== 200).map((s) => s.path), ["/models/missing.npz"], "no request failed but the missing one");
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  console.log("\nembed test: all checks passed");
} catch (e) {
  await page.screenshot({ path: path.join(screenshots, "embed-failure.png"), fullPage: true }).catch(() => {});
  throw e;
} finally {
  await browser.close();
  server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
