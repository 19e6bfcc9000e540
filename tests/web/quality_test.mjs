// The page's quality options (www/quality.js) in Node: a target SQNR goes to static quantize
// steps only, learned rounding to weight-only ones only, clearing them removes them, other
// steps and fields are kept, and an option no step takes is reported.
// Run: node tests/web/quality_test.mjs (part of make test-web).

import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { applyQuality, qualityOf, parseTarget } = await import(path.join(root, "www/quality.js"));

const recipe = {
  steps: [
    { prune: { method: "unstructured", ratio: 0.5 } },
    { quantize: { mode: "static", exclude: ["fc2"] } },
    { quantize: { mode: "kmeans", clusters: 16 } },
  ],
};
const frozen = JSON.stringify(recipe);

let { recipe: out, notes } = applyQuality(recipe, { targetSqnr: 25, learned: true });
assert.equal(JSON.stringify(recipe), frozen, "the input recipe is not changed");
assert.deepEqual(notes, []);
assert.deepEqual(out.steps, [
  { prune: { method: "unstructured", ratio: 0.5 } },
  { quantize: { mode: "static", exclude: ["fc2"], min_sqnr_db: 25 } },
  { quantize: { mode: "kmeans", clusters: 16, rounding: "learned" } },
]);
assert.deepEqual(qualityOf(out), { targetSqnr: 25, learned: true });

// Cleared options are removed again.
({ recipe: out, notes } = applyQuality(out, { targetSqnr: null, learned: false }));
assert.equal(JSON.stringify(out), frozen);
assert.deepEqual(qualityOf(out), { targetSqnr: null, learned: false });

// An option no step takes is reported, and the recipe is unchanged.
({ recipe: out, notes } = applyQuality({ steps: [{ prune: { method: "filter", ratio: 0.25 } }] }, { targetSqnr: 20, learned: true }));
assert.deepEqual(out, { steps: [{ prune: { method: "filter", ratio: 0.25 } }] });
assert.equal(notes.length, 2);
assert.match(notes[0], /INT8 static/);
assert.match(notes[1], /weight-only/);
({ notes } = applyQuality({ steps: [{ quantize: { mode: "int4_weights" } }] }, { targetSqnr: 20, learned: true }));
assert.deepEqual(notes.length, 1, "int4 takes learned rounding, not a target");
assert.deepEqual(applyQuality({}, { targetSqnr: 20, learned: false }).notes, ["the recipe has no steps list"]);

// The field's text.
assert.equal(parseTarget(""), null);
assert.equal(parseTarget(" 30 "), 30);
for (const bad of ["x", "0", "-5", "500"]) assert.throws(() => parseTarget(bad), /target SQNR/);

console.log("quality_test: ok");
