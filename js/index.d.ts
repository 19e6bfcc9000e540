// Types of the npm package `pare` (index.js, the loader): ready() and the SIMD level it picked,
// plus wasm-bindgen's API and types (pare.d.ts, generated from src/wasm/), re-exported.

import type { CompareOptions, CompareReport, CompressOptions, CompressResult, Recipe } from "./pare.js";

export { inspect, analyze, run, randomInputs, compressCommand, Model } from "./pare.js";
export type {
    Tensor,
    Tensors,
    ModelSummary,
    ModelAnalysis,
    Recipe,
    CompressOptions,
    CompressResult,
    CompareOptions,
    CompareReport,
    TensorComparison,
    CommandOutput,
} from "./pare.js";

// compress and compare as pare.d.ts has them, with the options optional (wasm-bindgen types a
// trailing `X | undefined` parameter as required; the functions accept it left out).

/** Compresses a model with a recipe (`pare::compress`); see `CompressOptions`. */
export function compress(bytes: Uint8Array | ArrayBuffer, recipe: Recipe | string, options?: CompressOptions): CompressResult;

/** Runs both models on the same samples and reports how far the candidate is from the reference. */
export function compare(reference: Uint8Array | ArrayBuffer, candidate: Uint8Array | ArrayBuffer, options?: CompareOptions): CompareReport;

/** What class of failure a PareError reports (src/error.rs ErrorKind, plus the loader's own
 * "not-ready" and "wasm-trap"):
 * - "not-onnx": the bytes are not an ONNX model;
 * - "external-data": the model keeps tensors in external files (pare reads single-file models);
 * - "invalid-model": ONNX but malformed (bad tensor or attribute, undefined value, cycle);
 * - "unsupported-op": an operator, or an opset of one, pare does not implement;
 * - "bad-input": tensors or samples that do not fit the model (name, dtype, shape);
 * - "bad-argument": an argument or option of the wrong type or value;
 * - "invalid-recipe": the recipe is not valid;
 * - "cannot-compress": a valid recipe that cannot apply to this model (nothing to quantize, old opset);
 * - "run-failed": a node failed while the model ran;
 * - "models-differ": compare was given models with different inputs or outputs;
 * - "too-large": a tensor or sample larger than pare allows;
 * - "not-ready": called before ready() resolved;
 * - "wasm-trap": the WebAssembly module stopped (most often out of memory); every later call
 *   fails the same way, so load pare afresh (a new page, Worker or process). */
export type PareErrorKind =
    | "not-onnx"
    | "external-data"
    | "invalid-model"
    | "unsupported-op"
    | "bad-input"
    | "bad-argument"
    | "invalid-recipe"
    | "cannot-compress"
    | "run-failed"
    | "models-differ"
    | "too-large"
    | "not-ready"
    | "wasm-trap";

/** Every PareErrorKind, in the order above. */
export const PARE_ERROR_KINDS: readonly PareErrorKind[];

/** What every function and Model method of this package throws for pare's own failures (an
 * exception thrown by your onProgress callback passes through unchanged). */
export class PareError extends Error {
    constructor(message: string, kind: PareErrorKind, options?: { cause?: unknown });
    readonly name: "PareError";
    readonly kind: PareErrorKind;
}

/** The wasm build in use: SIMD128 + relaxed SIMD, or SIMD128 alone. Results are bit-identical. */
export type SimdLevel = "relaxed" | "simd128";

export interface ReadyOptions {
    /** "auto" (default): relaxed where the engine has it and its dot-add passes a known-answer
     * check, never in Node; "relaxed" forces it (fails if the engine lacks relaxed SIMD);
     * "simd128" forces the plain build. In Node the env var PARE_SIMD sets the default. */
    simd?: "auto" | SimdLevel;
}

/** What ready() found and chose. */
export interface SimdInfo {
    level: SimdLevel;
    /** Why this build was chosen. */
    reason: string;
    /** The engine validates relaxed-SIMD code. */
    relaxedAvailable: boolean;
    /** The engine's i32x4.relaxed_dot_i8x16_i7x16_add_s gives the spec's result. */
    relaxedDotAddCorrect: boolean;
}

/** Loads the wasm build for this engine; call (and await) once before anything else. Later
 * calls return the same promise and ignore their options. */
export function ready(options?: ReadyOptions): Promise<SimdInfo>;
export default ready;

/** The build ready() loaded, or null before it resolved. */
export function simdLevel(): SimdLevel | null;

/** What ready() found and chose, or null before it resolved. */
export function simdInfo(): SimdInfo | null;
