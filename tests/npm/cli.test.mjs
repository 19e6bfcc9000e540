// The npm package's CLI (pkg/cli.mjs, `npx pare`) run as a process: help, inspect (text and
// JSON), compress from short flags and from a recipe file (bytes equal to the API's output for
// the same recipe and calibration digits), compare, and the exit codes of its errors (1: the
// command failed, 2: the command line is wrong). Calibration and comparison digits go in as
// .npz files written by numpy. Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

import { INT8_STATIC, imageTensor } from "./mnist.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = path.join(root, "tests/fixtures/mnist_cnn");
const modelPath = path.join(fixture, "model.onnx");
const cli = path.join(root, "pkg/cli.mjs");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-npm-cli-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// Digits as .npz, written by numpy (the CLI's .npz reader is the page's, www/npz.js).
const calibNpz = path.join(scratch, "calib.npz");
const heldoutNpz = path.join(scratch, "heldout.npz");
execFileSync(path.join(root, ".venv/bin/python"), [
  "-c",
  `import numpy as np, sys
f = sys.argv[1]
np.savez(sys.argv[2], image=(np.load(f + "/calib_pixels.npy")[:100] / 255).astype(np.float32))
np.savez_compressed(sys.argv[3], image=(np.load(f + "/heldout_pixels.npy")[:200] / 255).astype(np.float32))`,
  fixture,
  calibNpz,
  heldoutNpz,
]);

function pare(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: scratch });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--help, help COMMAND and --version", () => {
  const top = pare("--help");
  assert.equal(top.code, 0);
  assert.match(top.stdout, /pare compress MODEL -o OUT.onnx/);
  const help = pare("help", "compress");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--calib-random N/);
  assert.match(pare("compare", "-h").stdout, /--inputs FILE.npz/);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "pkg/package.json"), "utf8"));
  assert.equal(pare("--version").stdout.trim(), `pare ${pkg.version}`);
});

test("inspect: text and --json", () => {
  const text = pare("inspect", modelPath);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /input {6}image: float32/);
  assert.match(text.stdout, /compute {4}2\.27 M FLOPs, 1\.12 M MACs/);
  assert.match(text.stdout, /params {5}106 k \(414 KiB\) in 8 tensors/);
  const json = pare("inspect", modelPath, "--json");
  assert.equal(json.code, 0, json.stderr);
  const analysis = JSON.parse(json.stdout);
  assert.deepEqual(analysis.summary.outputs.map((o) => o.name), ["logits"]);
});

