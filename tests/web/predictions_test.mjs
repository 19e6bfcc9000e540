// The results' "Predictions per image" table (www/predictions.js, computed in the worker by
// www/predict.js) in headless Chromium, checked against onnxruntime-node:
//   - the MNIST CNN compressed with binary weights, compared on 40 held-out digits given as PNG
//     images: 32 rows (the cap, with its note), each row's top-1 of the original and of the
//     compressed model equal to onnxruntime's argmax for that digit on the original file and on
//     the downloaded compressed file, the agreement column and count equal to onnxruntime's,
//     softmax scores labelled as such and equal to the softmax of onnxruntime's logits,
//     thumbnails from the user's files (blob: URLs of 28×28 images); a labels file names the
//     classes, a bad one gives its message; the labels button works from the keyboard;
//   - INT8 static calibrated on the digits as images, without comparison inputs: the table is on
//     the calibration images, checked against onnxruntime the same way;
//   - the CNN with a Softmax at the end: scores shown as the model's own probabilities;
//   - the CNN cut at a feature map: a note that a classification output is needed, and no table;
//   - random samples: no table at all.
// Every request goes to the local server. Screenshots go to target/web-screenshots/.
//
// Run: node tests/web/predictions_test.mjs   (after make build-wasm; make test-web runs it)

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { TIMEOUT, launch, root, screenshots, serve, step } from "./harness.mjs";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");

const fixture = path.join(root, "tests/fixtures/mnist_cnn");
const modelPath = path.join(fixture, "model.onnx");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-predictions-"));
const DIGITS = 40;
const CAP = 32;

execFileSync(path.join(root, ".venv/bin/python"), [
  path.join(root, "tests/web/make_prediction_inputs.py"),
  modelPath,
  path.join(fixture, "heldout_pixels.npy"),
  String(DIGITS),
  scratch,
]);
const pngs = fs.readdirSync(path.join(scratch, "digits")).sort().map((f) => path.join(scratch, "digits", f));
assert.equal(pngs.length, DIGITS);
const NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
fs.writeFileSync(path.join(scratch, "digits.txt"), NAMES.join("\n") + "\n");
fs.writeFileSync(path.join(scratch, "bad-labels.json"), JSON.stringify({ 0: "zero", 1: "one" }));

// The digits as the page feeds them: PNG gray levels / 255.
const npy = fs.readFileSync(path.join(fixture, "heldout_pixels.npy"));
const headerLength = npy.readUInt16LE(8);
const pixels = Float32Array.from(npy.subarray(10 + headerLength, 10 + headerLength + DIGITS * 784), (p) => p / 255);

/** onnxruntime-node's rows for the first `count` digits on the model at `file`. */
async function ortRows(file, count) {
  const session = await ort.InferenceSession.create(file);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", pixels.slice(0, count * 784), [count, 1, 28, 28]) };
  const out = (await session.run(feeds))[session.outputNames[0]];
  const classes = out.dims[1];
  return Array.from({ length: count }, (_, n) => Array.from(out.data.subarray(n * classes, (n + 1) * classes)));
}
const argmax = (row) => row.indexOf(Math.max(...row));
const softmax = (row) => {
  const max = Math.max(...row);
  const e = row.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
};

const { server, served, origin } = await serve();
const { browser, page, requested, pageErrors } = await launch();
const text = (selector) => page.locator(selector).innerText();

/** What the table shows: per row its image name, both models' [class, score, text] lists and
 * the agreement cell; plus the summary's numbers. */
async function shownTable() {
  return page.evaluate(() => {
    const classes = (td) =>
      [...td.querySelectorAll("li")].map((li) => [Number(li.dataset.class), Number(li.dataset.score), li.querySelector(".class").textContent, li.querySelector(".score").textContent]);
    const rows = [...document.querySelectorAll("#predictions-rows tr")].map((tr) => ({
      name: tr.querySelector("th").textContent,
      original: classes(tr.querySelector('td[data-model="original"]')),
      compressed: classes(tr.querySelector('td[data-model="compressed"]')),
      agree: tr.querySelector("td.agreement").dataset.agree === "true",
      agreeText: tr.querySelector("td.agreement").textContent,
      rowClass: tr.className,
    }));
    const summary = document.getElementById("predictions-summary");
    return { rows, agreeing: Number(summary.dataset.agreeing), shown: Number(summary.dataset.shown), summary: summary.textContent };
  });
}

