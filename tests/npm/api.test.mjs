// The npm package's API in Node, imported from pkg/ as Node resolves "pare" (index.node.js): the
// loader picks the SIMD128 build (Node never gets relaxed SIMD unless asked); inspect, the
// Promise-returning compress (INT8 static on real calibration digits, mode named either way),
// compare on 200 held-out digits and run on the quantized model, inline and in a worker_threads
// worker (progress, abort, transferred buffers, the same bytes); tensors in onnxruntime's form;
// compressJob (compress + compare in one call) and inputSizes; unknown option keys; pare/sync; and the errors a non-ONNX file and bad options give.
// Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { INT8_STATIC, argmax, imageTensor } from "./mnist.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(root, "tests/fixtures/mnist_cnn");
const pare = await import(path.join(root, "pkg/index.node.js"));
const { parseNpy } = await import(path.join(root, "pkg/npz.js"));
const require = (await import("node:module")).createRequire(import.meta.url);
const ort = require("onnxruntime-node");

const modelBytes = fs.readFileSync(path.join(fixture, "model.onnx"));
const npy = (name) => parseNpy(new Uint8Array(fs.readFileSync(path.join(fixture, name))), name);
const calibration = imageTensor(npy("calib_pixels.npy"), 100);
const heldout = imageTensor(npy("heldout_pixels.npy"), 200);
const labels = Array.from(npy("heldout_labels.npy").data.slice(0, 200), Number);

test("calls before ready() reject, ready() picks simd128 in Node and is idempotent", async () => {
  assert.equal(pare.simdLevel(), null);
  assert.equal(pare.simdInfo(), null);
  await assert.rejects(pare.analyze(modelBytes), { name: "PareError", kind: "not-ready" });
  assert.throws(() => pare.inspect(modelBytes), { kind: "not-ready" });
  const first = pare.ready();
  assert.equal(pare.ready(), first, "a second ready() returns the same promise");
  const info = await first;
  assert.equal(info.level, "simd128");
  assert.equal(pare.simdLevel(), "simd128");
  assert.equal(pare.default, pare.ready, "the default export is ready()");
  assert.match(info.reason, /Node/);
  assert.match(info.source, /pkg\/pare_bg\.wasm$/);
});

test("inspect and analyze the MNIST CNN", async () => {
  await pare.ready();
  const summary = pare.inspect(modelBytes);
  assert.deepEqual(summary.inputs.map((i) => i.name), ["image"]);
  assert.deepEqual(summary.outputs.map((o) => o.name), ["logits"]);
  assert.equal(summary.op_histogram.Conv, 2);
  const pending = pare.analyze(modelBytes);
  assert.ok(pending instanceof Promise, "analyze returns a Promise");
  const analysis = await pending;
  assert.ok(analysis.totals.macs > 1e6, `MACs ${analysis.totals.macs}`);
});

