// PareError from JS: every API call throws an instance of the package's PareError class with the
// `kind` of the failure, on the paths a user hits: a call before ready(), a file that is not
// ONNX, external data, an op pare lacks, inputs that do not fit, bad options, a bad recipe, a
// model with nothing to quantize, models that differ, a node that fails, the caller's own
// onProgress exception (passed through as thrown), and last, a model that exhausts the wasm
// module's 4 GiB: "wasm-trap", after which every call fails the same way without entering the
// module. The models come from make_error_models.py (onnx's helpers). Run: node --test tests/npm/.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pare = await import(path.join(root, "pkg/index.js"));
const { PareError, PARE_ERROR_KINDS } = pare;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-errors-"));
execFileSync(path.join(root, ".venv/bin/python"), [path.join(root, "tests/npm/make_error_models.py"), scratch]);
const model = (name) => fs.readFileSync(path.join(scratch, name));
const mnist = fs.readFileSync(path.join(root, "tests/fixtures/mnist_cnn/model.onnx"));
const x = (shape) => ({ dtype: "float32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });

/** Asserts that `call` throws a PareError of `kind` whose message matches `message`. */
function throwsKind(call, kind, message) {
  assert.ok(PARE_ERROR_KINDS.includes(kind), `${kind} is a listed kind`);
  let thrown = null;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown, `expected a ${kind} PareError, nothing was thrown`);
  assert.ok(thrown instanceof PareError, `not a PareError: ${thrown?.constructor?.name}: ${thrown}`);
  assert.ok(thrown instanceof Error);
  assert.equal(thrown.name, "PareError");
  assert.equal(thrown.kind, kind, thrown.message);
  assert.match(thrown.message, message);
  return thrown;
}

test("before ready(): not-ready, for functions and the Model constructor", () => {
  throwsKind(() => pare.inspect(mnist), "not-ready", /await ready\(\)/);
  throwsKind(() => new pare.Model(mnist), "not-ready", /await ready\(\)/);
});

test("the model files a user may drop", async () => {
  await pare.ready();
  throwsKind(() => pare.inspect(new TextEncoder().encode("GIF89a not a model")), "not-onnx", /not an ONNX model/);
  throwsKind(() => new pare.Model(new Uint8Array(0)), "not-onnx", /empty/);
  throwsKind(() => pare.analyze(model("external.onnx")), "external-data", /external file \(external\.bin\)/);
  throwsKind(() => new pare.Model(model("unsupported.onnx")), "unsupported-op", /NoSuchOp/);
  throwsKind(() => pare.compare(model("relu.onnx"), model("unsupported.onnx")), "unsupported-op", /candidate.*NoSuchOp/);
  const ok = new pare.Model(mnist);
  assert.ok(ok instanceof pare.Model);
  assert.deepEqual(ok.inputNames, ["image"]);
  ok.free();
});

test("inputs, arguments, recipes and runs", async () => {
  await pare.ready();
  const relu = model("relu.onnx");
  throwsKind(() => pare.run(relu, { nope: x([1, 4]) }), "bad-input", /no input `nope`/);
  const m = new pare.Model(relu);
  throwsKind(() => m.run({ x: x([2, 3]) }), "bad-input", /shape/);
  throwsKind(() => m.run({ x: { dtype: "float32", shape: [1, 4], data: new Float32Array(3) } }), "bad-input", /input `x`/);
  assert.deepEqual(Array.from(m.run({ x: x([1, 4]) }).y.data), [0.5, 0.5, 0.5, 0.5], "the Model still works after its errors");
  m.free();
  throwsKind(() => pare.compress(mnist, { steps: [{ quantize: { mode: "weights" } }] }, { onProgress: 5 }), "bad-argument", /onProgress/);
  throwsKind(() => pare.compress(mnist, { steps: [{ no_such_step: {} }] }), "invalid-recipe", /no_such_step/);
  throwsKind(() => pare.compress(relu, { steps: [{ quantize: { mode: "weights" } }] }), "cannot-compress", /nothing to quantize/);
  throwsKind(() => pare.compress(mnist, { steps: [{ quantize: { mode: "static" } }] }), "bad-argument", /calibration/);
  throwsKind(() => pare.compare(relu, mnist), "models-differ", /different inputs/);
  throwsKind(() => pare.run(model("reshape_fail.onnx"), { x: x([1, 4]) }), "run-failed", /Reshape/);
});

test("an exception from the caller's onProgress passes through as thrown", async () => {
  await pare.ready();
  const mine = new RangeError("stop from my callback");
  let thrown = null;
  try {
    pare.compress(mnist, { steps: [{ quantize: { mode: "weights" } }] }, {
      onProgress: () => {
        throw mine;
      },
    });
  } catch (e) {
    thrown = e;
  }
  assert.equal(thrown, mine);
});

test("a model larger than wasm memory: wasm-trap, then every call fails without entering the module", async () => {
  await pare.ready();
  const trap = throwsKind(() => pare.run(model("huge.onnx"), { x: x([1]) }), "wasm-trap", /out of memory/);
  assert.ok(trap.cause instanceof WebAssembly.RuntimeError, `cause: ${trap.cause}`);
  throwsKind(() => pare.inspect(mnist), "wasm-trap", /stopped earlier.*load pare afresh/);
  throwsKind(() => new pare.Model(mnist), "wasm-trap", /stopped earlier/);
  fs.rmSync(scratch, { recursive: true, force: true });
});
