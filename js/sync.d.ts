// Types of `pare/sync` (sync.js): the same API as "pare" with compress, compare, run and analyze
// synchronous, on the calling thread (for code already in a worker of its own).

import type {
    CompareOptions,
    CompareReport,
    CompressJobOptions,
    CompressJobResult,
    CompressOptions,
    CompressResult,
    InputSizes,
    InputSizesOptions,
    ModelAnalysis,
    ModelBytes,
    ReadyOptions,
    Recipe,
    SimdInfo,
    Tensors,
    TensorsInput,
} from "./types.js";

export * from "./types.js";

/** Loads the one wasm build this engine runs into this thread; call (and await) once. */
export function ready(options?: ReadyOptions): Promise<SimdInfo>;
export default ready;

/** Compresses a model with a recipe, on this thread. */
export function compress(bytes: ModelBytes, recipe: Recipe | string, options?: CompressOptions): CompressResult;

/** Compresses, then compares on held-back samples, on this thread (see "pare"'s compressJob). */
export function compressJob(bytes: ModelBytes, recipe: Recipe | string, options?: CompressJobOptions): CompressJobResult;

/** The sizes random samples get for the model's inputs, and why, on this thread. */
export function inputSizes(bytes: ModelBytes, options?: InputSizesOptions): InputSizes;

/** Compares two models on the same samples, on this thread. */
export function compare(reference: ModelBytes, candidate: ModelBytes, options?: CompareOptions): CompareReport;

/** Runs a model once, on this thread. */
export function run(bytes: ModelBytes, inputs: TensorsInput): Tensors;

/** The full analysis `pare inspect --json` prints, on this thread. */
export function analyze(bytes: ModelBytes): ModelAnalysis;
