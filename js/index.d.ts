// Types of the npm package `pare` (index.js and index.node.js). The shared types are in
// types.d.ts; this file adds the Promise-returning functions and ready(). Compiles with
// `lib: ["ES2022"]` alone (no DOM).

import type {
    CallOptions,
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

/** Loads the one wasm build this engine runs; call (and await) once before anything else. Later
 * calls return the same promise and ignore their options. Rejects with a PareError ("load-failed"
 * when the wasm cannot be fetched, "bad-argument" for a bad option). */
export function ready(options?: ReadyOptions): Promise<SimdInfo>;
export default ready;

/** Compresses a model with a recipe (an object or its JSON text). On a page it runs in pare's
 * worker; see CallOptions. */
export function compress(bytes: ModelBytes, recipe: Recipe | string, options?: CompressOptions & CallOptions): Promise<CompressResult>;

/** Compresses, then compares the result with the original on held-back samples (the page's and
 * the CLI's whole job). A comparison that fails does not reject: `compareError` and `warnings`
 * say why and `model` is the compressed model. */
export function compressJob(bytes: ModelBytes, recipe: Recipe | string, options?: CompressJobOptions & CallOptions): Promise<CompressJobResult>;

/** The sizes random samples get for the model's inputs (dims the options leave open are chosen
 * with a few trial runs), and why. */
export function inputSizes(bytes: ModelBytes, options?: InputSizesOptions & CallOptions): Promise<InputSizes>;

/** Runs both models on the same samples and reports how far the candidate is from the reference. */
export function compare(reference: ModelBytes, candidate: ModelBytes, options?: CompareOptions & CallOptions): Promise<CompareReport>;

/** Runs a model once; resolves to its outputs, in the model's order. */
export function run(bytes: ModelBytes, inputs: TensorsInput, options?: CallOptions): Promise<Tensors>;

/** The full analysis `pare inspect --json` prints: shapes, params, FLOPs, memory, lint, weights. */
export function analyze(bytes: ModelBytes, options?: CallOptions): Promise<ModelAnalysis>;

/** Ends pare's worker if one runs (its pending calls reject with "aborted"); the next call
 * starts a fresh one. */
export function terminateWorker(): void;
