// How the page maps a model input to images (www/images.js: imageLayout, perChannel), in Node:
// NCHW and NHWC with 1 or 3 channels, and a clear refusal for inputs images cannot fill. The
// decoding itself needs a browser (OffscreenCanvas) and is checked by app_test.mjs.
// Run: node tests/web/images_test.mjs (part of make test-web).

import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { imageLayout, perChannel, writePixels } = await import(path.join(root, "www/images.js"));

const input = (shape, dtype = "float32") => ({ name: "x", dtype, shape });
assert.deepEqual(imageLayout(input([1, 1, 28, 28])), { name: "x", layout: "NCHW", channels: 1, height: 28, width: 28 });
assert.deepEqual(imageLayout(input([1, 3, 224, 200])), { name: "x", layout: "NCHW", channels: 3, height: 224, width: 200 });
assert.deepEqual(imageLayout(input([1, 96, 64, 3])), { name: "x", layout: "NHWC", channels: 3, height: 96, width: 64 });
assert.throws(() => imageLayout(input([1, 3, 224, 224], "uint8")), /float32 inputs only; input `x` is uint8/);
assert.throws(() => imageLayout(input([1, 784])), /4-D inputs/);
assert.throws(() => imageLayout(input([1, 5, 8, 8])), /1 or 3 channels/);

assert.deepEqual(perChannel("", 3, 0, "mean"), [0, 0, 0]);
assert.deepEqual(perChannel("0.5", 3, 0, "mean"), [0.5, 0.5, 0.5]);
assert.deepEqual(perChannel("0.485, 0.456 0.406", 3, 0, "mean"), [0.485, 0.456, 0.406]);
assert.throws(() => perChannel("1, 2", 3, 1, "The image std"), /The image std needs 1 or 3 numbers, got 2/);
assert.throws(() => perChannel("a", 1, 1, "The image std"), /must be numbers/);

// Pixels → values: two pixels (red-ish, gray) of a 1×2 image, RGBA bytes.
const rgba = [200, 100, 50, 255, 128, 128, 128, 255];
const nchw3 = { layout: "NCHW", channels: 3, height: 1, width: 2 };
const pixels = (layout, options) => {
  const data = new Float32Array(layout.channels * 2 + 1).fill(-9);
  writePixels(rgba, data, 1, layout, options);
  return Array.from(data, (v) => Math.round(v * 1e4) / 1e4);
};
const ones = [1, 1, 1];
const zeros = [0, 0, 0];
// NCHW: planes R, G, B after the untouched first element.
assert.deepEqual(pixels(nchw3, { mean: zeros, std: ones }), [-9, 0.7843, 0.502, 0.3922, 0.502, 0.1961, 0.502]);
assert.deepEqual(pixels(nchw3, { mean: zeros, std: ones, bgr: true }), [-9, 0.1961, 0.502, 0.3922, 0.502, 0.7843, 0.502]);
assert.deepEqual(pixels(nchw3, { mean: zeros, std: ones, range: "0-255" }), [-9, 200, 128, 100, 128, 50, 128]);
assert.deepEqual(pixels(nchw3, { mean: [100, 0, 0], std: [2, 1, 1], range: "0-255", bgr: true }), [-9, -25, 14, 100, 128, 200, 128]);
// NHWC interleaves the channels per pixel.
assert.deepEqual(pixels({ ...nchw3, layout: "NHWC" }, { mean: zeros, std: ones, range: "0-255" }), [-9, 200, 100, 50, 128, 128, 128]);
// One channel: luma (0.299 R + 0.587 G + 0.114 B), exact gray kept.
assert.deepEqual(pixels({ ...nchw3, channels: 1 }, { mean: [0], std: [1], range: "0-255" }), [-9, 124.2, 128]);

console.log("image layout test: all checks passed");
