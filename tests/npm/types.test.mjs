// The package's TypeScript types (js/types.d.ts) against the Rust code they describe, so the two
// cannot drift apart:
//  - the recipe: the wasm build's serde errors list every field and every value each step
//    accepts ("unknown field `__probe`, expected one of …"); the TypeScript compiler API reads
//    the same step types from types.d.ts; the field sets must be equal, every value serde names
//    must be in the TypeScript union, and every value of the union must be accepted by the wasm
//    (so an alias such as "int8" is typed only if pare takes it);
//  - the reports: what compress (every step kind), compressJob, inputSizes, compare and analyze return for the MNIST CNN
//    is written as object literals of the declared types and type-checked with tsc, whose excess
//    property checks reject a key the types lack and whose assignability rejects a missing one or
//    a wrong type; a report with a key added must fail (the check can fail).
// Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pare = await import(path.join(root, "pkg/sync.node.js"));
await pare.ready();
const mnist = fs.readFileSync(path.join(root, "tests/fixtures/mnist_cnn/model.onnx"));
const typesFile = path.join(root, "pkg/types.d.ts");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-types-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// --- what the wasm build accepts -------------------------------------------------------------

/** The message compress gives for `step` (a recipe of that one step), or null when it works. */
function recipeError(step) {
  try {
    pare.compress(mnist, { steps: [step] }, { calibrationRandom: { samples: 2 } });
    return null;
  } catch (e) {
    return e.message;
  }
}

/** serde's list after "expected one of" (or "expected `x`") in the error for `step`. */
function serdeList(step) {
  const message = recipeError(step) ?? "";
  const list = /expected (?:one of )?((?:`[^`]*`(?:, | or )?)+)/.exec(message);
  assert.ok(list, `no list in: ${message}`);
  return [...list[1].matchAll(/`([^`]*)`/g)].map((m) => m[1]).sort();
}

const P = "__probe";
/** Each recipe struct: how to make serde list its fields, and the TypeScript type that declares them. */
const STRUCTS = [
  { ts: "RecipeStep", probe: { [P]: {} }, variants: true },
  { ts: "QuantizeStep", probe: { quantize: { [P]: 1, mode: "static" } } },
  { ts: "CalibrationSpec", probe: { quantize: { mode: "static", calibration: { [P]: 1 } } } },
  { ts: "PruneStep", probe: { prune: { [P]: 1, method: "unstructured", ratio: 0.5 } } },
  { ts: "AutoSpec", probe: { prune: { method: "unstructured", auto: { [P]: 1, target: 0.5 } } } },
  { ts: "BinarizeStep", probe: { binarize: { [P]: 1 } } },
];
/** Each enum-valued field: a step with the value at `value`, and the TypeScript property. */
const ENUMS = [
  { ts: ["QuantizeStep", "mode"], step: (v) => ({ quantize: { mode: v } }) },
  { ts: ["QuantizeStep", "weight_type"], step: (v) => ({ quantize: { mode: "static", weight_type: v } }) },
  { ts: ["QuantizeStep", "activation_type"], step: (v) => ({ quantize: { mode: "static", activation_type: v } }) },
  { ts: ["CalibrationSpec", "method"], step: (v) => ({ quantize: { mode: "static", calibration: { method: v } } }) },
  { ts: ["PruneStep", "method"], step: (v) => ({ prune: { method: v, ratio: 0.5 } }) },
  { ts: ["PruneStep", "scope"], step: (v) => ({ prune: { method: "unstructured", ratio: 0.5, scope: v } }) },
  { ts: ["PruneStep", "criterion"], step: (v) => ({ prune: { method: "vector", ratio: 0.5, criterion: v } }) },
  { ts: ["PruneStep", "correct"], step: (v) => ({ prune: { method: "unstructured", ratio: 0.5, correct: v } }) },
  { ts: ["AutoSpec", "metric"], step: (v) => ({ prune: { method: "unstructured", auto: { target: 0.5, metric: v } } }) },
  { ts: ["BinarizeStep", "threshold"], step: (v) => ({ binarize: { activations: true, threshold: v } }) },
];

// --- what types.d.ts declares ----------------------------------------------------------------

const program = ts.createProgram([typesFile], { strict: true, noEmit: true, lib: ["lib.es2022.d.ts"], types: [] });
const checker = program.getTypeChecker();
const exported = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(typesFile))).map((s) => [s.name, s]));

/** The members of a declared type (a union's members, else the type itself). */
function members(name) {
  const symbol = exported.get(name);
  assert.ok(symbol, `types.d.ts exports ${name}`);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  return type.isUnion() ? type.types : [type];
}

/** Property names across the members; `required` keeps only non-optional ones (RecipeStep's
 * `prune?: never` siblings are not keys of that member). */
function keysOf(name, required = false) {
  const keys = new Set();
  for (const m of members(name)) {
    for (const p of checker.getPropertiesOfType(m)) {
      if (!required || !(p.flags & ts.SymbolFlags.Optional)) keys.add(p.name);
    }
  }
  return [...keys].sort();
}

/** The literal values a property takes across the members. */
function literalsOf(name, property) {
  const values = new Set();
  for (const m of members(name)) {
    const p = checker.getPropertyOfType(m, property);
    if (!p) continue;
    const t = checker.getTypeOfSymbol(p);
    for (const u of t.isUnion() ? t.types : [t]) if (u.isLiteral()) values.add(u.value);
  }
  return [...values].sort();
}

