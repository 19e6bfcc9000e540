// Issue 11's "done when", in the page: a real PaddleOCR model (the corpus's ppocr_mobile_cls:
// opset 11, input `x` [-1, 3, ?, ?]) dropped into the page in headless Chromium gets its
// Dimensions field prefilled with sizes it runs on (pare's input-size resolver, not 1s) and a
// line saying how they were chosen, compresses with the default preset (INT8 static on random
// calibration samples) with no error, is compared with the original, and the downloaded model
// passes onnx.checker's full check and runs in onnxruntime-node at the prefilled size and at
// PaddleOCR's own 48×192, with outputs close to the original's. A recipe with bias correction
// then gets random calibration samples too. Then three more corpus models are dropped as a new
// user would (FIRST_DROPS: opset 9, Keras NHWC, an LSTM VAD with an int64 input), each compressed
// with the default preset, and the download checked as the corpus checks the CLI's files
// (tests/web/check_download.py: full checker, onnxruntime on the held-out samples, finite
// outputs of the original's shapes, smaller than the input).
//
// Run: node tests/web/corpus_test.mjs   (after make build-wasm; make test-web runs it; the model
// is fetched by scripts/corpus/fetch.py into $PARE_CORPUS_CACHE or .cache/corpus)

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { TIMEOUT, launch, root, screenshots, serve, step } from "./harness.mjs";
import { corpusHeldout, corpusModel } from "../npm/corpus.mjs";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");
const python = path.join(root, ".venv/bin/python");

step("the model: fetched by the corpus script, opset 11, [-1, 3, ?, ?]");
const modelPath = corpusModel("ppocr_mobile_cls");
const declared = JSON.parse(
  execFileSync(python, ["-c", `
import json, sys, onnx
m = onnx.load(sys.argv[1])
opset = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0]
x = m.graph.input[0]
dims = [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?") for d in x.type.tensor_type.shape.dim]
print(json.dumps({"opset": opset, "input": x.name, "dims": dims}))
`, modelPath], { encoding: "utf8" }),
);
console.log(declared);
assert.equal(declared.opset, 11);
assert.equal(declared.dims[1], 3);
assert.ok(declared.dims.filter((d) => typeof d !== "number" || d < 0).length >= 3, "batch, height and width are open");

/** Corpus models dropped after the PaddleOCR classifier (issue 15's "three corpus models"). */
const FIRST_DROPS = ["ppocr_cls_gutenye", "mtcnn_pnet", "silero_vad_16k_op15"];

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-corpus-web-"));
const { server, served, origin } = await serve();
const { browser, page, requested, pageErrors } = await launch();
const text = async (selector) => (await page.locator(selector).textContent()).trim();

/** Clicks Compress, waits for the results or an error next to a control; there must be no error. */
async function compressWithoutError(what) {
  await page.click("#compress");
  await page.waitForFunction(
    () => !document.getElementById("results").hidden || [...document.querySelectorAll(".field-error")].some((e) => !e.hidden),
    null,
    { timeout: TIMEOUT },
  );
  const errors = await page.$$eval(".field-error:not([hidden])", (list) => list.map((e) => `${e.id}: ${e.textContent}`));
  assert.deepEqual(errors, [], `${what}: no error`);
}

