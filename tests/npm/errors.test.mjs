// PareError from JS: every API call throws (or its Promise rejects with) an instance of the
// package's PareError class with the `kind` of the failure, on the paths a user hits: a call
// before ready(), a file that is not ONNX, external data, a malformed tensor, an op pare lacks,
// inputs that do not fit, random inputs too large, bad options, a bad recipe, a model with nothing to quantize, models that differ, a node
// that fails, a Model used after free(), wasm that cannot be loaded, the caller's own onProgress
// exception (passed through as thrown), and last, a model that exhausts the wasm module's 4 GiB:
// "wasm-trap" — in the package's worker the next call gets a fresh worker; inline every later
// call fails the same way without entering the module. The models come from
// make_error_models.py (onnx's helpers). Run: node --test tests/npm/.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pare = await import(path.join(root, "pkg/index.node.js"));
const { PareError, PARE_ERROR_KINDS } = pare;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-errors-"));
execFileSync(path.join(root, ".venv/bin/python"), [path.join(root, "tests/npm/make_error_models.py"), scratch]);
const model = (name) => fs.readFileSync(path.join(scratch, name));
const mnist = fs.readFileSync(path.join(root, "tests/fixtures/mnist_cnn/model.onnx"));
const x = (shape) => ({ dtype: "float32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });

/** Asserts that `call` throws, or returns a Promise that rejects with, a PareError of `kind`
 * whose message matches `message`. */
/** The kinds this file has provoked (README.md: "provokes each kind from JS"; the last test
 * checks that none of PARE_ERROR_KINDS is missing). */
const provoked = new Set();

async function throwsKind(call, kind, message) {
  assert.ok(PARE_ERROR_KINDS.includes(kind), `${kind} is a listed kind`);
  let thrown = null;
  try {
    await call();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown, `expected a ${kind} PareError, nothing was thrown`);
  assert.ok(thrown instanceof PareError, `not a PareError: ${thrown?.constructor?.name}: ${thrown}`);
  assert.ok(thrown instanceof Error);
  assert.equal(thrown.name, "PareError");
  assert.equal(thrown.kind, kind, thrown.message);
  assert.match(thrown.message, message);
  provoked.add(kind);
  return thrown;
}

test("before ready(): not-ready, for functions and the Model constructor", async () => {
  await throwsKind(() => pare.inspect(mnist), "not-ready", /await ready\(\)/);
  await throwsKind(() => new pare.Model(mnist), "not-ready", /await ready\(\)/);
});

test("the model files a user may drop", async () => {
  await pare.ready();
  await throwsKind(() => pare.inspect(new TextEncoder().encode("GIF89a not a model")), "not-onnx", /not an ONNX model/);
  await throwsKind(() => new pare.Model(new Uint8Array(0)), "not-onnx", /empty/);
  await throwsKind(() => pare.analyze(model("external.onnx")), "external-data", /external file \(external\.bin\)/);
  await throwsKind(() => new pare.Model(model("unsupported.onnx")), "unsupported-op", /NoSuchOp/);
  await throwsKind(() => pare.inspect(model("bad_tensor.onnx")), "invalid-model", /tensor `w`: raw_data has 8 bytes, dims \[1, 4\] of float32 need 16/);
  await throwsKind(() => pare.compare(model("relu.onnx"), model("unsupported.onnx")), "unsupported-op", /candidate.*NoSuchOp/);
  const ok = new pare.Model(mnist);
  assert.ok(ok instanceof pare.Model);
  assert.deepEqual(ok.inputNames, ["image"]);
  ok.free();
});

test("inputs, arguments, recipes and runs", async () => {
  await pare.ready();
  const relu = model("relu.onnx");
  await throwsKind(() => pare.run(relu, { nope: x([1, 4]) }), "bad-input", /no input `nope`/);
  const m = new pare.Model(relu);
  await throwsKind(() => m.run({ x: x([2, 3]) }), "bad-input", /shape/);
  await throwsKind(() => m.run({ x: { dtype: "float32", shape: [1, 4], data: new Float32Array(3) } }), "bad-input", /input `x`/);
  assert.deepEqual(Array.from(m.run({ x: x([1, 4]) }).y.data), [0.5, 0.5, 0.5, 0.5], "the Model still works after its errors");
  m.free();
  await throwsKind(() => pare.compress(mnist, { steps: [{ quantize: { mode: "weights" } }] }, { onProgress: 5 }), "bad-argument", /onProgress/);
  await throwsKind(() => pare.compress(mnist, { steps: [{ no_such_step: {} }] }), "invalid-recipe", /no_such_step/);
  await throwsKind(() => pare.compress(relu, { steps: [{ quantize: { mode: "weights" } }] }), "cannot-compress", /nothing to quantize/);
  // pare (Rust) says a step needs calibration samples, in the API's words, never the CLI's flags;
  // a pruning step with `correct: "none"` reads none, so it needs none.
  await throwsKind(() => pare.compress(mnist, { steps: [{ quantize: { mode: "static" } }] }), "bad-argument",
    /^step 1: static quantization needs calibration samples: pass `calibration` .*`calibrationRandom: \{ samples: 16 \}`/);
  await throwsKind(() => pare.compressJob(mnist, { steps: [{ quantize: { mode: "static" } }] }, { messages: "page" }), "bad-argument",
    /needs calibration samples: pick calibration files \(best\) or random samples under Calibration$/);
  const none = { steps: [{ prune: { method: "unstructured", ratio: 0.5, correct: "none" } }] };
  assert.ok((await pare.compress(mnist, none)).model.length > 0, "correct: none compresses without samples");
  assert.equal(pare.recipeNeedsCalibration(none, "random"), false);
  assert.equal(pare.recipeNeedsCalibration({ steps: [{ prune: { method: "unstructured", ratio: 0.5 } }] }, "given"), true);
  await throwsKind(() => pare.compress(mnist, none, { messages: "cli" }), "bad-argument", /`messages` must be "api" or "page"/);
  await throwsKind(() => pare.compare(relu, mnist), "models-differ", /different inputs/);
  // A .pare container cut short, and an ONNX file given to decode; pack of bytes that are no model.
  const packed = pare.pack(mnist).container;
  await throwsKind(() => pare.decode(packed.subarray(0, packed.length - 1)), "bad-container", /truncated/);
  await throwsKind(() => pare.decode(mnist), "bad-container", /not a \.pare container/);
  await throwsKind(() => pare.pack(new Uint8Array([0xff, 0xfe, 1, 2])), "not-onnx", /no ModelProto/);
  // 100 random samples of 100,000 digits each: 7.8e9 values, over pare's cap for random samples.
  await throwsKind(() => pare.compare(mnist, mnist, { random: { samples: 100, shapes: { image: [100000, 1, 28, 28] } } }), "too-large",
    /100 random samples of 78400000 elements each are too many/);
  // One sample too large to count (issue 18: was bad-argument).
  await throwsKind(() => pare.randomInputs(mnist, { shapes: { image: [400000, 1, 28, 28] } }), "too-large",
    /input `image` would have shape \[400000, 1, 28, 28\], too large/);
  await throwsKind(() => pare.run(model("reshape_fail.onnx"), { x: x([1, 4]) }), "run-failed", /Reshape/);
});

test("a signal already aborted: aborted, inline and in the worker", async () => {
  await pare.ready();
  const signal = AbortSignal.abort(new Error("user left"));
  await throwsKind(() => pare.run(model("relu.onnx"), { x: x([1, 4]) }, { signal }), "aborted", /^aborted: user left$/);
  await throwsKind(() => pare.run(model("relu.onnx"), { x: x([1, 4]) }, { signal, worker: true }), "aborted", /^aborted: user left$/);
  pare.terminateWorker();
});

test("an exception from the caller's onProgress passes through as thrown", async () => {
  await pare.ready();
  const mine = new RangeError("stop from my callback");
  let thrown = null;
  for (const worker of [false, true]) {
    try {
      await pare.compress(mnist, { steps: [{ quantize: { mode: "weights" } }] }, {
        worker,
        onProgress: () => {
          throw mine;
        },
      });
    } catch (e) {
      thrown = e;
    }
    assert.equal(thrown, mine, `worker: ${worker}`);
  }
  pare.terminateWorker();
});

test("a Model used after free(): model-freed, for methods and getters", async () => {
  await pare.ready();
  const m = new pare.Model(model("relu.onnx"));
  m.free();
  m.free(); // a second free does nothing
  await throwsKind(() => m.run({ x: x([1, 4]) }), "model-freed", /freed/);
  await throwsKind(() => m.inputNames, "model-freed", /freed/);
  await throwsKind(() => m.inspect(), "model-freed", /freed/);
});

test("wasm that cannot be loaded: load-failed, naming where it looked", async () => {
  const script = (options) => `import { ready } from ${JSON.stringify(path.join(root, "pkg/index.node.js"))};
try { await ready(${options}); console.log("loaded"); } catch (e) { console.log(JSON.stringify({ kind: e.kind, message: e.message })); }`;
  const { execFileSync: exec } = await import("node:child_process");
  const attempt = (options) => JSON.parse(exec(process.execPath, ["--input-type=module", "-e", script(options)], { encoding: "utf8" }));
  const missing = attempt(`{ wasmUrl: ${JSON.stringify(path.join(scratch, "none.wasm"))} }`);
  assert.equal(missing.kind, "load-failed");
  assert.match(missing.message, /none\.wasm/);
  const notWasm = attempt(`{ wasmPaths: ${JSON.stringify(scratch + "/")} }`);
  assert.equal(notWasm.kind, "load-failed", notWasm.message);
  const html = path.join(scratch, "page.wasm");
  fs.writeFileSync(html, "<!doctype html><title>index</title>");
  const page = attempt(`{ wasmUrl: ${JSON.stringify(html)} }`);
  assert.equal(page.kind, "load-failed");
  assert.match(page.message, /not WebAssembly.*HTML page/);
  provoked.add("load-failed");
  const bad = attempt(`{ wasmUrl: 42 }`);
  assert.equal(bad.kind, "bad-argument");
  const both = attempt(`{ wasmUrl: "a.wasm", wasmPaths: "b/" }`);
  assert.match(both.message, /one of wasmUrl, wasmPaths, wasmModule/);
  const typo = attempt(`{ wasmPath: "b/" }`);
  assert.match(typo.message, /"wasmPath".*did you mean "wasmPaths"/);
});

test("a model larger than wasm memory in the package's worker: wasm-trap, then a fresh worker", async () => {
  await pare.ready();
  await throwsKind(() => pare.run(model("huge.onnx"), { x: x([1]) }, { worker: true }), "wasm-trap", /next call starts afresh/);
  const summary = await pare.analyze(mnist, { worker: true });
  assert.ok(summary.totals.flops > 0, "the next call in a worker works");
  assert.ok(pare.inspect(mnist).node_count > 0, "this thread's module is untouched");
  pare.terminateWorker();
});

test("a model larger than wasm memory inline: wasm-trap, then every call fails without entering the module", async () => {
  await pare.ready();
  const trap = await throwsKind(() => pare.run(model("huge.onnx"), { x: x([1]) }), "wasm-trap", /out of memory/);
  assert.ok(trap.cause instanceof WebAssembly.RuntimeError, `cause: ${trap.cause}`);
  await throwsKind(() => pare.inspect(mnist), "wasm-trap", /stopped earlier.*load pare afresh/);
  await throwsKind(() => new pare.Model(mnist), "wasm-trap", /stopped earlier/);
  fs.rmSync(scratch, { recursive: true, force: true });
});

test("every kind of PARE_ERROR_KINDS was provoked above", () => {
  assert.deepEqual(PARE_ERROR_KINDS.filter((kind) => !provoked.has(kind)), [], "kinds no test here provokes");
});