test("compress from short flags and from a recipe file gives the API's bytes", async () => {
  const pareApi = await import(path.join(root, "pkg/index.node.js"));
  const { parseNpy } = await import(path.join(root, "pkg/npz.js"));
  await pareApi.ready();
  const pixels = parseNpy(new Uint8Array(fs.readFileSync(path.join(fixture, "calib_pixels.npy"))));
  const expected = (await pareApi.compress(fs.readFileSync(modelPath), INT8_STATIC, { calibration: imageTensor(pixels, 100) })).model;

  const out = path.join(scratch, "flags.onnx");
  const report = path.join(scratch, "report.json");
  const flags = pare("compress", modelPath, "-o", out, "--quantize", "int8", "--calib", calibNpz, "--compare-inputs", heldoutNpz, "--report", report);
  assert.equal(flags.code, 0, flags.stderr);
  assert.match(flags.stdout, /^wrote .*flags\.onnx: .*gzip/m);
  // The native CLI's text (pare::workflow renders it for both).
  assert.match(flags.stdout, /step 1: quantize Static: \d+ layers/);
  assert.match(flags.stdout, /^200 samples: from .*heldout\.npz$/m);
  assert.match(flags.stderr, /step 1\/1: calibrate/);
  assert.deepEqual(new Uint8Array(fs.readFileSync(out)), expected);
  const full = JSON.parse(fs.readFileSync(report, "utf8"));
  assert.ok(full.compare.outputs[0].agreement.top1_rate >= 0.97, `top-1 ${full.compare.outputs[0].agreement.top1_rate}`);

  const recipeFile = path.join(scratch, "recipe.json");
  fs.writeFileSync(recipeFile, JSON.stringify(INT8_STATIC));
  const fromRecipe = path.join(scratch, "recipe.onnx");
  const r = pare("compress", modelPath, "--out", fromRecipe, "--recipe", recipeFile, "--calib", calibNpz, "--no-compare");
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^\d+ samples: /m);
  assert.deepEqual(new Uint8Array(fs.readFileSync(fromRecipe)), expected);

  // Short flags map onto the recipe JSON the native CLI builds.
  const printed = pare("compress", modelPath, "-o", path.join(scratch, "p.onnx"), "--prune", "unstructured:0.5", "--prune-global",
    "--quantize", "int8-weights", "--per-tensor", "--exclude", "fc2", "--calib-random", "4", "--no-compare", "--print-recipe");
  assert.equal(printed.code, 0, printed.stderr);
  // The recipe as applied (defaults filled in), pretty-printed before the summary.
  const recipe = JSON.parse(printed.stdout.slice(0, printed.stdout.indexOf("\n}\n") + 2));
  const [prune, quantize] = recipe.steps;
  assert.deepEqual(recipe.steps.map((s) => Object.keys(s)[0]), ["prune", "quantize"]);
  assert.deepEqual([prune.prune.method, prune.prune.ratio, prune.prune.scope, prune.prune.exclude], ["unstructured", 0.5, "global", ["fc2"]]);
  assert.deepEqual([quantize.quantize.mode, quantize.quantize.per_channel, quantize.quantize.exclude], ["weights", false, ["fc2"]]);
});

test("compare two models on an .npz, as JSON", () => {
  const out = path.join(scratch, "dyn.onnx");
  assert.equal(pare("compress", modelPath, "-o", out, "--quantize", "int8-weights", "--no-compare").code, 0);
  const r = pare("compare", modelPath, out, "--inputs", heldoutNpz, "--samples", "50", "--json");
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.samples, 50);
  assert.ok(report.outputs[0].metrics.cosine > 0.99);
  const same = pare("compare", modelPath, modelPath);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /logits: .*SQNR exact/);
});