test("compress INT8 static on real digits, compare and run the quantized model", async () => {
  await pare.ready();
  const stages = new Set();
  const pending = pare.compress(modelBytes, INT8_STATIC, { calibration, onProgress: ({ stage }) => stages.add(stage) });
  assert.ok(pending instanceof Promise);
  const { model, report, recipe } = await pending;
  assert.ok(model instanceof Uint8Array);
  assert.ok(report.after.bytes < report.before.bytes / 3, `${report.before.bytes} → ${report.after.bytes}`);
  assert.ok(stages.has("calibrate") && stages.has("quantize"), [...stages].join(","));
  assert.equal(recipe.steps[0].quantize.mode, "static");

  const cmp = await pare.compare(modelBytes, model, { inputs: heldout });
  assert.equal(cmp.samples, 200);
  assert.ok(cmp.outputs[0].agreement.top1_rate >= 0.97, `top-1 agreement ${cmp.outputs[0].agreement.top1_rate}`);

  const quantized = new pare.Model(model);
  const predicted = argmax(quantized.run(heldout).logits);
  quantized.free();
  const accuracy = predicted.filter((p, i) => p === labels[i]).length / labels.length;
  assert.ok(accuracy >= 0.95, `INT8 accuracy on 200 held-out digits: ${accuracy}`);
  assert.deepEqual((await pare.run(model, heldout)).logits.data, (() => {
    const m = new pare.Model(model);
    const out = m.run(heldout).logits.data;
    m.free();
    return out;
  })(), "run and Model.run agree");

  const again = (await pare.compress(modelBytes, INT8_STATIC, { calibration })).model;
  assert.deepEqual(again, model, "compress is deterministic");
  // The CLI's name for the mode is accepted too, and the recipe comes back with the API's.
  const cliNamed = await pare.compress(modelBytes, { steps: [{ quantize: { mode: "int8" } }] }, { calibration });
  assert.deepEqual(cliNamed.model, model);
  assert.equal(cliNamed.recipe.steps[0].quantize.mode, "static");
  const weights = await pare.compress(modelBytes, { steps: [{ quantize: { mode: "int8-weights" } }] });
  assert.equal(weights.recipe.steps[0].quantize.mode, "weights");
});

test("in a worker_threads worker: same bytes, progress, abort, transferred buffers", async () => {
  await pare.ready();
  const inline = (await pare.compress(modelBytes, INT8_STATIC, { calibration })).model;
  const stages = new Set();
  const inWorker = await pare.compress(modelBytes, INT8_STATIC, { calibration, worker: true, onProgress: (p) => stages.add(p.stage) });
  assert.deepEqual(inWorker.model, inline, "the worker gives the inline bytes");
  assert.ok(stages.has("calibrate") && stages.has("quantize"), `progress from the worker: ${[...stages]}`);

  // Aborting a running call terminates its worker; the next call gets a fresh one.
  const controller = new AbortController();
  const aborted = pare.compress(modelBytes, INT8_STATIC, {
    calibrationRandom: { samples: 64 },
    worker: true,
    signal: controller.signal,
    onProgress: () => controller.abort(new Error("enough")),
  });
  await assert.rejects(aborted, (e) => e instanceof pare.PareError && e.kind === "aborted" && /enough/.test(e.message));
  // An already-aborted signal rejects at once, inline and in the worker.
  await assert.rejects(pare.run(modelBytes, heldout, { signal: AbortSignal.abort() }), { kind: "aborted" });
  await assert.rejects(pare.run(modelBytes, heldout, { worker: true, signal: AbortSignal.abort() }), { kind: "aborted" });

  // `transfer` moves the input buffers to the worker (they are detached here).
  const pixels = imageTensor(npy("heldout_pixels.npy"), 3);
  const copy = new Float32Array(pixels.image.data);
  const bytesCopy = new Uint8Array(modelBytes);
  const out = await pare.run(bytesCopy, pixels, { worker: true, transfer: true });
  assert.equal(pixels.image.data.byteLength, 0, "the input buffer was transferred");
  assert.equal(bytesCopy.byteLength, 0, "the model buffer was transferred");
  const expected = await pare.run(modelBytes, { image: { ...pixels.image, data: copy } });
  assert.deepEqual(out.logits.data, expected.logits.data);
  // A view into a larger buffer (a pooled Node Buffer) is copied, not transferred.
  const pooled = Buffer.from(new Uint8Array(modelBytes));
  await pare.analyze(pooled, { worker: true, transfer: true });
  pare.terminateWorker();
});

