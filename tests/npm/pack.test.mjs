// The npm package as a user gets it: `npm pack` of pkg/ (the tarball must hold both wasm builds,
// the entry points, their types and the CLI; its size is printed), installed offline into a
// fresh directory; then `npx pare`, a plain `import … from "pare"` and "pare/sync" in Node, and
// TypeScript (`tsc --noEmit`, strict, NodeNext resolution, `lib: ["ES2022"]` without the DOM)
// type-checking a small consumer against the installed package, consumers with type errors that
// tsc must reject (a misspelt mode, two steps in one, an unknown option…), and an onnxruntime-web
// `ort.Tensor` passed as an input; `npx pare compress` on a real PaddleOCR model of the corpus
// (scripts/corpus/fetch.py), its output run in onnxruntime-node. Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { corpusModel } from "./corpus.mjs";

const require = createRequire(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const modelPath = path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
const tscPath = path.join(root, "node_modules/typescript/bin/tsc");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-npm-pack-"));
const app = path.join(scratch, "app");
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// npm without the network or the user's cache: a tarball with no dependencies needs neither.
const npmEnv = { ...process.env, npm_config_offline: "true", npm_config_cache: path.join(scratch, "npm-cache"), npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
const npm = (args, cwd) => execFileSync("npm", args, { cwd, env: npmEnv, encoding: "utf8" });

let packed;
before(() => {
  [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], path.join(root, "pkg")));
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", path.join(scratch, packed.filename)], app);
});

/** The files the tarball must hold: the entry points, their modules, types, CLI, both builds, the
 * tiny .pare decoder. */
const PACKAGE_FILES = [
  "container.js", "container.node.js", "container.d.ts", "pare_container.wasm",
  "package.json", "index.js", "index.node.js", "sync.js", "sync.node.js", "worker.js", "worker.node.js", "api.js", "client.js",
  "core.js", "errors.js", "options.js", "platform.node.js", "simd.js", "worker_core.js", "pare.js", "index.d.ts", "types.d.ts",
  "sync.d.ts", "worker.d.ts", "cli.mjs", "npy_write.mjs", "npz.js", "pare_bg.wasm", "pare_relaxed_bg.wasm",
];

test("the tarball holds both wasm builds, the entry points, their types and the CLI", () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of PACKAGE_FILES) assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
  assert.ok(!files.includes("pare.d.ts"), "the glue's DOM-typed declarations are not shipped");
  const size = (name) => packed.files.find((f) => f.path === name).size;
  assert.ok(Math.abs(size("pare_relaxed_bg.wasm") - size("pare_bg.wasm")) < size("pare_bg.wasm") / 10, "two builds of the same code");
  const manifest = JSON.parse(fs.readFileSync(path.join(app, "node_modules/pare/package.json"), "utf8"));
  assert.equal(manifest.bin.pare, "cli.mjs");
  assert.deepEqual(manifest.exports["."], { types: "./index.d.ts", node: "./index.node.js", browser: "./index.js", import: "./index.js", default: "./index.js" });
  assert.equal(manifest.exports["./wasm/simd128"], "./pare_bg.wasm");
  assert.equal(manifest.exports["./wasm/relaxed"], "./pare_relaxed_bg.wasm");
  assert.equal(manifest.exports["./worker"].default, "./worker.js");
  assert.deepEqual(manifest.exports["./container"], { types: "./container.d.ts", node: "./container.node.js", default: "./container.js" });
  assert.equal(manifest.types, "index.d.ts");
  // Nothing a browser loads names a Node module (the node: ones live in *.node.js and cli.mjs).
  for (const f of files.filter((f) => f.endsWith(".js") && !f.endsWith(".node.js"))) {
    assert.doesNotMatch(fs.readFileSync(path.join(app, "node_modules/pare", f), "utf8"), /from "node:|import\("node:/, `${f} imports a Node module`);
  }
  console.log(
    `package size: tarball ${packed.size} bytes (${(packed.size / 1e6).toFixed(2)} MB), unpacked ${packed.unpackedSize} bytes in ${packed.entryCount} files; ` +
      `pare_bg.wasm ${size("pare_bg.wasm")}, pare_relaxed_bg.wasm ${size("pare_relaxed_bg.wasm")}`,
  );
});

