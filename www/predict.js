// The per-image predictions the page shows side by side (predictions.js), computed in the worker
// after compressing: when the user gave images (as comparison inputs, else as calibration
// samples), run the original and the compressed model on each of the first MAX_IMAGES of them,
// one image at a time (so a model with a fixed batch of 1 works too), and keep each model's
// top-k classes with scores (topk.js). Only for a classification output; otherwise a note says why.

import { Model } from "./pkg/sync.js";
import { TOP_K, classCount, classificationOutput, describeOutputs, predictRows } from "./topk.js";

/** Images shown at most (each is two model runs). */
export const MAX_IMAGES = 32;

/** Which images the predictions use: { source: "comparison" | "calibration", files, arrays },
 * or null when no images were given. `compare`/`calibration` are the sources as the page sent
 * them ({ images, … } for images) and `compareArrays`/`calibrationArrays` their decoded tensors. */
function imageSource({ compare, compareArrays, calibration, calibrationArrays }) {
  if (compare?.images && compareArrays) return { source: "comparison", files: compare.images, arrays: compareArrays };
  if (!compare && calibration?.images && calibrationArrays) return { source: "calibration", files: calibration.images, arrays: calibrationArrays };
  return null;
}

/** Image `n` of stacked inputs { name: { dtype, shape: [N, …], data } } as a batch of one. */
function oneImage(arrays, n) {
  const out = {};
  for (const [name, { dtype, shape, data }] of Object.entries(arrays)) {
    const size = data.length / shape[0];
    out[name] = { dtype, shape: [1, ...shape.slice(1)], data: data.subarray(n * size, (n + 1) * size) };
  }
  return out;
}

/**
 * Predictions of both models on the given images, or null without images:
 *   { source, total, shown, output, classes, k, kinds: [original, compressed],
 *     rows: [{ image, original: [[class, score]…], compressed: […], agree }], agreeing }
 * or { source, total, shown: 0, note } when the model is not a classifier, or { source, total,
 * shown: 0, error } when a model fails to run. `onProgress(done, total)` follows the runs.
 */
export function imagePredictions(originalBytes, compressedBytes, sources, onProgress) {
  const picked = imageSource(sources);
  if (!picked) return null;
  const { source, files, arrays } = picked;
  const total = files.length;
  const shown = Math.min(total, MAX_IMAGES);
  const base = { source, total, shown: 0 };
  let models = [];
  try {
    models = [new Model(originalBytes), new Model(compressedBytes)];
    const rows = [[], []];
    let output = null;
    for (let n = 0; n < shown; n++) {
      onProgress?.(n, shown);
      const inputs = oneImage(arrays, n);
      for (const [m, model] of models.entries()) {
        const outputs = model.run(inputs);
        if (output === null) {
          output = classificationOutput(outputs);
          if (output === null) {
            return { ...base, note: `Side-by-side predictions need a classification output ([N, C] or [N, C, 1, 1] float, C ≥ 2); for one image this model gives ${describeOutputs(outputs)}.` };
          }
        }
        const tensor = outputs[output];
        if (!tensor || classCount(tensor) === 0) {
          const what = tensor ? `${tensor.dtype} [${tensor.shape.join(", ")}]` : "nothing";
          return { ...base, error: `the ${m ? "compressed" : "original"} model gives ${what} for \`${output}\`` };
        }
        rows[m].push(tensor.data);
      }
    }
    onProgress?.(shown, shown);
    const classes = rows[0][0].length;
    if (rows.flat().some((row) => row.length !== classes)) {
      return { ...base, error: `the models do not give the same number of classes in \`${output}\`` };
    }
    const k = Math.min(TOP_K, classes);
    const [original, compressed] = rows.map((r) => predictRows(r, k));
    const table = original.top.map((top, n) => ({
      image: n,
      original: top,
      compressed: compressed.top[n],
      agree: top[0][0] === compressed.top[n][0][0],
    }));
    return {
      ...base,
      shown,
      output,
      classes,
      k,
      kinds: [original.kind, compressed.kind],
      rows: table,
      agreeing: table.filter((row) => row.agree).length,
    };
  } catch (e) {
    if (e?.kind === "wasm-trap") throw e; // the module is gone: the job fails (worker.js)
    return { ...base, error: e instanceof Error ? e.message : String(e) };
  } finally {
    for (const model of models) model.free();
  }
}
