// The npm package as a user gets it: `npm pack` of pkg/ (the tarball must hold both wasm builds,
// the loader, its types and the CLI), installed offline into a fresh directory; then `npx pare`,
// a plain `import … from "pare"` in Node, and TypeScript (`tsc --noEmit`, strict, NodeNext
// resolution) type-checking a small consumer against the installed package, plus a consumer with
// type errors that tsc must reject. Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const modelPath = path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");
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

test("the tarball holds both wasm builds, the loader, its types and the CLI", () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ["package.json", "index.js", "index.d.ts", "errors.js", "simd.js", "cli.mjs", "npy_write.mjs", "npz.js", "pare.js", "pare.d.ts", "pare_bg.wasm", "pare_relaxed_bg.wasm"]) {
    assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
  }
  const size = (name) => packed.files.find((f) => f.path === name).size;
  assert.ok(Math.abs(size("pare_relaxed_bg.wasm") - size("pare_bg.wasm")) < size("pare_bg.wasm") / 10, "two builds of the same code");
  const manifest = JSON.parse(fs.readFileSync(path.join(app, "node_modules/pare/package.json"), "utf8"));
  assert.equal(manifest.bin.pare, "cli.mjs");
  assert.equal(manifest.exports["."].default, "./index.js");
  assert.equal(manifest.types, "index.d.ts");
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

test("import from \"pare\" in Node, as installed", () => {
  const script = `import { ready, inspect, simdLevel } from "pare";
import fs from "node:fs";
await ready();
console.log(JSON.stringify({ level: simdLevel(), nodes: inspect(fs.readFileSync(${JSON.stringify(modelPath)})).node_count }));`;
  fs.writeFileSync(path.join(app, "use.mjs"), script);
  const result = JSON.parse(execFileSync(process.execPath, ["use.mjs"], { cwd: app, encoding: "utf8" }));
  assert.equal(result.level, "simd128");
  assert.ok(result.nodes > 5);
});

test("TypeScript checks a consumer against the packed types, and rejects a wrong one", () => {
  const tsconfig = { compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2022", "DOM", "ESNext.Disposable"], skipLibCheck: false, types: [] } };
  fs.writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify(tsconfig));
  fs.writeFileSync(
    path.join(app, "good.mts"),
    `import init, { ready, inspect, compress, compare, Model, simdLevel, simdInfo, PareError, PARE_ERROR_KINDS } from "pare";
import type { CompressResult, PareErrorKind, Recipe, SimdLevel, Tensor } from "pare";
declare const bytes: Uint8Array;
const info = await ready({ simd: "auto" });
const level: SimdLevel | null = simdLevel();
const again: Promise<unknown> = init();
console.log(info.level, info.reason, level, simdInfo()?.relaxedAvailable, again);
const recipe: Recipe = { steps: [{ quantize: { mode: "static" } }] };
const result: CompressResult = compress(bytes, recipe, { calibrationRandom: { samples: 4 }, onProgress: (p) => console.log(p.stage) });
const model = new Model(result.model);
const input: Tensor = { dtype: "float32", shape: [1, 1, 28, 28], data: new Float32Array(784) };
const outputs = model.run({ image: input });
console.log(inspect(bytes).node_count, outputs.logits.shape, model.inputNames, compare(bytes, result.model).outputs[0].metrics.cosine);
try {
  inspect(new Uint8Array([1, 2, 3]));
} catch (e) {
  if (e instanceof PareError) {
    const kind: PareErrorKind = e.kind;
    console.log(kind === "not-onnx", e.message, PARE_ERROR_KINDS.length);
  }
}
`,
  );
  const good = spawnSync(process.execPath, [tsc, "-p", "."], { cwd: app, encoding: "utf8" });
  assert.equal(good.status, 0, good.stdout + good.stderr);

  fs.writeFileSync(
    path.join(app, "bad.mts"),
    `import { ready, compress } from "pare";
await ready({ simd: "avx512" });
compress(42, "recipe");
const kind: import("pare").PareErrorKind = "no-such-kind";
`,
  );
  const bad = spawnSync(process.execPath, [tsc, "-p", "."], { cwd: app, encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /bad\.mts.*"avx512"/);
  assert.match(bad.stdout, /bad\.mts.*42|number.*not assignable/);
  assert.match(bad.stdout, /bad\.mts.*"no-such-kind"/);
  assert.doesNotMatch(bad.stdout, /good\.mts/);
});
