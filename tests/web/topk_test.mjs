// The pure parts of the predictions table, in Node: which output is a classifier's (www/topk.js),
// its top-k classes and honest scores (probabilities only when the row already is one, else a
// softmax), and the labels file reader (www/labels.js) with its messages for bad files. The
// table itself is checked in the browser by predictions_test.mjs.
// Run: node tests/web/topk_test.mjs (part of make test-web).

import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { classCount, classificationOutput, isProbabilityRow, predictRows, softmax, topK } = await import(path.join(root, "www/topk.js"));
const { parseLabels } = await import(path.join(root, "www/labels.js"));

const t = (shape, dtype = "float32") => ({ dtype, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

// Classification outputs: [1, C] or [1, C, 1, 1] float, C ≥ 2.
assert.equal(classCount(t([1, 10])), 10);
assert.equal(classCount(t([1, 1000, 1, 1])), 1000);
assert.equal(classCount(t([1, 10], "float64")), 10);
assert.equal(classCount(t([1, 10], "int64")), 0, "integer outputs are not scores");
assert.equal(classCount(t([1, 1])), 0, "one class has no top-k");
assert.equal(classCount(t([1, 10, 2, 2])), 0, "a feature map is not a class vector");
assert.equal(classCount(t([1, 10, 1])), 0);
assert.equal(classCount(t([2, 10])), 0, "one image gives one row");
assert.equal(classCount(t([10])), 0);
assert.equal(classificationOutput({ boxes: t([1, 4, 7]), scores: t([1, 5]), extra: t([1, 3]) }), "scores", "the first fitting output");
assert.equal(classificationOutput({ features: t([1, 16, 7, 7]) }), null);

// Top-k: largest first, ties to the lower index, NaN last.
assert.deepEqual(topK([0.1, 3, -2, 3, 1], 3), [[1, 3], [3, 3], [4, 1]]);
assert.deepEqual(topK([NaN, -5, -1], 2), [[2, -1], [1, -5]]);
assert.deepEqual(topK([1, 2], 3), [[1, 2], [0, 1]], "k larger than the row gives the whole row");

// Scores.
assert.equal(isProbabilityRow([0.2, 0.3, 0.5]), true);
assert.equal(isProbabilityRow([0.2, 0.3, 0.495]), true, "within the tolerance of a quantized softmax");
assert.equal(isProbabilityRow([0.2, 0.3, 0.6]), false, "sums to 1.1");
assert.equal(isProbabilityRow([-0.5, 0.5, 1]), false, "a negative value");
assert.equal(isProbabilityRow([NaN, 0.5, 0.5]), false);
const s = softmax([1, 2, 3]);
const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
s.forEach((x, i) => assert.ok(Math.abs(x - e[i] / (e[0] + e[1] + e[2])) < 1e-12));
assert.ok(softmax([1000, 0]).every(Number.isFinite), "large logits do not overflow");
assert.ok(softmax([Infinity, 0]).every(Number.isNaN));

const logits = predictRows([Float32Array.of(2, 0, 1), Float32Array.of(0, 0, 5)], 2);
assert.equal(logits.kind, "softmax");
assert.deepEqual(logits.top.map((r) => r.map(([c]) => c)), [[0, 2], [2, 0]]);
assert.ok(Math.abs(logits.top[0][0][1] - softmax([2, 0, 1])[0]) < 1e-12, "the score is the softmax of the row");
const probs = predictRows([Float32Array.of(0.7, 0.1, 0.2), Float32Array.of(0.1, 0.8, 0.1)], 3);
assert.equal(probs.kind, "probability");
assert.ok(Math.abs(probs.top[0][0][1] - 0.7) < 1e-6, "probabilities are shown as they are");
// One row that is not a distribution makes the whole model's scores a softmax.
assert.equal(predictRows([Float32Array.of(0.7, 0.1, 0.2), Float32Array.of(3, 1, 0)]).kind, "softmax");

// Labels.
assert.deepEqual(parseLabels("zero\r\none\n\nthree\n\n", "labels.txt"), ["zero", "one", "", "three"], "blank lines keep their place");
assert.deepEqual(parseLabels("\uFEFFcat\ndog", "l.txt"), ["cat", "dog"], "a byte-order mark is dropped");
assert.deepEqual(parseLabels('["cat", "dog"]', "labels.json"), ["cat", "dog"]);
assert.deepEqual(parseLabels(' ["cat", "dog"]\n', "labels.txt"), ["cat", "dog"], "a JSON array in a .txt");
assert.deepEqual(parseLabels("[unused0]\n[unused1]", "vocab.txt"), ["[unused0]", "[unused1]"], "bracketed text labels are lines");
assert.equal(parseLabels("x".repeat(500), "l.txt")[0].length, 200, "long labels are cut");
assert.throws(() => parseLabels('{"0": "cat"}', "labels.json"), /^Error: labels\.json holds an object; a JSON labels file must be an array of strings/);
assert.throws(() => parseLabels('["cat", 7]', "labels.json"), /labels\.json: item 1 is 7, not a string/);
assert.throws(() => parseLabels("[cat", "labels.json"), /labels\.json is not valid JSON/);
assert.throws(() => parseLabels("[]", "labels.json"), /empty array/);
assert.throws(() => parseLabels(" \n\n", "labels.txt"), /labels\.txt is empty/);
assert.throws(() => parseLabels("PK\u0003\u0004\0\0", "labels.zip"), /labels\.zip is not a labels file: it is not UTF-8 text/);
assert.throws(() => parseLabels("\uFFFD\uFFFD", "photo.txt"), /not UTF-8 text/);

console.log("top-k and labels test: all checks passed");