test("errors: exit 1 when the command fails, 2 when the command line is wrong", () => {
  const notOnnx = pare("inspect", path.join(root, "README.md"));
  assert.equal(notOnnx.code, 1);
  assert.match(notOnnx.stderr, /^pare: error\[not-onnx\]: `.*README\.md`: /);
  assert.equal(notOnnx.stderr.trim().split("\n").length, 1, "one line");
  const missing = pare("inspect", path.join(scratch, "nope.onnx"));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read `.*nope\.onnx`: No such file/);
  const noCalib = pare("compress", modelPath, "-o", path.join(scratch, "x.onnx"), "--quantize", "int8");
  assert.equal(noCalib.code, 1);
  assert.match(noCalib.stderr, /calibration/);

  for (const [args, message] of [
    [["frobnicate"], /no command `frobnicate`/],
    [["inspect"], /needs a MODEL/],
    [["inspect", modelPath, "--colour"], /--colour/],
    [["compress", modelPath, "--quantize", "int8"], /needs -o OUT\.onnx/],
    [["compress", modelPath, "-o", "x.onnx"], /nothing to do/],
    [["compress", modelPath, "-o", "x.onnx", "--quantize", "int4"], /--quantize `int4`/],
    [["compress", modelPath, "-o", "x.onnx", "--prune", "unstructured"], /--prune `unstructured`/],
    [["compress", modelPath, "-o", "x.onnx", "--recipe", "r.json", "--quantize", "int8"], /give one or the other/],
    [["compress", modelPath, "-o", "x.onnx", "--quantize", "int8", "--calib-random", "0"], /--calib-random needs at least 1 sample/],
    [["compare", modelPath], /takes two models/],
  ]) {
    const r = pare(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test("writes: an output that is an input is refused, a failed command leaves nothing behind", () => {
  const dir = fs.mkdtempSync(path.join(scratch, "writes-"));
  const model = path.join(dir, "model.onnx");
  fs.copyFileSync(modelPath, model);
  const original = fs.readFileSync(model);
  fs.symlinkSync(model, path.join(dir, "link.onnx"));
  fs.linkSync(model, path.join(dir, "hard.onnx"));
  for (const out of ["link.onnx", "hard.onnx", "sub/../model.onnx"]) {
    fs.mkdirSync(path.join(dir, "sub"), { recursive: true });
    // Not path.join, which would resolve `..` before pare sees it.
    const r = pare("compress", model, "-o", `${dir}/${out}`, "--quantize", "int8-weights", "--no-compare");
    assert.equal(r.code, 2, `${out}: ${r.stderr}`);
    assert.match(r.stderr, /is the same file as/);
  }
  // `run --out DIR` would write DIR/logits.npy, which is the --input file.
  const input = path.join(dir, "sub", "logits.npy");
  fs.writeFileSync(input, "not read");
  const run = pare("run", model, "--input", `image=${input}`, "--out", path.join(dir, "sub"));
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /is the same file as/);
  assert.equal(fs.readFileSync(input, "utf8"), "not read");
  assert.deepEqual(fs.readFileSync(model), original, "the model is untouched");
  // The report cannot be written: the model is not written either, and no temporary file stays.
  const failed = pare("compress", model, "-o", path.join(dir, "out.onnx"), "--quantize", "int8-weights", "--no-compare",
    "--report", path.join(dir, "no/such/report.json"));
  assert.equal(failed.code, 1, failed.stderr);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["hard.onnx", "link.onnx", "model.onnx", "sub"]);
  // An earlier output is replaced whole (it is no input).
  for (let i = 0; i < 2; i++) {
    const ok = pare("compress", model, "-o", path.join(dir, "out.onnx"), "--quantize", "int8-weights", "--no-compare");
    assert.equal(ok.code, 0, ok.stderr);
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), ["hard.onnx", "link.onnx", "model.onnx", "out.onnx", "sub"]);
});

// --- run, --dim and --shape ----------------------------------------------------------------------

// A model with a symbolic batch dim (onnx's helpers), for --dim/--shape: y = Relu(x), x [batch, 3].
const dynPath = path.join(scratch, "symbolic_batch.onnx");
execFileSync(path.join(root, ".venv/bin/python"), [
  "-c",
  `import onnx, sys
from onnx import TensorProto, helper
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])
g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "dyn", [x], [y])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), sys.argv[1])`,
  dynPath,
]);

/** Runs `python -c code args…` in the venv and parses its last stdout line as JSON. */
function python(code, ...args) {
  const out = execFileSync(path.join(root, ".venv/bin/python"), ["-c", code, ...args], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1));
}

test("run on real digits from .npy: the logits file numpy reads equals onnxruntime's", () => {
  const digits = path.join(scratch, "digits.npy");
  execFileSync(path.join(root, ".venv/bin/python"), [
    "-c",
    `import numpy as np, sys; np.save(sys.argv[2], (np.load(sys.argv[1] + "/heldout_pixels.npy")[:5] / 255).astype(np.float32))`,
    fixture,
    digits,
  ]);
  const out = path.join(scratch, "run-digits");
  const r = pare("run", modelPath, "--input", `image=${digits}`, "--out", out, "--repeat", "3");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^logits {2}float32 \[5, 10\] {2}min -?[\d.]+ {2}max [\d.]+ {2}mean -?[\d.]+ {2}→ .*logits\.npy$/m);
  assert.match(r.stderr, /ran 3 times: min .* median .* mean .*prepare/);
  const check = python(
    `import json, sys, numpy as np, onnxruntime as ort
got = np.load(sys.argv[3] + "/logits.npy")
x = np.load(sys.argv[2])
want = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
print(json.dumps({"dtype": str(got.dtype), "shape": list(got.shape), "diff": float(np.abs(got - want).max()),
  "argmax": (got.argmax(1) == want.argmax(1)).all().item(), "min": float(got.min())}))`,
    modelPath,
    digits,
    out,
  );
  assert.equal(check.dtype, "float32");
  assert.deepEqual(check.shape, [5, 10]);
  assert.ok(check.diff < 1e-4, `max |pare - onnxruntime| = ${check.diff}`);
  assert.ok(check.argmax);
  // The printed min is the file's min with six significant digits.
  const printedMin = Number(/min (-?[\d.e-]+)/.exec(r.stdout)[1]);
  assert.ok(Math.abs(printedMin - check.min) <= Math.abs(check.min) * 1e-5, `${printedMin} vs ${check.min}`);

  // A model with one input also takes --input FILE.npy.
  const bare = pare("run", modelPath, "--input", digits);
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(bare.stdout.split("  →")[0].trim(), r.stdout.split("  →")[0].trim());
});

