// What the package checks in JS before a call reaches the wasm module (core.js) or a worker
// (client.js): option objects whose keys must be known (a typo such as `calibrationRandm` is an
// error naming the valid keys, never silently ignored), tensors in pare's `{ dtype, shape, data }`
// form or onnxruntime-web's `{ type, dims, data }` / `ort.Tensor` (turned into pare's form). Whether
// a recipe needs calibration samples is pare's to say (Rust, with the API's words), not checked here.

import { badArgument } from "./errors.js";

/** The options each function takes (the async ones add ASYNC_OPTIONS). */
export const OPTIONS = {
  compress: ["calibration", "calibrationRandom", "onProgress", "messages"],
  compressJob: ["calibration", "calibrationRandom", "onProgress", "messages", "compareInputs", "compareSource", "random", "noCompare"],
  compare: ["inputs", "random", "intermediates", "inputSource", "onProgress"],
  run: [],
  analyze: [],
  randomInputs: ["seed", "dims", "shapes"],
  inputSizes: ["dims", "shapes", "messages"],
  random: ["seed", "samples", "dims", "shapes"],
  ready: ["simd", "wasmUrl", "wasmPaths", "wasmModule", "worker", "workerUrl"],
};

/** What every Promise-returning call takes besides its own options. */
export const ASYNC_OPTIONS = ["signal", "worker", "transfer"];

/** Levenshtein distance, for "did you mean". */
function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** `options` as an object (undefined/null → {}), after checking that every key is in `valid`;
 * `what` names the option object in messages ("compress options"). */
export function checkOptions(options, valid, what) {
  if (options === undefined || options === null) return {};
  if (!isObject(options)) throw badArgument(`${what} must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const near = valid.filter((v) => distance(key, v) <= Math.max(2, Math.floor(v.length / 4)));
    const hint = near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(" or ")}?)` : "";
    const list = valid.length ? `valid: ${valid.join(", ")}` : "it takes none";
    throw badArgument(`unknown key "${key}" in ${what}${hint}; ${list}`);
  }
  return options;
}

export function describeValue(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an Array";
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === "object") return v.constructor && v.constructor !== Object ? `a ${v.constructor.name}` : "an object";
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}

/** One tensor in pare's form: `{ dtype, shape, data }` as is (copied into a plain object), or
 * onnxruntime-web's `{ type, dims, data }` (an `ort.Tensor` too: its getters are read here). */
export function normalizeTensor(t, name) {
  if (t === null || typeof t !== "object") return t; // pare names the problem
  if (t.dtype !== undefined || t.type === undefined) return { dtype: t.dtype, shape: t.shape, data: t.data };
  if (t.location !== undefined && t.location !== "cpu") {
    throw badArgument(`tensor \`${name}\` lives on the ${t.location}; pare reads CPU tensors (call ort.Tensor.getData() first)`);
  }
  const dims = t.dims;
  return { dtype: t.type, shape: dims && typeof dims[Symbol.iterator] === "function" ? Array.from(dims, Number) : dims, data: t.data };
}

/** Named tensors (an object or a Map) with each tensor in pare's form; other values unchanged. */
export function normalizeTensors(value) {
  if (value instanceof Map) return new Map([...value].map(([k, t]) => [k, normalizeTensor(t, k)]));
  if (!isObject(value)) return value;
  const out = {};
  for (const [k, t] of Object.entries(value)) out[k] = normalizeTensor(t, k);
  return out;
}

/** Checks a random-samples option object's keys (`key` names it in messages). */
export function checkRandom(value, key, valid = OPTIONS.random) {
  if (isObject(value)) checkOptions(value, valid, `\`${key}\``);
}

/** The options of a compress call, checked and with tensors normalized (no async keys). */
export function compressOptions(recipe, options, valid = OPTIONS.compress) {
  const o = { ...checkOptions(options, valid, "compress options") };
  checkRandom(o.calibrationRandom, "calibrationRandom");
  if (o.calibration !== undefined) o.calibration = normalizeTensors(o.calibration);
  return o;
}

/** The options of a compressJob call: compress's plus what to compare on, checked and with
 * tensors normalized. */
export function compressJobOptions(recipe, options, valid = OPTIONS.compressJob) {
  const o = compressOptions(recipe, options, valid);
  checkRandom(o.random, "random", ["seed", "dims", "shapes"]);
  if (o.compareInputs !== undefined) o.compareInputs = normalizeTensors(o.compareInputs);
  return o;
}

/** The options of a compare call, checked and with tensors normalized. */
export function compareOptions(options, valid = OPTIONS.compare) {
  const o = { ...checkOptions(options, valid, "compare options") };
  checkRandom(o.random, "random");
  if (o.inputs !== undefined) o.inputs = normalizeTensors(o.inputs);
  return o;
}
