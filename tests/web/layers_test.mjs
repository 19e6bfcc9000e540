// The recipe panel's per-layer overrides in headless Chromium (www/layers.js, overrides.js): the
// MNIST CNN's four weight layers are listed with their parameter counts; keeping fc1 in float and
// giving conv2 a prune ratio of 0.8 rewrites the "prune 50% + INT8" recipe; the compressed
// model's report (downloaded) shows conv2 pruned to 80%, conv1 to the step's 50%, and fc1 neither
// pruned nor quantized, and the downloaded recipe carries the overrides; a new preset keeps them
// and a bad ratio is refused with a note; the labels of the table's controls are real <label>s. Run: node tests/web/layers_test.mjs (make test-web).

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { TIMEOUT, launch, root, screenshots, serve, step } from "./harness.mjs";

const modelPath = path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-layers-"));
const { server, served, origin } = await serve();
const { browser, page, pageErrors } = await launch();

async function download(selector) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const saved = path.join(scratch, file.suggestedFilename());
  await file.saveAs(saved);
  return saved;
}

const recipe = async () => JSON.parse(await page.inputValue("#recipe-json"));

try {
  step("open the MNIST CNN: its weight layers are listed");
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT });
  await page.setInputFiles("#file", modelPath);
  await page.waitForSelector("#compress-panel:not([hidden])", { timeout: TIMEOUT });
  await page.click("#more-options > summary");
  await page.click("#advanced > summary");
  const rows = await page.$$eval("#layers tr", (trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((td) => td.textContent)));
  console.log(`layers: ${JSON.stringify(rows)}`);
  // conv1 16×1×3×3 + 16, conv2 32×16×3×3 + 32, fc1 64×1568 + 64, fc2 10×64 + 10 (make_fixture.py).
  assert.deepEqual(rows, [
    ["conv1", "Conv", "160"],
    ["conv2", "Conv", "4,640"],
    ["fc1", "Gemm", "100,416"],
    ["fc2", "Gemm", "650"],
  ]);

  const labels = await page.$$eval("#layers input", (inputs) => inputs.map((i) => i.labels[0]?.textContent));
  assert.deepEqual(labels.slice(0, 4), ["keep conv1 in float", "prune ratio of conv1", "keep conv2 in float", "prune ratio of conv2"]);

  step("keep fc1 in float, conv2 at 0.8, on the prune 50% + INT8 preset");
  await page.check('input[name="preset"][value="prune50-int8"]');
  await page.check('#layers tr[data-layer="fc1"] .layer-keep');
  await page.fill('#layers tr[data-layer="conv2"] .layer-ratio', "0.8");
  await page.press('#layers tr[data-layer="conv2"] .layer-ratio', "Tab");
  assert.deepEqual(await recipe(), {
    steps: [
      { prune: { method: "unstructured", ratio: 0.5, allocation: "uniform", exclude: ["fc1"], ratios: { conv2: 0.8 } } },
      { quantize: { mode: "static", exclude: ["fc1"] } },
    ],
  });
  assert.equal(await page.isChecked('input[name="preset"][value="prune50-int8"]'), true, "a preset with overrides is still that preset");
  await page.screenshot({ path: path.join(screenshots, "layers.png"), fullPage: true });

  step("compress: the report shows the overrides applied");
  await page.click("#compress");
  await page.waitForSelector("#results:not([hidden])", { timeout: TIMEOUT });
  assert.deepEqual(await page.$$eval("#error:not([hidden]), .field-error:not([hidden])", (els) => els.map((e) => e.textContent)), [], "no error shown");
  const report = JSON.parse(fs.readFileSync(await download("#download-report"), "utf8"));
  const [prune, quantize] = report.report.steps.map((s) => Object.values(s)[0]);
  const sparsity = Object.fromEntries(prune.layers.map((l) => [l.name, l.sparsity]));
  console.log(`sparsity: ${JSON.stringify(sparsity)}; quantized: ${quantize.layers.map((l) => l.node)}`);
  assert.ok(Math.abs(sparsity.conv2 - 0.8) < 0.01, `conv2 ${sparsity.conv2}`);
  // conv1 and fc2 are the first and last layers (kept by keep_first_last, the default), fc1 is
  // excluded: conv2 is the only layer pruned, and the report says why each other one is not.
  assert.deepEqual(Object.keys(sparsity), ["conv2"], "only conv2 pruned");
  assert.deepEqual(prune.skipped.map((s) => [s.name, s.reason]), [
    ["conv1", "first prunable layer, kept by `keep_first_last`"],
    ["fc1", "excluded by `exclude`"],
    ["fc2", "last prunable layer, kept by `keep_first_last`"],
  ]);
  const quantized = quantize.layers.map((l) => l.node);
  assert.ok(quantized.includes("conv2") && !quantized.includes("fc1"), `quantized: ${quantized}`);
  const downloadedRecipe = JSON.parse(fs.readFileSync(await download("#download-recipe"), "utf8"));
  assert.deepEqual(downloadedRecipe.steps[0].prune.ratios, { conv2: 0.8 });
  assert.deepEqual(downloadedRecipe.steps[1].quantize.exclude, ["fc1"]);

  step("another preset keeps the overrides; a bad ratio is refused");
  await page.check('input[name="preset"][value="int8-weights"]');
  assert.deepEqual(await recipe(), { steps: [{ quantize: { mode: "weights", exclude: ["fc1"] } }] });
  assert.match(await page.locator("#layers-note").innerText(), /prune step/, "a ratio without a prune step is noted");
  await page.fill('#layers tr[data-layer="conv2"] .layer-ratio', "1.5");
  await page.press('#layers tr[data-layer="conv2"] .layer-ratio', "Tab");
  assert.match(await page.locator("#layers-note").innerText(), /prune ratio of conv2 must be in \[0, 1\), got 1\.5/);
  assert.deepEqual(await recipe(), { steps: [{ quantize: { mode: "weights", exclude: ["fc1"] } }] }, "unchanged");

  assert.deepEqual(served.filter((s) => s.status !== 200), [], "no request failed");
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  console.log("\nlayers test: all checks passed");
} catch (e) {
  await page.screenshot({ path: path.join(screenshots, "layers-failure.png"), fullPage: true }).catch(() => {});
  throw e;
} finally {
  await browser.close();
  server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
