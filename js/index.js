// The entry point of the npm package `pare`: picks one of the two wasm builds shipped next to
// this file, loads it, and re-exports wasm-bindgen's API (pare.js). Hand-written; the build step
// (scripts/build_pkg.sh) copies it into pkg/ next to wasm-pack's output.
//
//   import { ready, compress, simdLevel } from "pare";
//   await ready();            // once, before any other call; later calls return the same promise
//
// The builds: pare_bg.wasm (SIMD128) and pare_relaxed_bg.wasm (SIMD128 + relaxed SIMD, whose INT8
// GEMM uses i32x4.relaxed_dot_i8x16_i7x16_add_s). Both are the same Rust code with the same
// wasm-bindgen glue (pare.js; the build step checks the two glues are identical) and give
// bit-identical results (tests/npm/relaxed.test.mjs); relaxed is meant to speed up INT8 layers,
// though on the INT8 MNIST CNN in Chromium it measured slower (README, "npm package"). ready() picks:
//   - relaxed when the engine validates relaxed SIMD and its dot-add passes a known-answer check
//     (simd.js), except in Node;
//   - in Node, SIMD128 unless asked: Node 20 has relaxed SIMD only behind
//     --experimental-wasm-relaxed-simd, and there its dot-add returns twice the dot product (the
//     check catches it), so relaxed is opt-in: ready({ simd: "relaxed" }) or PARE_SIMD=relaxed.
// A forced "relaxed" still fails when the engine cannot validate relaxed SIMD, and loads despite
// a failed known-answer check (simdInfo() reports it), so a test can look at a broken engine.
// Wasm bytes come from fetch(URL relative to this module) in browsers and workers, and from the
// file system in Node (Node's fetch cannot read file: URLs).
//
// Errors: every API call throws a PareError (errors.js) with a `kind` a program can branch on:
// the kinds pare's Rust side reports (not-onnx, unsupported-op, …), plus "not-ready" before
// ready() resolved and "wasm-trap" when the WebAssembly module stopped (out of memory, or a bug),
// after which every call fails with "wasm-trap" too: the module must be loaded afresh (a new
// page, Worker or process). An exception thrown by the caller's own onProgress passes through.

import initGlue, * as glue from "./pare.js";
import { PareError, PARE_ERROR_KINDS, checkUsable, guard, isTrapped, toPareError } from "./errors.js";
import { relaxedDotAddCorrect, relaxedSimdAvailable } from "./simd.js";

export { PareError, PARE_ERROR_KINDS };

const isLoaded = () => loaded !== null;

/** Summarizes a model (pare.d.ts). */
export const inspect = guard(glue.inspect, isLoaded);
/** The full analysis `pare inspect --json` prints (pare.d.ts). */
export const analyze = guard(glue.analyze, isLoaded);
/** Runs a model once (pare.d.ts). */
export const run = guard(glue.run, isLoaded);
/** Seeded random inputs for one run, as `pare run --random` makes them (pare.d.ts). */
export const randomInputs = guard(glue.randomInputs, isLoaded);
/** Compresses a model with a recipe (pare.d.ts). */
export const compress = guard(glue.compress, isLoaded);
/** `pare compress` from a command line: the npm CLI's whole compress job (pare.d.ts). */
export const compressCommand = guard(glue.compressCommand, isLoaded);
/** Compares two models on the same samples (pare.d.ts). */
export const compare = guard(glue.compare, isLoaded);

/** A model parsed and prepared once, to run many times (pare.d.ts); its errors are PareErrors. */
export class Model extends glue.Model {
  constructor(bytes) {
    checkUsable(isLoaded);
    try {
      super(bytes);
    } catch (e) {
      throw toPareError(e);
    }
  }

  /** Frees the model's memory; does nothing once the module trapped (its memory is gone). */
  free() {
    if (!isTrapped()) super.free();
  }
}
// Every method and getter that enters the module (run, inspect, inputNames, …) goes through the
// guard; free is above, the constructor and wasm-bindgen internals (__…) are left alone.
for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(glue.Model.prototype))) {
  if (name === "constructor" || name === "free" || name.startsWith("__")) continue;
  if (typeof descriptor.value === "function") descriptor.value = guard(descriptor.value, isLoaded);
  if (descriptor.get) descriptor.get = guard(descriptor.get, isLoaded);
  Object.defineProperty(Model.prototype, name, descriptor);
}

const WASM_FILES = { simd128: "pare_bg.wasm", relaxed: "pare_relaxed_bg.wasm" };
const CHOICES = ["auto", "relaxed", "simd128"];

const inNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

let loading = null;
let loaded = null;

/** Loads the wasm build this engine should run (see the header); resolves to simdInfo().
 * Only the first call's options count: the module can be instantiated once. */
export default function ready(options = {}) {
  if (!loading) {
    loading = load(options).catch((e) => {
      loading = null; // a failed load (network, bad option) may be retried
      throw e;
    });
  }
  return loading;
}
export { ready };

/** "relaxed" or "simd128" once ready() resolved, else null. */
export function simdLevel() {
  return loaded ? loaded.level : null;
}

/** What ready() found and chose, once it resolved, else null. */
export function simdInfo() {
  return loaded ? { ...loaded } : null;
}

async function load(options) {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`ready(options): options must be an object, got ${typeof options}`);
  }
  const fromEnv = inNode ? process.env.PARE_SIMD : undefined;
  const asked = options.simd ?? (fromEnv === "" ? undefined : fromEnv) ?? "auto";
  if (!CHOICES.includes(asked)) {
    const where = options.simd !== undefined ? "ready({ simd })" : "PARE_SIMD";
    throw new TypeError(`${where} must be one of ${CHOICES.join(", ")}, got ${JSON.stringify(asked)}`);
  }
  const available = relaxedSimdAvailable();
  const correct = available && relaxedDotAddCorrect();
  let level;
  let reason;
  if (asked === "simd128") {
    [level, reason] = ["simd128", "asked for simd128"];
  } else if (asked === "relaxed") {
    if (!available) {
      throw new Error(
        "relaxed SIMD was asked for but this engine does not support it" +
          (inNode ? " (Node 20 needs --experimental-wasm-relaxed-simd)" : ""),
      );
    }
    [level, reason] = ["relaxed", correct ? "asked for relaxed" : "asked for relaxed, though this engine's dot-add failed the check"];
  } else if (inNode) {
    [level, reason] = ["simd128", "Node: relaxed only when asked (PARE_SIMD=relaxed)"];
  } else if (!available) {
    [level, reason] = ["simd128", "this engine has no relaxed SIMD"];
  } else if (!correct) {
    [level, reason] = ["simd128", "this engine's relaxed dot-add gives wrong results"];
  } else {
    [level, reason] = ["relaxed", "relaxed SIMD available and correct"];
  }
  const url = new URL(WASM_FILES[level], import.meta.url);
  const source = inNode && url.protocol === "file:" ? await readFileBytes(url) : url;
  await initGlue({ module_or_path: source });
  loaded = { level, reason, relaxedAvailable: available, relaxedDotAddCorrect: correct };
  return simdInfo();
}

async function readFileBytes(url) {
  const { readFile } = await import("node:fs/promises");
  return readFile(url);
}