test("run --random: the API's randomInputs for the seed, and --dim/--shape size symbolic dims", async () => {
  const pareApi = await import(path.join(root, "pkg/index.node.js"));
  await pareApi.ready();
  const out = path.join(scratch, "run-random");
  const r = pare("run", modelPath, "--random", "--seed", "3", "--out", out);
  assert.equal(r.code, 0, r.stderr);
  const inputs = pareApi.randomInputs(fs.readFileSync(modelPath), { seed: 3 });
  assert.deepEqual(inputs.image.shape, [1, 1, 28, 28]);
  assert.ok(inputs.image.data.every((v) => v >= -1 && v < 1), "floats in [-1, 1)");
  const want = (await pareApi.run(fs.readFileSync(modelPath), inputs)).logits.data;
  const file = fs.readFileSync(path.join(out, "logits.npy"));
  const got = new Float32Array(file.buffer.slice(file.byteOffset + file.length - 40, file.byteOffset + file.length));
  assert.deepEqual(Array.from(got), Array.from(want), "the CLI ran the API's random inputs for seed 3");
  const other = pare("run", modelPath, "--random", "--seed", "4");
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stdout, /^logits {2}float32 \[1, 10\]/);
  assert.notEqual(other.stdout.trim(), r.stdout.split("  →")[0].trim(), "another seed, other outputs");

  const dims = pare("run", dynPath, "--random", "--dim", "batch=5");
  assert.equal(dims.code, 0, dims.stderr);
  assert.match(dims.stdout, /^y {2}float32 \[5, 3\] {2}min 0 /m);
  const shape = pare("run", dynPath, "--random", "--shape", "x=2,3");
  assert.match(shape.stdout, /^y {2}float32 \[2, 3\]/m);
  const unknownDim = pare("run", dynPath, "--random", "--dim", "nope=2");
  assert.equal(unknownDim.code, 1);
  assert.match(unknownDim.stderr, /dim `nope` is set but no input declares it/);

  const compared = pare("compare", dynPath, dynPath, "--dim", "batch=7", "--samples", "2", "--json");
  assert.equal(compared.code, 0, compared.stderr);
  const report = JSON.parse(compared.stdout);
  assert.equal(report.samples, 2);
  assert.match(report.input_source, /batch=7/);
  const compressed = pare("compress", modelPath, "-o", path.join(scratch, "d.onnx"), "--quantize", "int8", "--calib-random", "2", "--dim", "nope=2");
  assert.equal(compressed.code, 2, "checked with the command line, before any work");
  assert.match(compressed.stderr, /dim `nope`/);

  for (const [args, message] of [
    [["run", modelPath], /no data for input `image`: give --input NAME=FILE\.npy or --random/],
    [["run", modelPath, "--seed", "2"], /add --random/],
    [["run", dynPath, "--random", "--dim", "batch=0"], /`0` is not a whole number ≥ 1/],
    [["run", dynPath, "--random", "--dim", "batch"], /expected NAME=SIZE/],
    [["run", dynPath, "--random", "--shape", "x=2,a"], /`a` is not a whole number/],
    [["compare", modelPath, modelPath, "--inputs", heldoutNpz, "--dim", "batch=2"], /not both/],
  ]) {
    const e = pare(...args);
    assert.equal(e.code, 2, `${args.join(" ")}: ${e.stderr}`);
    assert.match(e.stderr, message);
  }
});