async function download(selector) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  const saved = path.join(scratch, `${Date.now()}-${file.suggestedFilename()}`);
  await file.saveAs(saved);
  return saved;
}

async function openModel(file) {
  await page.setInputFiles("#file", file);
  await page.waitForFunction((name) => document.getElementById("model-name").textContent === name, path.basename(file), { timeout: TIMEOUT });
  await page.waitForSelector("#compress-panel:not([hidden])", { timeout: TIMEOUT });
  // The comparison inputs sit under More options.
  await page.evaluate(() => {
    document.getElementById("more-options").open = true;
  });
}

async function compress() {
  await page.click("#compress");
  await page.waitForSelector("#results:not([hidden])", { timeout: TIMEOUT });
  await page.waitForSelector("#compress:enabled");
  assert.deepEqual(await page.$$eval("#error:not([hidden]), .field-error:not([hidden])", (els) => els.map((e) => e.textContent)), [], "no error shown");
}

/** The shown table against onnxruntime on the original file and the downloaded compressed one:
 * one row per image up to `rows`, top-1 of each model, agreement per row and in all. Returns the
 * table and onnxruntime's rows. */
async function checkAgainstOrt(originalFile, rows) {
  const compressedFile = await download("#download-model");
  const [a, b] = [await ortRows(originalFile, rows), await ortRows(compressedFile, rows)];
  const table = await shownTable();
  assert.equal(table.rows.length, rows, "one row per image, up to the cap");
  let agreeing = 0;
  for (const [n, row] of table.rows.entries()) {
    assert.equal(row.name, `${n + 1}. ${String(n).padStart(2, "0")}.png`, "rows in the order of the files");
    assert.equal(row.original[0][0], argmax(a[n]), `image ${n}: the original's top-1 is onnxruntime's (${a[n]})`);
    assert.equal(row.compressed[0][0], argmax(b[n]), `image ${n}: the compressed model's top-1 is onnxruntime's on the download (${b[n]})`);
    const agree = argmax(a[n]) === argmax(b[n]);
    assert.equal(row.agree, agree, `image ${n}: agreement`);
    assert.equal(row.agreeText, agree ? "✓ yes" : "✗ no");
    assert.equal(row.rowClass, agree ? "agree" : "disagree");
    assert.equal(row.original.length, 3, "top 3 of 10 classes");
    assert.equal(row.compressed.length, 3);
    for (const list of [row.original, row.compressed]) {
      assert.ok(list[0][1] >= list[1][1] && list[1][1] >= list[2][1], `scores in falling order: ${JSON.stringify(list)}`);
      for (const [, score, , shown] of list) {
        const expected = score > 0.999 && score < 1 ? ">99.9%" : score > 0 && score < 0.001 ? "<0.1%" : `${(score * 100).toFixed(1)}%`;
        assert.equal(shown, expected, "the score shown is the score");
      }
    }
    if (agree) agreeing++;
  }
  assert.equal(table.agreeing, agreeing, "the count is onnxruntime's");
  assert.equal(table.agreeing, table.rows.filter((r) => r.agree).length, "the count is the rows that agree");
  assert.equal(table.shown, rows);
  assert.equal(table.summary, `Top-1 agrees on ${agreeing} of ${rows} images.`);
  return { table, a, b };
}

