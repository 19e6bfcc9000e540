// The Dimensions field's parsing (www/dims.js) in Node: declared dims from the summary's input
// types, the prefilled text, dims vs whole shapes, and the messages for bad entries.
// Run: node tests/web/dims_test.mjs

import assert from "node:assert/strict";
import { declaredDims, parseDims, prefill } from "../../www/dims.js";

assert.deepEqual(declaredDims("float32 [N, 3, height, width]"), ["N", 3, "height", "width"]);
assert.deepEqual(declaredDims("float32 [?, 3, -1]"), [null, 3, null]);
assert.deepEqual(declaredDims("float32 []"), []);
assert.equal(declaredDims("seq(float32)"), null);

const yolo = [{ name: "images", type: "float32 [batch, 3, height, width]" }, { name: "scale", type: "float32 [2]" }];
assert.equal(prefill(yolo), "batch=1; height=1; width=1");
assert.equal(prefill([{ name: "x", type: "float32 [1, 3, 28, 28]" }]), "", "no symbolic dims, nothing to set");
assert.equal(prefill([{ name: "x", type: "float32 [?, 3, ?, ?]" }]), "x=1,3,1,1", "unnamed dims: the whole shape");
// The sizes pare's resolver chose (inputSizes) fill the symbols and the unnamed dims.
const resolved = [{ name: "images", shape: [1, 3, 320, 256] }, { name: "scale", shape: [2] }];
assert.equal(prefill(yolo, resolved), "batch=1; height=320; width=256");
assert.equal(prefill([{ name: "x", type: "float32 [-1, 3, ?, ?]" }], [{ name: "x", shape: [1, 3, 224, 224] }]), "x=1,3,224,224");
assert.equal(prefill(yolo, [{ name: "images", shape: [1, 3] }]), "batch=1; height=1; width=1", "a shape of another rank is not used");
assert.equal(prefill([{ name: "a", type: "float32 [N, 4]" }, { name: "b", type: "int64 [N]" }]), "N=1", "a shared symbol once");

const names = ["images", "scale"];
assert.deepEqual(parseDims("batch=1; height=640\nwidth = 480", names), { dims: { batch: 1, height: 640, width: 480 }, shapes: {} });
assert.deepEqual(parseDims("images=1x3x64x64; scale=2", names), { dims: {}, shapes: { images: [1, 3, 64, 64], scale: [2] } });
assert.deepEqual(parseDims("  ", names), { dims: {}, shapes: {} });
assert.throws(() => parseDims("height", names), /`height` is not NAME=SIZE/);
assert.throws(() => parseDims("height=0", names), /sizes must be whole numbers ≥ 1/);
assert.throws(() => parseDims("height=-3", names), /sizes must be whole numbers ≥ 1/);
assert.throws(() => parseDims("height=2.5", names), /sizes must be whole numbers ≥ 1/);
assert.throws(() => parseDims("height=1e9999", names), /sizes must be whole numbers ≥ 1/);
assert.throws(() => parseDims("height=1,2", names), /`height` is not an input of this model/);

console.log("dims test: all checks passed");