try {
  await page.goto(`${origin}/`);
  step("drop it: the Dimensions field holds sizes the model runs on");
  await page.setInputFiles("#file", modelPath);
  await page.waitForSelector("#compress-panel:not([hidden])", { timeout: TIMEOUT });
  assert.equal(await text("#warning"), "", "no warning after opening");
  const dims = await page.inputValue("#dims");
  console.log(`Dimensions: ${dims}\n${await text("#dims-info")}`);
  const match = new RegExp(`^${declared.input}=1,3,(\\d+),(\\d+)$`).exec(dims);
  assert.ok(match, `the field holds the whole shape of ${declared.input}: ${dims}`);
  const [height, width] = [Number(match[1]), Number(match[2])];
  assert.ok(height > 1 && width > 1, "resolved sizes, not 1s");
  assert.match(await text("#dims-info"), new RegExp(`${declared.input} 1×3×${height}×${width} \\(searched`), "the full shape and how it was chosen");

  step("compress with the default preset");
  assert.equal(await page.isChecked('input[name="preset"][value="int8-static"]'), true, "INT8 static is the default");
  assert.equal(await page.isChecked('input[name="samples"][value="random"]'), true);
  await compressWithoutError("ppocr_mobile_cls");
  console.log(`${await text("#results-note")}\n${await text("#sizes-used")}\n${await text("#compare-source")}`);
  // The one warning: the default preset calibrated on random samples (said, with the fix).
  assert.match(await text("#warning"), /^Calibrated on random samples: .*--calib FILE\.npz.*$/s, "the random-calibration warning");
  assert.doesNotMatch(await text("#warning"), /comparison failed/, "the comparison ran");
  assert.match(await text("#sizes-used"), new RegExp(`1×3×${height}×${width}`));
  assert.equal(await page.locator("#comparison-block").isVisible(), true);
  assert.match(await text("#compare-source"), /calibration samples/);
  await page.screenshot({ path: path.join(screenshots, "corpus-ppocr-cls.png"), fullPage: true });

  step("the download passes onnx.checker and runs in onnxruntime-node");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-model")]);
  const saved = path.join(scratch, "ppocr_mobile_cls.pare.onnx");
  await download.saveAs(saved);
  console.log(`${fs.statSync(modelPath).size} → ${fs.statSync(saved).size} bytes`);
  assert.ok(fs.statSync(saved).size < fs.statSync(modelPath).size * 0.7, "smaller than the input");
  execFileSync(python, ["-c", "import sys, onnx; onnx.checker.check_model(sys.argv[1], full_check=True)", saved]);
  const quiet = { logSeverityLevel: 3 }; // onnxruntime's warnings about unused initializers
  const original = await ort.InferenceSession.create(modelPath, quiet);
  const compressed = await ort.InferenceSession.create(saved, quiet);
  for (const [h, w] of [[height, width], [48, 192]]) {
    const data = new Float32Array(2 * 3 * h * w);
    let state = 7;
    for (let i = 0; i < data.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      data[i] = state / 2 ** 31 - 1;
    }
    const feeds = { [original.inputNames[0]]: new ort.Tensor("float32", data, [2, 3, h, w]) };
    const a = (await original.run(feeds))[original.outputNames[0]];
    const b = (await compressed.run(feeds))[compressed.outputNames[0]];
    assert.deepEqual(b.dims, a.dims, `the same output shape at 2×3×${h}×${w}`);
    assert.ok(b.data.every(Number.isFinite), "finite outputs");
    const maxAbs = Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i])));
    console.log(`2×3×${h}×${w}: output ${b.dims.join("×")}, max |original − compressed| ${maxAbs.toFixed(4)}`);
    assert.ok(maxAbs < 0.5, "the compressed classifier's probabilities stay near the original's");
  }

  step("a recipe with bias correction: random calibration samples are made for it too");
  const recipeFile = path.join(scratch, "correct.json");
  fs.writeFileSync(recipeFile, JSON.stringify({ steps: [{ prune: { method: "unstructured", ratio: 0.3, correct: "bias" } }] }));
  await page.setInputFiles("#recipe-file", recipeFile);
  await page.waitForFunction(() => document.getElementById("recipe-json").value.includes("bias"));
  await page.fill("#sample-count", "4");
  await page.click("#compress");
  await page.waitForFunction(
    () => /prune/.test(document.getElementById("steps").textContent) || [...document.querySelectorAll(".field-error")].some((e) => !e.hidden),
    null,
    { timeout: TIMEOUT },
  );
  assert.deepEqual(await page.$$eval(".field-error:not([hidden])", (list) => list.map((e) => `${e.id}: ${e.textContent}`)), []);
  console.log(`${await text("#steps")}\n${await text("#compare-source")}`);
  assert.match(await text("#compare-source"), /On 4 samples: 4 of the calibration samples/);

  step("a recipe with correct: none: no calibration samples are made (pare's recipeNeedsCalibration)");
  fs.writeFileSync(recipeFile, JSON.stringify({ steps: [{ prune: { method: "unstructured", ratio: 0.3, correct: "none" } }] }));
  await page.setInputFiles("#recipe-file", recipeFile);
  await page.waitForFunction(() => document.getElementById("recipe-json").value.includes('"none"'));
  await page.evaluate(() => { document.getElementById("compare-source").textContent = ""; });
  await page.click("#compress");
  await page.waitForFunction(
    () => /^On /.test(document.getElementById("compare-source").textContent) || [...document.querySelectorAll(".field-error")].some((e) => !e.hidden),
    null,
    { timeout: TIMEOUT },
  );
  assert.deepEqual(await page.$$eval(".field-error:not([hidden])", (list) => list.map((e) => `${e.id}: ${e.textContent}`)), []);
  // Without calibration samples, pare compares on 16 seeded random ones (not "of the calibration samples").
  assert.match(await text("#compare-source"), /On 16 samples: 16 random samples, seed \d+/);

  // More first drops: an opset-9 export, a Keras NHWC net and a VAD with an LSTM, an int64
  // input and a state, all with symbolic dims; default preset, no field touched.
  for (const id of FIRST_DROPS) {
    step(`first drop of ${id}: default preset, the download checked on the corpus's held-out samples`);
    const file = corpusModel(id);
    const heldout = corpusHeldout(id);
    await page.goto(`${origin}/`);
    await page.setInputFiles("#file", file);
    await page.waitForSelector("#compress-panel:not([hidden])", { timeout: TIMEOUT });
    assert.equal(await text("#warning"), "", `${id}: no warning after opening`);
    const prefilled = await page.inputValue("#dims");
    assert.doesNotMatch(prefilled, /(^|[=,])0(,|;|$)/, `${id}: no zero-size dim prefilled: ${prefilled}`);
    await compressWithoutError(id);
    assert.match(await text("#warning"), /^Calibrated on random samples/, `${id}: the random-calibration warning`);
    assert.doesNotMatch(await text("#warning"), /comparison failed/, `${id}: the comparison ran`);
    assert.equal(await page.locator("#comparison-block").isVisible(), true, `${id}: the comparison is shown`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-model")]);
    const saved = path.join(scratch, `${id}.pare.onnx`);
    await download.saveAs(saved);
    const checked = JSON.parse(execFileSync(python, [path.join(root, "tests/web/check_download.py"), file, saved, heldout], { encoding: "utf8" }).trim().split("\n").pop());
    console.log(`${id}: Dimensions ${prefilled}; ${await text("#sizes-used")}; ${JSON.stringify(checked)}`);
    // The page's own first-drop result (issue 15's closing note): output SQNR and sizes shown.
    const sqnrs = await page.$$eval('#output-metrics [data-key="sqnr"]', (cells) => cells.map((c) => c.textContent));
    const value = async (key) => Number(await page.locator(`[data-key="${key}"]`).first().getAttribute("data-value"));
    console.log(`${id} in the page: output SQNR ${sqnrs.join(", ")} dB; file ${await value("bytes-before")} → ${await value("bytes-after")} bytes`);
    assert.equal(checked.status, "ok", `${id}: ${checked.detail}`);
    assert.ok(checked.size < checked.input_size, `${id}: smaller than the input`);
  }

  step("requests");
  const foreign = [...requested].filter((url) => !url.startsWith(origin + "/") && !url.startsWith("blob:") && !url.startsWith("data:"));
  assert.deepEqual(foreign, [], "every request went to the local server");
  assert.deepEqual(served.filter((s) => s.status !== 200).map((s) => s.path), [], "no request failed");
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  console.log("\ncorpus web test: all checks passed");
} catch (e) {
  await page.screenshot({ path: path.join(screenshots, "corpus-failure.png"), fullPage: true }).catch(() => {});
  throw e;
} finally {
  await browser.close();
  server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