try {
  step("load the page and open the MNIST CNN");
  await page.goto(origin + "/");
  await page.waitForSelector("body[data-ready=true]", { timeout: TIMEOUT });
  await openModel(modelPath);

  step(`binary weights, compared on ${DIGITS} held-out digits as PNG images: ${CAP} rows`);
  await page.check('input[name="preset"][value="binary-weights"]');
  await page.setInputFiles("#compare-images", pngs);
  assert.equal(await text("#compare-info"), `${DIGITS} images → image: float32 [${DIGITS}, 1, 28, 28]`);
  await compress();
  await page.waitForSelector("#predictions-block:not([hidden])");
  assert.equal(
    await text("#predictions-source"),
    `On the first ${CAP} of the ${DIGITS} images given as comparison inputs; the other ${DIGITS - CAP} are not shown (at most ${CAP} are).`,
  );
  assert.equal(await page.locator("#predictions-note").isHidden(), true);
  const { table, a } = await checkAgainstOrt(modelPath, CAP);
  console.log(`binary weights: ${table.summary} (${table.rows.filter((r) => !r.agree).map((r) => r.name).join(", ") || "no disagreements"})`);
  assert.ok(table.agreeing < CAP, "binary weights change some digit's class (else the disagreement path is untested)");
  assert.ok(table.agreeing > CAP / 2, "but most stay");

  step("scores: the CNN gives logits, shown as their softmax and labelled so");
  const kinds = await page.locator("#predictions-original .score-kind, #predictions-compressed .score-kind").evaluateAll((els) => els.map((e) => [e.dataset.kind, e.textContent]));
  assert.deepEqual(kinds.map(([k]) => k), ["softmax", "softmax"]);
  assert.match(kinds[0][1], /softmax of its raw output/);
  for (const [n, row] of table.rows.entries()) {
    const expected = softmax(a[n]);
    for (const [c, score] of row.original) {
      assert.ok(Math.abs(score - expected[c]) < 1e-4, `image ${n} class ${c}: score ${score} vs softmax of onnxruntime's logits ${expected[c]}`);
    }
  }
  assert.match(await text("#predictions-output"), /Output `logits`, 10 classes, top 3 per model/);

  step("thumbnails are the user's own files");
  const thumbs = await page.locator("#predictions-rows img.thumb").evaluateAll((imgs) =>
    Promise.all(imgs.map(async (img) => (await img.decode(), { src: img.src, w: img.naturalWidth, h: img.naturalHeight, alt: img.alt }))),
  );
  assert.equal(thumbs.length, CAP);
  for (const t of thumbs) {
    assert.ok(t.src.startsWith("blob:"), t.src);
    assert.deepEqual([t.w, t.h], [28, 28], "the image is the 28×28 digit");
  }
  assert.equal(thumbs[0].alt, "image 1, 00.png");

  step("a labels file names the classes");
  await page.setInputFiles("#labels-file", path.join(scratch, "digits.txt"));
  await page.waitForFunction(() => document.getElementById("labels-info").textContent.startsWith("digits.txt"));
  assert.equal(await text("#labels-info"), "digits.txt: 10 labels");
  const named = await shownTable();
  for (const row of named.rows) {
    for (const [c, , shown] of [...row.original, ...row.compressed]) assert.equal(shown, `${NAMES[c]} (${c})`);
  }
  assert.equal(named.agreeing, table.agreeing, "labels change no prediction");
  await page.locator("#predictions-block").screenshot({ path: path.join(screenshots, "predictions.png") });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.locator("#predictions-block").screenshot({ path: path.join(screenshots, "predictions-dark.png") });
  const colours = await page.evaluate(() => {
    const row = document.querySelector("#predictions-rows tr.disagree");
    return { page: getComputedStyle(document.body).backgroundColor, row: getComputedStyle(row).backgroundColor };
  });
  await page.emulateMedia({ colorScheme: "light" });
  const light = await page.evaluate(() => getComputedStyle(document.querySelector("#predictions-rows tr.disagree")).backgroundColor);
  console.log(`disagreeing row: ${light} light, ${colours.row} dark (page ${colours.page})`);
  assert.notEqual(colours.row, light, "the table follows prefers-color-scheme");

  step("a bad labels file: its message, and classes by index");
  await page.setInputFiles("#labels-file", path.join(scratch, "bad-labels.json"));
  await page.waitForSelector("#labels-error:not([hidden])");
  const badMessage = await text("#labels-error");
  console.log(`shown for bad-labels.json: ${badMessage}`);
  assert.equal(badMessage, 'bad-labels.json holds an object; a JSON labels file must be an array of strings, such as ["cat", "dog"]. Classes show their index only.');
  for (const row of (await shownTable()).rows) {
    for (const [c, , shown] of row.original) assert.equal(shown, String(c));
  }
  assert.equal(await page.isDisabled("#labels-clear"), true);
  await page.setInputFiles("#labels-file", path.join(scratch, "digits.txt"));
  await page.waitForSelector("#labels-error", { state: "hidden" });
  await page.click("#labels-clear");
  assert.match(await text("#labels-info"), /^Optional: a text file with one class name per line/);
  assert.equal((await shownTable()).rows[0].original[0][2], String(table.rows[0].original[0][0]), "cleared: indices again");

  step("keyboard: the labels button and the table are reachable, Enter opens the picker");
  await page.evaluate(() =>
    document.getElementById("labels-file").addEventListener("click", (event) => {
      window.labelsPickerOpened = true;
      event.preventDefault();
    }, { once: true }),
  );
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el.classList.contains("table-scroll") ? "table" : el.getAttribute("for") ?? el.id ?? el.tagName;
    });
  await page.focus("#weights-results details > summary"); // the stop before the block
  await page.keyboard.press("Tab");
  assert.equal(await focused(), "labels-file", "Tab reaches the labels button");
  await page.keyboard.press("Tab"); // Clear is disabled: skipped
  assert.equal(await focused(), "table", "then the scrollable table");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await focused(), "labels-file");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.labelsPickerOpened === true, null, { timeout: 5000 });

  step("INT8 static calibrated on the digits as images, no comparison inputs: the table is on the calibration images");
  await page.click("#compare-clear");
  await page.check('input[name="preset"][value="int8-static"]');
  await page.setInputFiles("#samples-images", pngs.slice(0, 20));
  await compress();
  assert.equal(await text("#predictions-source"), "On the 20 images given as calibration samples (not held-out data).");
  const calibrated = await checkAgainstOrt(modelPath, 20);
  console.log(`INT8 static, calibration images: ${calibrated.table.summary}`);

  step("a model ending in Softmax: scores are its own probabilities");
  const softmaxModel = path.join(scratch, "softmax.onnx");
  await openModel(softmaxModel);
  await page.check('input[name="preset"][value="int8-weights"]');
  await page.setInputFiles("#compare-images", pngs.slice(0, 5));
  await compress();
  assert.equal(await text("#predictions-source"), "On the 5 images given as comparison inputs.");
  const probs = await checkAgainstOrt(softmaxModel, 5);
  const probKinds = await page.locator(".score-kind").evaluateAll((els) => els.map((e) => e.dataset.kind));
  assert.deepEqual(probKinds, ["probability", "probability"]);
  assert.match(await text("#predictions-original"), /probability \(its output already sums to 1\)/);
  for (const [n, row] of probs.table.rows.entries()) {
    for (const [c, score] of row.original) assert.ok(Math.abs(score - probs.a[n][c]) < 1e-5, `image ${n} class ${c}: ${score} vs onnxruntime's ${probs.a[n][c]}`);
  }

  step("a model whose output is a feature map: the note, and no table");
  await openModel(path.join(scratch, "features.onnx"));
  await page.check('input[name="preset"][value="int8-weights"]');
  await page.setInputFiles("#compare-images", pngs.slice(0, 5));
  await compress();
  await page.waitForSelector("#predictions-block:not([hidden])");
  const note = await text("#predictions-note");
  console.log(`shown for features.onnx: ${note}`);
  assert.equal(note, "Side-by-side predictions need a classification output ([N, C] or [N, C, 1, 1] float, C ≥ 2); for one image this model gives pool2 float32 [1, 32, 7, 7].");
  assert.equal(await page.locator("#predictions-body").isHidden(), true);
  assert.equal(await page.locator("#predictions-source").isHidden(), true, "the note alone");
  assert.equal(await page.locator("#predictions-rows tr").count(), 0);
  await page.locator("#predictions-block").screenshot({ path: path.join(screenshots, "predictions-not-classifier.png") });

  step("random samples, no images: no predictions block");
  await page.click("#compare-clear");
  await page.check('input[name="samples"][value="random"]');
  await compress();
  assert.equal(await page.locator("#predictions-block").isHidden(), true);

  step("requests");
  const foreign = [...requested].filter((url) => !url.startsWith(origin + "/") && !url.startsWith("blob:") && !url.startsWith("data:"));
  assert.deepEqual(foreign, [], "every request went to the local server");
  assert.ok(served.some((s) => s.path === "/predictions.js") && served.some((s) => s.path === "/predict.js"));
  assert.deepEqual(served.filter((s) => s.status !== 200), [], "no request failed");
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  console.log("\npredictions test: all checks passed");
} catch (e) {
  await page.screenshot({ path: path.join(screenshots, "predictions-failure.png"), fullPage: true }).catch(() => {});
  throw e;
} finally {
  await browser.close();
  server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