test("recipe types: the same fields as the Rust specs", () => {
  for (const s of STRUCTS) {
    const rust = serdeList(s.probe);
    const typed = keysOf(s.ts, s.variants);
    assert.deepEqual(typed, rust, `${s.ts}: types.d.ts has [${typed}], the wasm build takes [${rust}]`);
  }
});

test("recipe types: every value serde takes is typed, and every typed value is taken", () => {
  for (const e of ENUMS) {
    const rust = serdeList(e.step(P));
    const typed = literalsOf(...e.ts);
    assert.ok(typed.length > 0, `${e.ts.join(".")} is a literal union`);
    for (const v of rust) assert.ok(typed.includes(v), `${e.ts.join(".")}: "${v}" is taken by pare but not typed`);
    for (const v of typed) {
      const error = recipeError(e.step(v)) ?? "";
      assert.doesNotMatch(error, /unknown variant/, `${e.ts.join(".")}: "${v}" is typed but pare refuses it`);
    }
  }
  // The one numeric union: prune.round_to.
  assert.deepEqual(literalsOf("PruneStep", "round_to"), [1, 16, 8]);
  for (const v of [1, 8, 16]) assert.equal(recipeError({ prune: { method: "filter", ratio: 0.25, round_to: v } }), null);
  assert.match(recipeError({ prune: { method: "filter", ratio: 0.25, round_to: 4 } }), /round_to/);
});

// --- reports ---------------------------------------------------------------------------------

const calibrationRandom = { samples: 4 };
function reports() {
  const recipes = [
    [{ quantize: { mode: "static", calibration: { method: "percentile" } } }],
    [{ quantize: { mode: "weights", per_channel: false } }],
    [{ quantize: { mode: "dynamic" } }],
    [{ prune: { method: "unstructured", ratio: 0.5, correct: "lsq" } }, { quantize: { mode: "static" } }],
    [{ prune: { method: "filter", ratio: 0.25 } }],
    [{ prune: { method: "nm", n: 2, m: 4 } }],
    [{ prune: { method: "unstructured", auto: { target: 0.4, max_samples: 2, grid: [0.2, 0.4, 0.6] } } }],
    [{ binarize: { activations: true } }],
    [{ binarize: { activations: true, threshold: "calibrated" } }],
    [{ opset: 17 }, { quantize: { mode: "weights" } }],
  ];
  return recipes.map((steps) => pare.compress(mnist, { steps }, { calibrationRandom }));
}

/** compressJob's results: compared on random samples (with their sizes), and on calibration. */
function jobs() {
  const weights = { steps: [{ quantize: { mode: "weights" } }] };
  const results = [
    pare.compressJob(mnist, weights, { random: { seed: 1 } }),
    pare.compressJob(mnist, { steps: [{ quantize: { mode: "static" } }] }, { calibrationRandom: { samples: 4 } }),
  ];
  assert.ok(results[0].inputSizes && results[0].compare, "random comparison samples: their sizes are reported");
  return results;
}

/** tsc over one file of `const` declarations of the package's types; resolves to its output. */
function typecheck(name, declarations) {
  const file = path.join(scratch, `${name}.mts`);
  const lines = declarations.map(([type, value], i) => `export const v${i}: ${type} = ${JSON.stringify(value)};`);
  fs.writeFileSync(file, `import type { CompressJobResult, CompressResult, CompareReport, InputSizes, ModelAnalysis, ModelSummary, Recipe } from ${JSON.stringify(path.join(root, "pkg/types.js"))};\n${lines.join("\n")}\n`);
  const config = path.join(scratch, `${name}.tsconfig.json`);
  const compilerOptions = { noEmit: true, strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022"], types: [] };
  fs.writeFileSync(config, JSON.stringify({ compilerOptions, files: [file] }));
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", config], { encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

test("report types: what compress, compare, analyze and inspect return type-checks as declared", () => {
  const results = reports();
  const compared = pare.compare(mnist, results[0].model, { random: { samples: 2 } });
  const declarations = [
    ...results.map((r) => ['CompressResult["report"]', r.report]),
    ...results.map((r) => ["Recipe", r.recipe]),
    ["CompareReport", compared],
    ["ModelAnalysis", pare.analyze(mnist)],
    ["ModelAnalysis", pare.analyze(results[0].model)],
    ["ModelSummary", pare.inspect(mnist)],
    // compressJob (its model bytes aside: JSON cannot hold a Uint8Array) and inputSizes.
    ...jobs().map(({ model, ...rest }) => ['Omit<CompressJobResult, "model">', rest]),
    ["InputSizes", pare.inputSizes(mnist)],
  ];
  const kinds = new Set(results.flatMap((r) => r.report.steps.map((s) => Object.keys(s)[0])));
  assert.deepEqual([...kinds].sort(), ["binarize", "opset", "prune", "quantize"]);
  const good = typecheck("reports", declarations);
  assert.equal(good.status, 0, good.output);

  // The check can fail: a key the types lack, deep inside a step's report, is an error.
  const altered = structuredClone(results[0].report);
  altered.steps[0].quantize.layers[0].surprise = 1;
  const bad = typecheck("altered", [['CompressResult["report"]', altered]]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.output, /surprise/);
  const missing = structuredClone(compared);
  delete missing.outputs[0].metrics.cosine;
  const badCompare = typecheck("missing", [["CompareReport", missing]]);
  assert.match(badCompare.output, /cosine/);
});