test("npx pare runs the installed CLI offline", () => {
  const run = (...args) => spawnSync("npx", ["--offline", "--no", "pare", ...args], { cwd: app, env: npmEnv, encoding: "utf8" });
  const inspect = run("inspect", modelPath);
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.match(inspect.stdout, /output {5}logits: float32/);
  const out = path.join(scratch, "w.onnx");
  const compress = run("compress", modelPath, "-o", out, "--quantize", "int8-weights", "--no-compare");
  assert.equal(compress.status, 0, compress.stderr);
  assert.ok(fs.statSync(out).size < fs.statSync(modelPath).size / 3);
  const bad = run("compress", modelPath);
  assert.equal(bad.status, 2);
});

// Issue 11's "done when" in npm: a new user's three first commands on a PaddleOCR model at
// opset 11 with symbolic dims succeed with no extra flag (per-channel: the model is upgraded).
const FIRST_COMMANDS = [
  { flags: ["--quantize", "int8", "--calib-random", "8"], maxRatio: 0.7, maxAbs: 0.5, says: /random inputs: x 1×3×\d+×\d+ \(searched/ },
  { flags: ["--quantize", "int8-weights"], maxRatio: 0.7, maxAbs: 0.5, says: /upgraded ai\.onnx 11 → 13/ },
  // 25 % of the filters removed without fine-tuning: the output only has to be a valid one (below).
  { flags: ["--prune", "filter:0.25"], maxRatio: 0.9, maxAbs: Infinity, says: /random inputs for the comparison: x 1×3×\d+×\d+ \(searched/ },
];

for (const { flags, maxRatio, maxAbs, says } of FIRST_COMMANDS) {
  test(`npx pare compress ${flags.join(" ")} on a real PaddleOCR model (opset 11, [-1, 3, ?, ?]); onnxruntime-node runs the output`, async () => {
    const model = corpusModel("ppocr_mobile_cls");
    const out = path.join(scratch, `ppocr_cls.${flags.join("_").replace(/[^a-z0-9_.]/gi, "")}.onnx`);
    const r = spawnSync("npx", ["--offline", "--no", "pare", "compress", model, "-o", out, ...flags], { cwd: app, env: npmEnv, encoding: "utf8" });
    console.log(r.stdout);
    assert.equal(r.status, 0, r.stderr);
    // The text is the workflow's (the same as the native CLI's).
    assert.match(r.stdout, says);
    assert.ok(fs.statSync(out).size < fs.statSync(model).size * maxRatio, "smaller than the input");
    const ort = require("onnxruntime-node");
    const quiet = { logSeverityLevel: 3 }; // onnxruntime's warnings about unused initializers
    const original = await ort.InferenceSession.create(model, quiet);
    const compressed = await ort.InferenceSession.create(out, quiet);
    const data = Float32Array.from({ length: 3 * 48 * 192 }, (_, i) => Math.sin(i) * 0.8);
    const feeds = { [original.inputNames[0]]: new ort.Tensor("float32", data, [1, 3, 48, 192]) };
    const a = (await original.run(feeds))[original.outputNames[0]];
    const b = (await compressed.run(feeds))[compressed.outputNames[0]];
    assert.deepEqual(b.dims, a.dims);
    assert.ok(b.data.every(Number.isFinite));
    // The classifier's output is a softmax over its two orientations: each row still sums to 1.
    const sum = b.data.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - b.dims[0]) < 1e-3, `rows sum to ${sum}, not ${b.dims[0]}`);
    assert.ok(Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]))) < maxAbs);
  });
}

test("import from \"pare\" and \"pare/sync\" in Node, as installed", () => {
  const script = `import { ready, inspect, compress, simdLevel } from "pare";
import * as sync from "pare/sync";
import fs from "node:fs";
await ready();
await sync.ready();
const bytes = fs.readFileSync(${JSON.stringify(modelPath)});
const { report } = await compress(bytes, { steps: [{ quantize: { mode: "weights" } }] });
console.log(JSON.stringify({ level: simdLevel(), nodes: inspect(bytes).node_count, after: report.after.bytes, sync: sync.compress(bytes, { steps: [{ quantize: { mode: "weights" } }] }).report.after.bytes }));`;
  fs.writeFileSync(path.join(app, "use.mjs"), script);
  const result = JSON.parse(execFileSync(process.execPath, ["use.mjs"], { cwd: app, encoding: "utf8" }));
  assert.equal(result.level, "simd128");
  assert.ok(result.nodes > 5);
  assert.equal(result.after, result.sync);
});

