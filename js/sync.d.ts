// Types of `pare/sync` (sync.js): the same API as "pare" with compress, compare, run and analyze
// synchronous, on the calling thread (for code already in a worker of its own).

import type * as T from "./types.js";

export * from "./types.js";

/** Loads the one wasm build this engine runs into this thread; call (and await) once. */
export function ready(options?: T.ReadyOptions): Promise<T.SimdInfo>;
export default ready;

/** Compresses a model with a recipe, on this thread. */
export function compress(bytes: T.ModelBytes, recipe: T.Recipe | string, options?: T.CompressOptions): T.CompressResult;

/** Compresses, then compares on held-back samples, on this thread (see "pare"'s compressJob). */
export function compressJob(bytes: T.ModelBytes, recipe: T.Recipe | string, options?: T.CompressJobOptions): T.CompressJobResult;

/** The sizes random samples get for the model's inputs, and why, on this thread. */
export function inputSizes(bytes: T.ModelBytes, options?: T.InputSizesOptions): T.InputSizes;

/** Compares two models on the same samples, on this thread. */
export function compare(reference: T.ModelBytes, candidate: T.ModelBytes, options?: T.CompareOptions): T.CompareReport;

/** Runs a model once, on this thread. */
export function run(bytes: T.ModelBytes, inputs: T.TensorsInput): T.Tensors;

/** The full analysis `pare inspect --json` prints, on this thread. */
export function analyze(bytes: T.ModelBytes): T.ModelAnalysis;
