// Types of the npm package `pare` (index.js and index.node.js). The shared types are in
// types.d.ts; this file adds the Promise-returning functions and ready(). Compiles with
// `lib: ["ES2022"]` alone (no DOM).

import type * as T from "./types.js";

export * from "./types.js";

/** Loads the one wasm build this engine runs; call (and await) once before anything else. Later
 * calls return the same promise and ignore their options. Rejects with a PareError ("load-failed"
 * when the wasm cannot be fetched, "bad-argument" for a bad option). */
export function ready(options?: T.ReadyOptions): Promise<T.SimdInfo>;
export default ready;

/** Compresses a model with a recipe (an object or its JSON text). On a page it runs in pare's
 * worker; see CallOptions. */
export function compress(bytes: T.ModelBytes, recipe: T.Recipe | string, options?: T.CompressOptions & T.CallOptions): Promise<T.CompressResult>;

/** Compresses, then compares the result with the original on held-back samples (the page's and
 * the CLI's whole job). A comparison that fails does not reject: `compareError` and `warnings`
 * say why and `model` is the compressed model. */
export function compressJob(bytes: T.ModelBytes, recipe: T.Recipe | string, options?: T.CompressJobOptions & T.CallOptions): Promise<T.CompressJobResult>;

/** The sizes random samples get for the model's inputs (dims the options leave open are chosen
 * with a few trial runs), and why. */
export function inputSizes(bytes: T.ModelBytes, options?: T.InputSizesOptions & T.CallOptions): Promise<T.InputSizes>;

/** Runs both models on the same samples and reports how far the candidate is from the reference. */
export function compare(reference: T.ModelBytes, candidate: T.ModelBytes, options?: T.CompareOptions & T.CallOptions): Promise<T.CompareReport>;

/** Runs a model once; resolves to its outputs, in the model's order. */
export function run(bytes: T.ModelBytes, inputs: T.TensorsInput, options?: T.CallOptions): Promise<T.Tensors>;

/** The full analysis `pare inspect --json` prints: shapes, params, FLOPs, memory, lint, weights. */
export function analyze(bytes: T.ModelBytes, options?: T.CallOptions): Promise<T.ModelAnalysis>;

/** Ends pare's worker if one runs (its pending calls reject with "aborted"); the next call
 * starts a fresh one. */
export function terminateWorker(): void;