/** tsc over the app with `compilerOptions` (strict, NodeNext); resolves to { status, output }. */
function tsc(name, compilerOptions, files) {
  const tsconfig = { compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", skipLibCheck: false, types: [], ...compilerOptions }, files };
  fs.writeFileSync(path.join(app, name), JSON.stringify(tsconfig));
  const r = spawnSync(process.execPath, [tscPath, "-p", name], { cwd: app, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

const GOOD = `import init, { ready, inspect, analyze, run, compress, compressJob, compressCommand, inputSizes, compare, Model, simdLevel, simdInfo, PareError, PARE_ERROR_KINDS, pack, decode } from "pare";
import type { CommandOutput, CompressJobResult, CompressResult, CompressReport, InputSizes, PackResult, PareErrorKind, Recipe, SimdLevel, Tensor, TensorsInput } from "pare";
import * as sync from "pare/sync";
import { loadDecoder } from "pare/container";
import type { ContainerDecoder, ContainerErrorCode } from "pare/container";
declare const bytes: Uint8Array;
declare const console: { log(...values: unknown[]): void }; // ES2022 alone has no console
const info = await ready({ simd: "auto", worker: true });
const level: SimdLevel | null = simdLevel();
const again: Promise<unknown> = init();
console.log(info.level, info.reason, info.source, level, simdInfo()?.relaxedAvailable, again);
const recipe: Recipe = { steps: [{ prune: { method: "nm", n: 2, m: 4 } }, { quantize: { mode: "int8", calibration: { method: "percentile", percentile: 99.9 } } }] };
const result: CompressResult = await compress(bytes, recipe, { calibrationRandom: { samples: 4 }, onProgress: (p) => console.log(p.stage, p.done) });
const report: CompressReport = result.report;
for (const step of report.steps) {
  if ("quantize" in step) console.log(step.quantize.layers.length, step.quantize.folded_activations);
  else if ("prune" in step) console.log(step.prune.totals.sparsity);
}
const model = new Model(result.model);
const input: Tensor = { dtype: "float32", shape: [1, 1, 28, 28], data: new Float32Array(784) };
const ortForm: TensorsInput = { image: { type: "float32", dims: [1, 1, 28, 28], data: new Float32Array(784) } };
const outputs = model.run({ image: input });
const viaPromise = await run(bytes, ortForm, { worker: false });
console.log(inspect(bytes).node_count, outputs.logits.shape, viaPromise.logits.dtype, model.inputNames, (await compare(bytes, result.model)).outputs[0].metrics.cosine);
console.log((await analyze(bytes)).weights[0]?.stats?.histogram.counts, sync.compress(bytes, recipe, { calibrationRandom: { samples: 2 } }).model.length);
const job: CompressJobResult = await compressJob(bytes, recipe, { calibrationRandom: { samples: 4 }, random: { seed: 1, dims: { height: 28 } }, worker: true });
console.log(job.compare?.outputs[0].metrics.sqnr_db, job.compareError, job.warnings.join(" "), job.inputSizes?.summary, job.report.bytes_after.graph);
const packed: PackResult = pack(bytes);
const tiny: ContainerDecoder = await loadDecoder();
const code: ContainerErrorCode = "truncated";
console.log(packed.report.containerBytes, decode(packed.container).length, sync.decode(sync.pack(bytes).container).length, tiny.decode(packed.container).length, code);
const sizes: InputSizes = await inputSizes(bytes, { dims: { N: 1 } });
console.log(sizes.source === "searched", sizes.inputs[0][1].length, sync.inputSizes(bytes).chosen);
const cli: CommandOutput = compressCommand(["m.onnx", "-o", "o.onnx", "--quantize", "int8-weights"], () => bytes, (line) => console.log(line));
console.log(cli.error?.usage, cli.files.map(([name, data]) => name + data.length));
try {
  inspect(new Uint8Array([1, 2, 3]));
} catch (e) {
  if (e instanceof PareError) {
    const kind: PareErrorKind = e.kind;
    console.log(kind === "not-onnx", kind === "model-freed", e.message, PARE_ERROR_KINDS.length);
  }
}
`;

test("TypeScript checks a consumer against the packed types with lib ES2022 alone, and rejects wrong ones", () => {
  fs.writeFileSync(path.join(app, "good.mts"), GOOD);
  // No DOM, no @types/node: the package's types must stand on ES2022 alone.
  const good = tsc("tsconfig.json", { lib: ["ES2022"] }, ["good.mts"]);
  assert.equal(good.status, 0, good.output);
  const withDom = tsc("tsconfig.dom.json", { lib: ["ES2022", "DOM", "DOM.Iterable"] }, ["good.mts"]);
  assert.equal(withDom.status, 0, `with the DOM lib too: ${withDom.output}`);

  const bad = [
    ['await ready({ simd: "avx512" });', /"avx512"/],
    ['await compress(new Uint8Array(), { steps: [{ quantize: { mode: "statik" } }] });', /"statik"/],
    ['await compress(new Uint8Array(), { steps: [{ quantize: { mode: "static" }, prune: { method: "filter", ratio: 0.5 } }] });', /not assignable/],
    ['await compress(new Uint8Array(), { steps: [{ prune: { method: "nm", ratio: 0.5 } }] });', /ratio|'n'/],
    ['await compress(new Uint8Array(), { steps: [{ prune: { method: "filter", ratio: 0.5, round_to: 4 } }] });', /round_to|4/],
    ['await compress(new Uint8Array(), { steps: [] }, { calibrationRandm: { samples: 4 } });', /calibrationRandm/],
    ['await compress(new Uint8Array(), { steps: [] }, { calibration: {}, calibrationRandom: {} });', /not assignable/],
    ['await compress(42, "recipe");', /number.*not assignable|42/],
    ['const kind: import("pare").PareErrorKind = "no-such-kind";', /"no-such-kind"/],
    ['const c: import("pare/container").ContainerErrorCode = "truncatd";', /"truncatd"/],
    ['const t: import("pare").Tensor = { dtype: "float33", shape: [1], data: new Float32Array(1) };', /"float33"/],
    ['const r: import("pare").CompressResult = await compress(new Uint8Array(), { steps: [] }); r.report.steps[0].quantize;', /quantize/],
    ['await compressJob(new Uint8Array(), { steps: [] }, { compareInput: {} });', /compareInput/],
    ['const s: import("pare").InputSizes = await compressJob(new Uint8Array(), { steps: [] }).then((j) => j.inputSizes);', /undefined/],
  ];
  for (const [i, [line, message]] of bad.entries()) {
    fs.writeFileSync(path.join(app, `bad${i}.mts`), `import { ready, compress, compressJob } from "pare";\n${line}\nexport {};\n`);
    const r = tsc("tsconfig.bad.json", { lib: ["ES2022"] }, [`bad${i}.mts`]);
    assert.notEqual(r.status, 0, `tsc accepted: ${line}`);
    assert.match(r.output, message, `${line}: ${r.output}`);
  }
});

test("TypeScript: an onnxruntime-web ort.Tensor is a TensorInput", () => {
  // onnxruntime-web's types, linked from the workspace (they need the DOM lib).
  for (const name of ["onnxruntime-web", "onnxruntime-common"]) {
    const link = path.join(app, "node_modules", name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(root, "node_modules", name), link, "dir");
  }
  fs.writeFileSync(
    path.join(app, "ort.mts"),
    `import * as ort from "onnxruntime-web";
import { run, compress, Model } from "pare";
declare const bytes: Uint8Array;
const x = new ort.Tensor("float32", new Float32Array(784), [1, 1, 28, 28]);
await run(bytes, { image: x });
await compress(bytes, { steps: [{ quantize: { mode: "static" } }] }, { calibration: new Map([["image", x]]) });
new Model(bytes).run({ image: x });
`,
  );
  const r = tsc("tsconfig.ort.json", { lib: ["ES2022", "DOM", "DOM.Iterable"], skipLibCheck: true }, ["ort.mts"]);
  assert.equal(r.status, 0, r.output);
});