test("compressJob: compress, then compare on held-back samples, in one call (inline and in a worker); inputSizes", async () => {
  await pare.ready();
  const stages = new Set();
  const job = await pare.compressJob(modelBytes, INT8_STATIC, { calibration, compareInputs: heldout, compareSource: "200 held-out digits", onProgress: (p) => stages.add(p.stage) });
  assert.deepEqual(job.model, (await pare.compress(modelBytes, INT8_STATIC, { calibration })).model, "compress's bytes");
  assert.ok(stages.has("quantize"));
  assert.equal(job.compare.samples, 200);
  assert.equal(job.compare.input_source, "200 held-out digits");
  assert.ok(job.compare.outputs[0].agreement.top1_rate >= 0.97);
  assert.deepEqual(job.warnings, []);
  assert.equal(job.compareError, undefined);
  // Without comparison inputs: the first 16 calibration samples, said to be not held-out.
  const reused = await pare.compressJob(modelBytes, INT8_STATIC, { calibration, worker: true });
  assert.deepEqual(reused.model, job.model, "the worker gives the inline bytes");
  assert.equal(reused.compare.samples, 16);
  assert.match(reused.compare.input_source, /calibration samples \(not held-out/);
  // Neither: 16 random samples, and the sizes they got.
  const weights = await pare.compressJob(modelBytes, { steps: [{ quantize: { mode: "weights" } }] }, { random: { seed: 3 } });
  assert.equal(weights.compare.samples, 16);
  assert.match(weights.compare.input_source, /16 random samples, seed 3/);
  assert.deepEqual(weights.inputSizes.inputs, [["image", [1, 1, 28, 28]]]);
  assert.deepEqual(weights.inputSizes.chosen, ["N=1"], "the symbolic batch: 1");
  const skipped = await pare.compressJob(modelBytes, { steps: [{ quantize: { mode: "weights" } }] }, { noCompare: true });
  assert.equal(skipped.compare, undefined);
  await assert.rejects(pare.compressJob(modelBytes, INT8_STATIC, { calibration, compareInput: heldout }), (e) => e.kind === "bad-argument" && /did you mean "compareInputs"/.test(e.message));
  await assert.rejects(pare.compressJob(modelBytes, INT8_STATIC, { calibration, random: { samples: 4 } }), (e) => e.kind === "bad-argument" && /"samples" in `random`/.test(e.message));

  // inputSizes: the image is [N, 1, 28, 28]: N is searched (batch: 1); a given size wins.
  const sizes = await pare.inputSizes(modelBytes);
  assert.equal(sizes.source, "searched");
  assert.deepEqual(sizes.inputs, [["image", [1, 1, 28, 28]]]);
  assert.match(sizes.summary, /^image 1×1×28×28 \(searched.*N=1\)$/);
  assert.deepEqual(await pare.inputSizes(modelBytes, { worker: true }), sizes, "the worker's answer");
  const given = await pare.inputSizes(modelBytes, { dims: { N: 3 } });
  assert.deepEqual([given.source, given.inputs], ["fixed", [["image", [3, 1, 28, 28]]]]);
  await assert.rejects(pare.inputSizes(modelBytes, { dims: { batch: 3 } }), (e) => e.kind === "bad-argument" && /^dim `batch` is set but no input declares it \(declared symbolic dims: N\)/.test(e.message));
  await assert.rejects(pare.inputSizes(modelBytes, { dim: {} }), { kind: "bad-argument" });
  pare.terminateWorker();
});

test("tensors in onnxruntime's form: { type, dims, data } and ort.Tensor", async () => {
  await pare.ready();
  const x = imageTensor(npy("heldout_pixels.npy"), 4).image;
  const want = (await pare.run(modelBytes, { image: x })).logits;
  const plain = await pare.run(modelBytes, { image: { type: "float32", dims: x.shape, data: x.data } });
  assert.deepEqual(plain.logits.data, want.data);
  const tensor = new ort.Tensor("float32", x.data, x.shape);
  assert.deepEqual((await pare.run(modelBytes, { image: tensor })).logits.data, want.data);
  assert.deepEqual((await pare.run(modelBytes, new Map([["image", tensor]]))).logits.data, want.data);
  const m = new pare.Model(modelBytes);
  assert.deepEqual(m.run({ image: tensor }).logits.data, want.data);
  m.free();
  const cmp = await pare.compare(modelBytes, modelBytes, { inputs: { image: tensor } });
  assert.equal(cmp.outputs[0].metrics.exact, true);
  const int8 = await pare.compress(modelBytes, INT8_STATIC, { calibration: { image: tensor } });
  assert.ok(int8.report.after.bytes < int8.report.before.bytes / 3);
});

test("unknown option keys are rejected with the valid ones", async () => {
  await pare.ready();
  const cases = [
    [() => pare.compress(modelBytes, INT8_STATIC, { calibrationRandm: { samples: 4 } }), /"calibrationRandm".*did you mean "calibrationRandom".*valid: calibration, calibrationRandom, onProgress, messages, signal, worker, transfer/],
    [() => pare.compress(modelBytes, INT8_STATIC, { calibrationRandom: { sample: 4 } }), /"sample" in `calibrationRandom`.*did you mean "samples"/],
    [() => pare.compare(modelBytes, modelBytes, { input: heldout }), /"input" in compare options.*did you mean "inputs"/],
    [() => pare.run(modelBytes, heldout, { workers: true }), /"workers" in run options.*valid: signal, worker, transfer/],
    [() => pare.analyze(modelBytes, { verbose: true }), /"verbose" in analyze options/],
  ];
  for (const [call, message] of cases) await assert.rejects(call(), (e) => e instanceof pare.PareError && e.kind === "bad-argument" && message.test(e.message));
  assert.throws(() => pare.randomInputs(modelBytes, { sead: 1 }), (e) => e.kind === "bad-argument" && /"sead".*did you mean "seed"/.test(e.message));
  // The calibration hint names the API's options, not the CLI's flags.
  await assert.rejects(pare.compress(modelBytes, INT8_STATIC), (e) => e.kind === "bad-argument" && /calibrationRandom/.test(e.message) && !/--calib/.test(e.message));
});

test("pare/sync: the same functions, synchronous", async () => {
  const sync = await import(path.join(root, "pkg/sync.node.js"));
  await sync.ready();
  const result = sync.compress(modelBytes, INT8_STATIC, { calibration });
  assert.ok(result.model instanceof Uint8Array, "not a Promise");
  assert.deepEqual(result.model, (await pare.compress(modelBytes, INT8_STATIC, { calibration })).model);
  assert.equal(sync.compare(modelBytes, result.model, { random: { samples: 2 } }).samples, 2);
  assert.ok(sync.analyze(modelBytes).totals.flops > 0);
  assert.throws(() => sync.compress(modelBytes, INT8_STATIC, { calibratoin: calibration }), { kind: "bad-argument" });
});

test("a non-ONNX file and bad arguments reject with PareErrors naming the problem", async () => {
  await pare.ready();
  const readme = fs.readFileSync(path.join(root, "README.md"));
  const isOnnxError = (e) => e instanceof pare.PareError && e.kind === "not-onnx" && /ONNX|protobuf|decode/i.test(e.message) && !/unreachable|panic/i.test(e.message);
  assert.throws(() => pare.inspect(readme), isOnnxError);
  assert.throws(() => new pare.Model(readme), isOnnxError);
  await assert.rejects(pare.compress(readme, { steps: [{ quantize: { mode: "weights" } }] }, {}), isOnnxError);
  await assert.rejects(pare.compress(readme, { steps: [{ quantize: { mode: "weights" } }] }, { worker: true }), isOnnxError);
  assert.throws(() => pare.inspect("model.onnx"), /Uint8Array or an ArrayBuffer/);
  await assert.rejects(pare.compress(modelBytes, { steps: [{ quantise: {} }] }), { kind: "invalid-recipe", message: /quantise/ });
  await assert.rejects(pare.compress(modelBytes, INT8_STATIC, { signal: "stop" }), { kind: "bad-argument", message: /AbortSignal/ });
  await assert.rejects(pare.compress(modelBytes, INT8_STATIC, { worker: "yes" }), { kind: "bad-argument", message: /boolean/ });
  pare.terminateWorker();
});
