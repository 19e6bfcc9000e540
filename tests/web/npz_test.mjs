// The page's .npy/.npz reader (www/npz.js) on the fixtures pare's Rust reader is tested with
// (tests/fixtures/npy, tests/fixtures/npz, made by numpy): values, dtypes and shapes as numpy
// wrote them, deflated members inflated, and a clear error for what the page does not take.
// Run: node tests/web/npz_test.mjs (part of make test-web).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { parseNpy, parseNpz, readArrays, firstSamples } = await import(path.join(root, "www/npz.js"));
const read = (relative) => new Uint8Array(fs.readFileSync(path.join(root, "tests/fixtures", relative)));

// np.savez (stored) and np.savez_compressed (deflated) of the same arrays.
for (const file of ["npz/stored.npz", "npz/deflated.npz"]) {
  const arrays = Object.fromEntries((await parseNpz(read(file), file)).map((a) => [a.name, a.tensor]));
  assert.equal(arrays.images.dtype, "float32");
  assert.deepEqual(arrays.images.shape, [2, 1, 3, 3]);
  assert.deepEqual(Array.from(arrays.images.data), Array.from({ length: 18 }, (_, i) => (i - 8) / 4));
  assert.equal(arrays.labels.dtype, "int64");
  assert.deepEqual(Array.from(arrays.labels.data), [3n, 7n]);
  assert.equal(arrays.mask.dtype, "bool");
  assert.deepEqual(Array.from(arrays.mask.data), [1, 0, 0, 1]);
}
const deflated = await parseNpz(read("npz/deflated.npz"), "deflated.npz");
const zeros = deflated.find((a) => a.name === "zeros").tensor;
assert.deepEqual(zeros.shape, [64, 64]);
assert.ok(zeros.data.every((v) => v === 0));
const unicode = await parseNpz(read("npz/unicode_name.npz"), "unicode_name.npz");
assert.deepEqual(unicode.map((a) => a.name), ["höhe"]);
assert.deepEqual(Array.from(unicode[0].tensor.data), [1.5, 2.5]);

// .npy versions 1–3, dtypes, a scalar and an empty array.
const npy = (name) => parseNpy(read(`npy/${name}`), name);
for (const name of ["f32_2x3.npy", "f32_v2_2x3.npy", "f32_v3_2x3.npy"]) {
  assert.deepEqual(Array.from(npy(name).data), [-0.5, -0.25, 0, 0.25, 0.5, 0.75], name);
}
assert.deepEqual(npy("f64_scalar.npy").shape, []);
assert.deepEqual(Array.from(npy("f64_scalar.npy").data), [3.25]);
assert.deepEqual(npy("f32_empty_0x3.npy").shape, [0, 3]);
assert.deepEqual(Array.from(npy("u64_2.npy").data), [0n, 18446744073709551615n]);
assert.deepEqual(Array.from(npy("i8_3.npy").data), [-128, 0, 127]);
assert.equal(npy("f16_4.npy").dtype, "float16");
assert.equal(npy("f16_4.npy").data.constructor, Uint16Array, "float16 travels as raw bits");

// What the page refuses, and why.
const refusal = (name) => assert.throws(() => npy(name), (e) => (assert.ok(e.message.startsWith(name), e.message), true));
assert.throws(() => npy("f32_be_2x3.npy"), /big-endian/);
assert.throws(() => npy("f32_fortran_2x3.npy"), /Fortran/);
assert.throws(() => npy("complex64_2.npy"), /'<c8': pare does not take this dtype/);
refusal("unicode_2.npy");
await assert.rejects(parseNpz(read("mnist_cnn/model.onnx"), "model.onnx"), /^Error: model\.onnx: not a zip archive/);
const truncated = read("npy/f32_2x3.npy").slice(0, -4);
assert.throws(() => parseNpy(truncated, "cut.npy"), /needs 24 bytes of data, the file has 20/);
const corrupt = read("npz/stored.npz");
corrupt[120] ^= 0xff; // inside the first member's data
await assert.rejects(parseNpz(corrupt, "corrupt.npz"), /CRC-32/);

// A single .npy is named after the model's input; firstSamples cuts along the first axis.
const single = await readArrays(read("mnist_cnn/calib_pixels.npy"), "calib_pixels.npy", "image");
assert.deepEqual(Object.keys(single), ["image"]);
const first = firstSamples(single, 3);
assert.deepEqual(first.image.shape, [3, ...single.image.shape.slice(1)]);
assert.deepEqual(Array.from(first.image.data), Array.from(single.image.data.slice(0, first.image.data.length)));

console.log("npz reader test: all checks passed");
