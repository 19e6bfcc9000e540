// The page's per-layer overrides (www/overrides.js) in Node: layers kept in float go to every
// step's exclude, per-layer ratios to masking prune steps only, entries the table does not own
// are kept, cleared overrides are removed, and a ratio without a prune step is reported.
// Run: node tests/web/overrides_test.mjs (part of make test-web).

import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { applyOverrides, weightLayers } = await import(path.join(root, "www/overrides.js"));

const managed = new Set(["conv1", "conv2", "fc1", "fc2"]);
const recipe = {
  steps: [
    { prune: { method: "unstructured", ratio: 0.5, exclude: ["Gemm", "conv1"], ratios: { other: 0.1, conv2: 0.2 } } },
    { quantize: { mode: "static" } },
    { prune: { method: "nm", n: 2, m: 4 } },
  ],
};
const frozen = JSON.stringify(recipe);

const { recipe: out, notes } = applyOverrides(recipe, { keepFloat: new Set(["fc2"]), ratios: new Map([["conv2", 0.8], ["fc2", 0.9]]), managed });
assert.equal(JSON.stringify(recipe), frozen, "the input recipe is not changed");
assert.deepEqual(notes, []);
assert.deepEqual(out.steps[0].prune, {
  method: "unstructured",
  ratio: 0.5,
  exclude: ["Gemm", "fc2"], // conv1 was a managed name the table no longer keeps in float
  ratios: { other: 0.1, conv2: 0.8 }, // fc2 is kept in float, so its ratio does not apply
});
assert.deepEqual(out.steps[1].quantize, { mode: "static", exclude: ["fc2"] });
assert.deepEqual(out.steps[2].prune, { method: "nm", n: 2, m: 4, exclude: ["fc2"] }, "nm takes no ratios");

// Clearing every override removes what the table had set, and only that.
const cleared = applyOverrides(out, { keepFloat: new Set(), ratios: new Map(), managed }).recipe;
assert.deepEqual(cleared.steps[0].prune, { method: "unstructured", ratio: 0.5, exclude: ["Gemm"], ratios: { other: 0.1 } });
assert.deepEqual(cleared.steps[1].quantize, { mode: "static" });

// A ratio with no masking prune step is reported.
const noPrune = applyOverrides({ steps: [{ quantize: { mode: "weights" } }] }, { keepFloat: new Set(), ratios: new Map([["conv2", 0.7]]), managed });
assert.match(noPrune.notes[0], /prune step/);
assert.deepEqual(noPrune.recipe.steps[0].quantize, { mode: "weights" });
// Auto pruning chooses its own ratios.
const auto = applyOverrides({ steps: [{ prune: { method: "unstructured", auto: { target: 0.5 } } }] }, { keepFloat: new Set(), ratios: new Map([["conv2", 0.7]]), managed });
assert.equal(auto.recipe.steps[0].prune.ratios, undefined);
assert.equal(auto.notes.length, 1);

// The layers listed: weight-bearing compute nodes.
const analysis = {
  nodes: [
    { name: "conv1", op_type: "Conv", params: 160 },
    { name: "relu1", op_type: "Relu", params: 0 },
    { name: "mm", op_type: "MatMul", params: 0 },
    { name: "fc1", op_type: "Gemm", params: 100480 },
  ],
};
assert.deepEqual(weightLayers(analysis), [
  { name: "conv1", op: "Conv", params: 160 },
  { name: "fc1", op: "Gemm", params: 100480 },
]);
assert.deepEqual(weightLayers(null), []);

console.log("overrides test: all checks passed");
