// How the page maps a model input to images (www/images.js: imageLayout, perChannel), in Node:
// NCHW and NHWC with 1 or 3 channels, and a clear refusal for inputs images cannot fill. The
// decoding itself needs a browser (OffscreenCanvas) and is checked by app_test.mjs.
// Run: node tests/web/images_test.mjs (part of make test-web).

import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { imageLayout, perChannel } = await import(path.join(root, "www/images.js"));

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

console.log("image layout test: all checks passed");
