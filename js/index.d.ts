// Types of the npm package `pare` (index.js, the loader): ready() and the SIMD level it picked,
// plus wasm-bindgen's API and types (pare.d.ts, generated from src/wasm/), re-exported.

import type { CompareOptions, CompareReport, CompressOptions, CompressResult, Recipe } from "./pare.js";

export { inspect, analyze, run, Model } from "./pare.js";
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
} from "./pare.js";

// compress and compare as pare.d.ts has them, with the options optional (wasm-bindgen types a
// trailing `X | undefined` parameter as required; the functions accept it left out).

/** Compresses a model with a recipe (`pare::compress`); see `CompressOptions`. */
export function compress(bytes: Uint8Array | ArrayBuffer, recipe: Recipe | string, options?: CompressOptions): CompressResult;

/** Runs both models on the same samples and reports how far the candidate is from the reference. */
export function compare(reference: Uint8Array | ArrayBuffer, candidate: Uint8Array | ArrayBuffer, options?: CompareOptions): CompareReport;

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
