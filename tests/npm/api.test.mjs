// The npm package's API in Node, imported from pkg/ as a user imports it: the loader picks the
// SIMD128 build (Node never gets relaxed SIMD unless asked), then inspect, compress (INT8 static
// on real calibration digits) and compare on 200 held-out digits, run on the quantized model,
// and the errors a non-ONNX file and a bad option give. Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { INT8_STATIC, argmax, imageTensor } from "./mnist.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(root, "tests/fixtures/mnist_cnn");
const pare = await import(path.join(root, "pkg/index.js"));
const { parseNpy } = await import(path.join(root, "pkg/npz.js"));

const modelBytes = fs.readFileSync(path.join(fixture, "model.onnx"));
const npy = (name) => parseNpy(new Uint8Array(fs.readFileSync(path.join(fixture, name))), name);
const calibration = imageTensor(npy("calib_pixels.npy"), 100);
const heldout = imageTensor(npy("heldout_pixels.npy"), 200);
const labels = Array.from(npy("heldout_labels.npy").data.slice(0, 200), Number);

test("calls before ready() fail, ready() picks simd128 in Node and is idempotent", async () => {
  assert.equal(pare.simdLevel(), null);
  assert.equal(pare.simdInfo(), null);
  assert.throws(() => pare.inspect(modelBytes));
  const first = pare.ready();
  assert.equal(pare.ready(), first, "a second ready() returns the same promise");
  const info = await first;
  assert.equal(info.level, "simd128");
  assert.equal(pare.simdLevel(), "simd128");
  assert.equal(pare.default, pare.ready, "the default export is ready()");
  assert.match(info.reason, /Node/);
});

test("inspect and analyze the MNIST CNN", async () => {
  await pare.ready();
  const summary = pare.inspect(modelBytes);
  assert.deepEqual(summary.inputs.map((i) => i.name), ["image"]);
  assert.deepEqual(summary.outputs.map((o) => o.name), ["logits"]);
  assert.equal(summary.op_histogram.Conv, 2);
  const analysis = pare.analyze(modelBytes);
  assert.ok(analysis.totals.macs > 1e6, `MACs ${analysis.totals.macs}`);
});

test("compress INT8 static on real digits, compare and run the quantized model", async () => {
  await pare.ready();
  const stages = new Set();
  const { model, report, recipe } = pare.compress(modelBytes, INT8_STATIC, {
    calibration,
    onProgress: ({ stage }) => stages.add(stage),
  });
  assert.ok(model instanceof Uint8Array);
  assert.ok(report.after.bytes < report.before.bytes / 3, `${report.before.bytes} → ${report.after.bytes}`);
  assert.ok(stages.has("calibrate") && stages.has("quantize"), [...stages].join(","));
  assert.equal(recipe.steps[0].quantize.mode, "static");

  const cmp = pare.compare(modelBytes, model, { inputs: heldout });
  assert.equal(cmp.samples, 200);
  assert.ok(cmp.outputs[0].agreement.top1_rate >= 0.97, `top-1 agreement ${cmp.outputs[0].agreement.top1_rate}`);

  const quantized = new pare.Model(model);
  const predicted = argmax(quantized.run(heldout).logits);
  quantized.free();
  const accuracy = predicted.filter((p, i) => p === labels[i]).length / labels.length;
  assert.ok(accuracy >= 0.95, `INT8 accuracy on 200 held-out digits: ${accuracy}`);

  const again = pare.compress(modelBytes, INT8_STATIC, { calibration }).model;
  assert.deepEqual(again, model, "compress is deterministic");
});

test("a non-ONNX file and bad arguments throw Errors naming the problem", async () => {
  await pare.ready();
  const readme = fs.readFileSync(path.join(root, "README.md"));
  for (const call of [() => pare.inspect(readme), () => pare.compress(readme, INT8_STATIC, {}), () => new pare.Model(readme)]) {
    assert.throws(call, (e) => e instanceof Error && /ONNX|protobuf|decode/i.test(e.message) && !/unreachable|panic/i.test(e.message));
  }
  assert.throws(() => pare.inspect("model.onnx"), /Uint8Array or an ArrayBuffer/);
  assert.throws(() => pare.compress(modelBytes, { steps: [{ quantize: { mode: "static" } }] }, {}), /calibration/i);
  assert.throws(() => pare.compress(modelBytes, { steps: [{ quantise: {} }] }), /quantise/);
});
