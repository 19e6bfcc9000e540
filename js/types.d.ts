// The types of the npm package `pare`, shared by index.d.ts ("pare") and sync.d.ts ("pare/sync").
// Self-contained: they compile with `lib: ["ES2022"]` alone (no DOM, no @types/node), so nothing
// here names a DOM type; the few host objects pare takes (an AbortSignal, a URL, a compiled
// WebAssembly.Module) are described by the members pare uses. The recipe types mirror the Rust
// specs (src/compress/*/spec.rs) field for field: tests/npm/types.test.mjs checks them against
// what the wasm build accepts, and the report types against what it returns.

declare global {
    // A compiled module (WebAssembly.Module): the DOM and Node declare it; this adds nothing to
    // theirs and gives the name to a program compiled without them.
    namespace WebAssembly {
        interface Module {}
    }
}

// ---------------------------------------------------------------------------------------------
// Tensors
// ---------------------------------------------------------------------------------------------

/** pare's dtype names (onnxruntime-web uses the same names for the same types). */
export type DType =
    | "float32" | "float64" | "float16" | "bfloat16"
    | "int8" | "int16" | "int32" | "int64"
    | "uint8" | "uint16" | "uint32" | "uint64"
    | "bool" | "string";

/** Row-major values: the typed array of the dtype (int64 → BigInt64Array, float16/bfloat16 →
 * Uint16Array of raw bits, bool → Uint8Array of 0/1), or a plain Array of values. */
export type TensorData =
    | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
    | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
    | ReadonlyArray<number | bigint | boolean | string | Uint8Array>;

/** A tensor as pare returns it, and as it takes it. */
export interface Tensor {
    dtype: DType;
    shape: readonly number[];
    data: TensorData;
}

/** A tensor in onnxruntime-web's form, `{ type, dims, data }`, which an `ort.Tensor` also is:
 * pare takes both wherever it takes tensors (CPU tensors only). */
export interface OrtTensorLike {
    readonly type: string;
    readonly dims: readonly number[];
    readonly data: unknown;
    readonly location?: string;
}

/** A tensor pare takes as input: its own form or onnxruntime-web's. */
export type TensorInput = Tensor | OrtTensorLike;

/** Input tensors by input name (an object or a Map). Samples for calibration and comparison are
 * stacked along the first axis. */
export type TensorsInput = { readonly [name: string]: TensorInput } | ReadonlyMap<string, TensorInput>;

/** Output tensors by name, in the model's order. */
export type Tensors = Record<string, Tensor>;

/** Model bytes: a Uint8Array (a Node Buffer is one) or an ArrayBuffer. */
export type ModelBytes = Uint8Array | ArrayBuffer;

// ---------------------------------------------------------------------------------------------
// Recipes (src/compress/recipe.rs and the step specs)
// ---------------------------------------------------------------------------------------------

/** Quantization modes. Each has the CLI's name too (`pare compress --quantize …`):
 *
 * | API / recipe | CLI / also accepted | what                                                  |
 * |--------------|---------------------|-------------------------------------------------------|
 * | `weights`    | `int8-weights`      | int8 weights + DequantizeLinear, float compute        |
 * | `int4_weights` | `int4-weights`    | int4 weights (opset 21, blocked along K), float compute |
 * | `static`     | `int8`              | QDQ weights and activations, needs calibration        |
 * | `dynamic`    | `int8-dynamic`      | MatMul/Gemm via DynamicQuantizeLinear + MatMulInteger |
 * | `ternary`    | `ternary`           | weights −α, 0, +α (α per channel) as int8 codes, float compute |
 * | `pow2`       | `pow2`              | weights ±2^k on a power-of-two scale per channel, int8 codes, float compute |
 * | `kmeans`     | `kmeans`            | weights shared: `clusters` centroids per layer, Gather(codebook, uint4/uint8 indices), float compute |
 *
 * A recipe pare returns uses the first column. */
export type QuantizeMode = "weights" | "int4_weights" | "static" | "dynamic" | "ternary" | "pow2" | "kmeans" | "int8-weights" | "int4-weights" | "int8" | "int8-dynamic";

/** int4/uint4: weights of mode `int4_weights` only (int4 when symmetric, uint4 when not). */
/** int16/uint16: static activations (A16W8) and static or weight-only weights; opset 21. */
export type IntType = "int8" | "uint8" | "int4" | "uint4" | "int16" | "uint16";

export type CalibrationMethod = "minmax" | "percentile" | "entropy" | "mse" | "auto";

/** How static quantization picks activation ranges (src/compress/quantize/spec.rs). */
export interface CalibrationSpec {
    /** Default "minmax". "auto": minmax, percentile and MSE, each with affine and with symmetric
     * activations (symmetric only when `symmetric_activations` is true), measured on the
     * calibration samples; another than minmax only when it beats it by 1 dB (the report's
     * `range_choice`). Needs 2+ samples. */
    method?: CalibrationMethod;
    /** For `percentile`: share of values (in %) inside the range; default 99.999. */
    percentile?: number;
    /** Histogram bins for percentile, entropy and MSE; default 2048. */
    bins?: number;
    /** Use at most this many calibration samples (default: all given). */
    max_samples?: number;
}

/** The `{ quantize: … }` step. */
export interface QuantizeStep {
    mode: QuantizeMode;
    /** Default "int8". For `kmeans`, the indices' type: "uint4" (at most 16 clusters; the model
     * is taken to opset 21) or "uint8"; left out, uint4 up to 16 clusters when the model can be
     * upgraded, else uint8. */
    weight_type?: IntType;
    /** Default "uint8". */
    activation_type?: IntType;
    /** One scale per output channel (default true) or one per tensor. */
    per_channel?: boolean;
    /** Default true (zero point 0, range ±127). */
    symmetric_weights?: boolean;
    /** Default false (affine range). */
    symmetric_activations?: boolean;
    /** 7-bit weights. Default: true for `static` and `dynamic` (onnxruntime's x86 integer
     *  kernels without VNNI, e.g. AVX2, saturate int16 pair sums with 8-bit weights), false for
     *  weight-only modes. Set false for files that run only on VNNI, ARM, GPU or WebAssembly. */
    reduce_range?: boolean;
    calibration?: CalibrationSpec;
    /** Quantize only nodes of these op types. */
    op_types?: string[];
    /** Node names or op types kept in float. */
    exclude?: string[];
    /** Quality target (static mode): the lowest output SQNR in dB, measured on calibration
     * samples held back from range estimation; the most sensitive tensors and weights stay
     * float until it is met (the report's `quality_target` says what fell back). */
    min_sqnr_db?: number;
    /** Quality target for classifiers (static mode): at most this share (%) of the rows of each
     * class-score output (last dim >= 2) may change their top-1 class; with `min_sqnr_db`, both hold. */
    max_top1_drop_pct?: number;
    /** With a quality target: fallbacks go to 16 bits (opset 21) before float. Default true; false keeps them float. */
    fallback_16bit?: boolean;
    /** `int4_weights` only: one scale per this many MatMul/Gemm weights along K (a power of two
     * from 16 to 2048; default 32), 0 for one per output channel. Conv is per output channel. */
    block_size?: number;
    /** `kmeans` only: shared values per weight tensor, 2 to 256 (default 16). */
    clusters?: number;
    /** `kmeans` only: where the centroids start: "linear" (evenly from the smallest to the
     * largest weight), "kmeans++" (D² seeding, fixed seed) or "auto" (default: both, keeping the
     * codebook with the lower squared weight error). */
    init?: "auto" | "linear" | "kmeans++";
    /** Weight-only modes (`weights`, `int4_weights`, `ternary`, `pow2`, `kmeans`): "nearest"
     * (default) or "learned" — each weight rounded up or down so that its layer's output on the
     * calibration samples moves least (GPTQ; same scales as nearest; for `kmeans` the centroids
     * are also refit by least squares to the layer's outputs). "learned" needs calibration samples. */
    rounding?: "nearest" | "learned";
    /** Static mode without calibration data (DFQ): BatchNormalization statistics kept and folded,
     * cross-layer equalization of consecutive Conv/Gemm pairs, bias absorption, activation ranges
     * from the statistics (seeded random samples elsewhere), analytic bias correction. Best with
     * `per_channel: false`. The report's `dfq` says what each step did. */
    data_free?: boolean;
}

export type PruneMethod = "unstructured" | "vector" | "kernel" | "nm" | "filter";
export type PruneCriterion = "l1" | "l2" | "reconstruction";
/** Absent: "lsq" when the step gets calibration samples of the user's (not `calibrationRandom`),
 * else none; "none" skips it. A correction that makes the outputs worse is not applied. */
export type PruneCorrection = "bias" | "lsq" | "none";
/** How `ratio` is shared among layers (unstructured, vector, kernel, filter): "uniform", every
 * layer to it; "adaptive", per-layer ratios that prune `ratio` of all their weights in total (filter:
 * of the channels, counted by their weights, per group of tied channels), layers whose weights
 * carry more of their output less. Absent: "adaptive" when the step gets calibration
 * samples of the user's and has no `ratios`, `auto` or global `scope`, else "uniform". */
export type PruneAllocation = "uniform" | "adaptive";
export type AutoMetric = "rel_l2" | "cosine_distance";

/** `prune.auto`: per-layer ratios chosen for a global sparsity target under an error budget. */
export interface AutoSpec {
    /** Global sparsity target in (0, 1). */
    target: number;
    /** Largest output error allowed (by `metric`). */
    max_error?: number;
    /** Default "rel_l2". */
    metric?: AutoMetric;
    /** Default 32. */
    max_samples?: number;
    /** Ratios tried per layer, increasing. */
    grid?: number[];
}

/** What every prune step takes. */
interface PruneCommon {
    /** Prune only these layers (node names or op types). */
    include?: string[];
    /** Never prune these layers. */
    exclude?: string[];
    /** Leave the first and last prunable layers alone (default true). */
    keep_first_last?: boolean;
    /** Importance of a group of weights (default "l1"); "reconstruction": filter with calibration samples, channels chosen by the output change of the layers reading them. */
    criterion?: PruneCriterion;
}

/** Methods with a ratio: `ratio`, per-layer `ratios` by node name, or `auto`. */
interface WithRatio {
    /** Share of the layer's units to remove, in [0, 1). */
    ratio?: number;
    ratios?: Record<string, number>;
}

/** The `{ prune: … }` step, by method. */
export type PruneStep =
    | (PruneCommon & WithRatio & {
          method: "unstructured";
          auto?: AutoSpec;
          /** "layer" (default): each layer to `ratio`; "global": one threshold across layers. */
          scope?: "layer" | "global";
          correct?: PruneCorrection;
          allocation?: PruneAllocation;
          /** Filter pruning's; 1 (the default, written back in applied recipes) elsewhere. */
          round_to?: 1;
      })
    | (PruneCommon & WithRatio & { method: "vector" | "kernel"; auto?: AutoSpec; scope?: "layer"; correct?: PruneCorrection; allocation?: PruneAllocation; round_to?: 1 })
    | (PruneCommon & {
          method: "nm";
          /** Keep at most `n` nonzeros in every `m` consecutive weights. */
          n: number;
          m: number;
          scope?: "layer";
          correct?: PruneCorrection;
          round_to?: 1;
      })
    | (PruneCommon & WithRatio & {
          method: "filter";
          scope?: "layer";
          /** Corrects the pruned layers and the layers reading removed channels. */
          correct?: PruneCorrection;
          /** Per group of tied channels (adaptive, the default with your own samples) or every layer at `ratio`. */
          allocation?: PruneAllocation;
          /** Round each layer's kept channels up to a multiple of 1 (default), 8 or 16. */
          round_to?: 1 | 8 | 16;
      });

/** The `{ binarize: … }` step (XNOR-Net). */
export interface BinarizeStep {
    /** Binarize the layers' inputs too (default false). */
    activations?: boolean;
    /** Where binary activations switch sign (`activations` only): `calibrated` fits a threshold
     * and x ≈ a·s + b per binarized input to the calibration samples (the default with your own
     * samples), `zero` is XNOR-Net's sign (the default without; constant after a ReLU). */
    threshold?: "zero" | "calibrated";
    include?: string[];
    exclude?: string[];
    /** Default true. */
    keep_first_last?: boolean;
}

/** One step of a recipe: exactly one of quantize, prune, binarize, opset. `{ opset: 13 }`
 * converts the model to that opset of the default domain (a step that needs a newer opset than
 * the model's, such as per-channel quantization, upgrades it by itself; the report says so). */
export type RecipeStep =
    | { quantize: QuantizeStep; prune?: never; binarize?: never; opset?: never }
    | { prune: PruneStep; quantize?: never; binarize?: never; opset?: never }
    | { binarize: BinarizeStep; quantize?: never; prune?: never; opset?: never }
    | { opset: number; quantize?: never; prune?: never; binarize?: never };

/** A recipe: steps applied in order; the same JSON as `pare compress --recipe`. */
export interface Recipe {
    steps: RecipeStep[];
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** What pare reads of an AbortSignal (the DOM's and Node's are both one). */
export interface AbortSignalLike {
    readonly aborted: boolean;
    readonly reason?: unknown;
    addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
    removeEventListener(type: "abort", listener: () => void): void;
}

/** A URL object or anything with an `href` (the DOM's and Node's URL). */
export interface UrlLike {
    readonly href: string;
}

/** Seeded random samples: `seed` (default 0), `samples` (default 8), sizes of symbolic dims by
 * name (unset ones are 1) and whole input shapes, as `pare compare --random --dim … --shape …`. */
export interface RandomSamples {
    seed?: number;
    samples?: number;
    dims?: Record<string, number>;
    shapes?: Record<string, readonly number[]>;
}

/** How a Promise-returning call runs. */
export interface CallOptions {
    /** Stops the call: a queued one is dropped, a running one's worker is terminated (inline,
     * the signal is checked before and after). Rejects with a PareError of kind "aborted". */
    signal?: AbortSignalLike;
    /** Run in the package's worker (true) or on this thread (false); default from ready(). */
    worker?: boolean;
    /** Move the input buffers to the worker instead of copying them (they become unusable here). */
    transfer?: boolean;
}

export type CompressStage = "calibrate" | "quantize" | "prune" | "correct" | "binarize" | "convert" | "compare";

export interface CompressProgress {
    /** "compress" while the steps run; "compare" for compressJob's comparison after them
     * (then `stage` is "compare", `step` and `steps` 0, and `done`/`total` count samples). */
    phase: "compress" | "compare";
    /** The step (from 0) of `steps`. */
    step: number;
    steps: number;
    stage: CompressStage;
    done: number;
    total: number;
}

/** Calibration samples (stacked along the first axis, keyed by input name) or seeded random
 * ones, not both; static quantization and pruning with `correct` need one (pruning corrects by
 * default with `calibration`, not with random samples). */
export type CalibrationChoice =
    | { calibration: TensorsInput; calibrationRandom?: never }
    | { calibrationRandom: RandomSamples; calibration?: never }
    | { calibration?: never; calibrationRandom?: never };

/** Whose words hints in errors and warnings use: the API's option keys (default) or the web
 * page's controls ("page"); the CLI's flags are never named here. */
export type MessagesFor = "api" | "page";

export type CompressOptions = CalibrationChoice & {
    /** Called as work advances (in the calling thread, also when the work runs in a worker). */
    onProgress?: (progress: CompressProgress) => void;
    messages?: MessagesFor;
};

/** Samples from `inputs` or seeded `random` ones (the default: seed 0, 8 samples), not both. */
export type CompareSamples =
    | { inputs: TensorsInput; random?: never }
    | { random: RandomSamples; inputs?: never }
    | { inputs?: never; random?: never };

export type CompareOptions = CompareSamples & {
    /** Compare the intermediate tensors both models name (default true). */
    intermediates?: boolean;
    /** Describes the samples in the report. */
    inputSource?: string;
    /** Called after each sample. */
    onProgress?: (progress: { done: number; total: number }) => void;
};

/** Options of `compressJob`: compress's, plus what to compare the result on. */
export type CompressJobOptions = CompressOptions & {
    /** Held-out samples to compare on (stacked, keyed by input name); default: the first 16
     * calibration samples (said to be not held-out), else 16 seeded random ones at sizes the
     * model runs on. */
    compareInputs?: TensorsInput;
    /** Describes `compareInputs` in the report. */
    compareSource?: string;
    /** Seed and sizes of random comparison samples. */
    random?: RandomInputOptions;
    /** Skip the comparison. */
    noCompare?: boolean;
};

/** `inputSizes`' options: sizes the caller fixes (the rest are chosen). */
export interface InputSizesOptions {
    dims?: Record<string, number>;
    shapes?: Record<string, readonly number[]>;
    messages?: MessagesFor;
}

/** `randomInputs`' options: one run's inputs (no `samples`). */
export interface RandomInputOptions {
    seed?: number;
    dims?: Record<string, number>;
    shapes?: Record<string, readonly number[]>;
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

export interface SizeReport {
    bytes: number;
    gzip_bytes: number;
}

/** A layer a step left alone, and why. */
export interface SkippedNode {
    node: string;
    op_type: string;
    graph: string;
    reason: string;
}

export interface QuantizedLayer {
    node: string;
    op_type: string;
    graph: string;
    weight: string;
    weight_shape: number[];
    channel_axis: number | null;
    /** [axis, block_size] for blocked weights (`int4_weights`). */
    block?: [number, number];
    /** How the bias was stored ("int32", "none"…). */
    bias: string;
    weight_max_abs_error: number;
    weight_sqnr_db: number | null;
}

/** One layer of learned rounding (`rounding: "learned"`). */
export interface LayerRounding {
    node: string;
    op_type: string;
    weight: string;
    applied: "learned" | "nearest";
    /** Calibration input rows H = XᵀX was built from. */
    rows: number;
    /** Relative squared error of the layer output on those rows, nearest vs learned codes. */
    output_rel_error_nearest: number | null;
    output_rel_error_learned: number | null;
    note?: string;
}

export interface RoundingReport {
    method: "learned";
    algorithm: string;
    samples: number;
    inputs: string;
    error_metric: string;
    layers_learned: number;
    layers: LayerRounding[];
    /** Lowest output SQNR vs the float model on the calibration samples, rounded to nearest / learned (null: exact or not measured). */
    output_sqnr_db_nearest: number | null;
    output_sqnr_db_learned: number | null;
    /** False when nearest gave the better outputs: the nearest-rounded model was written. */
    applied: boolean;
}

export interface ActivationRange {
    tensor: string;
    observed_min: number;
    observed_max: number;
    min: number;
    max: number;
    scale: number;
    zero_point: number;
    /** 8, or 16 (16-bit activations, or a quality target's 16-bit fallback). */
    bits: 8 | 16;
    shared_with?: string;
}

export interface QuantizeReport {
    mode: "weights" | "int4_weights" | "static" | "dynamic" | "ternary" | "pow2" | "kmeans";
    weight_type: IntType;
    activation_type: IntType | null;
    per_channel: boolean;
    symmetric_weights: boolean;
    reduce_range: boolean;
    layers: QuantizedLayer[];
    activations: ActivationRange[];
    calibration: { method: CalibrationMethod; samples: number; tensors: number } | null;
    /** ReLU/Clip activations removed (the quantized range clamps the same way). */
    folded_activations: string[];
    skipped: SkippedNode[];
    notes: string[];
    /** Present when the step had `min_sqnr_db` or `max_top1_drop_pct`. */
    quality_target?: QualityTargetReport;
    /** Present when the step had `rounding: "learned"`. */
    rounding?: RoundingReport;
    /** Present when the step had `data_free`. */
    dfq?: DfqReport;
}

/** What data-free quantization did (pare::compress::quantize::dfq). */
export interface DfqReport {
    /** BatchNormalization nodes whose statistics (beta, |gamma| per channel) were kept. */
    batch_norm_stats: number;
    equalized: {
        first: string;
        second: string;
        /** The activation between them, or "none". */
        through: string;
        first_groups: number;
        second_groups: number;
        /** Output channel i of `first` was divided by s_i, input channel i of `second` multiplied. */
        scale_min: number;
        scale_max: number;
    }[];
    equalization_rounds: number;
    absorbed: { from: string; into: string; channels: number; max_shift: number }[];
    /** Per activation: its range from the statistics or from samples, or kept float (a model
     * input without the user's samples; min and max null). */
    ranges: { tensor: string; source: "batch_norm" | "samples" | "kept_float"; min: number | null; max: number | null }[];
    /** Where the "samples" ranges came from. */
    samples: string;
    bias_corrections: { layer: string; input: string; max_abs_shift: number; mean_abs_shift: number }[];
}

/** What a quality target measured and kept in float (pare::compress::quantize::target). */
export interface QualityTargetReport {
    metric: string;
    /** The SQNR target, null when only a top-1 target was given. */
    target_db: number | null;
    max_top1_drop_pct: number | null;
    /** The search's SQNR at its choice, ranges from the calibration part (null: exact or non-finite). */
    searched_db: number | null;
    /** The written model's SQNR on every calibration sample (null: exact or non-finite). */
    reached_db: number | null;
    /** With a top-1 target: the share (%) of rows whose top-1 class changed (worse part, worst
     * class-score output), at the search's choice and for the written model. */
    searched_top1_drop_pct: number | null;
    top1_drop_pct: number | null;
    met: boolean;
    calibration_samples: number;
    held_out_samples: number;
    /** How candidates were ordered. */
    sensitivity: string;
    fallbacks: {
        kind: "activation" | "weight" | "constant" | "recurrent weights" | "subgraph weights";
        name: string;
        /** Quantized with 16 bits instead of 8 (opset 21), or not quantized. */
        to: "16-bit" | "float";
        local_sqnr_db: number | null;
        sqnr_alone_quantized_db: number | null;
    }[];
    /** Share of the statically quantized layers' weight elements stored as int8. */
    int8_weight_share: number;
    /** Share stored as int16 (16-bit fallbacks). */
    int16_weight_share: number;
    quantized_activations: number;
    trajectory: { fallbacks: number; fallback_to: "16-bit" | "float"; ranges: string; sqnr_db: number | null; non_finite: boolean; top1_drop_pct: number | null; int8_weight_share: number }[];
}

export interface LayerCorrection {
    applied: string;
    output_rel_mse_before?: number;
    output_rel_mse_after?: number;
    max_abs_bias_shift?: number;
    lsq_rows?: number;
    note?: string;
}

export interface PrunedLayer {
    name: string;
    op_type: string;
    graph?: string;
    method: string;
    params_before: number;
    params_after: number;
    nonzeros_before: number;
    nonzeros_after: number;
    sparsity: number;
    out_channels_before?: number;
    out_channels_after?: number;
    correction?: LayerCorrection;
}

export interface AutoReport {
    target: number;
    max_error?: number;
    metric: string;
    output: string;
    samples: number;
    inputs: string;
    grid: number[];
    reached_target: boolean;
    sparsity: number;
    predicted_error: number;
    measured_error: number;
    backoffs: number;
    model_runs: number;
    ratios: Record<string, number>;
    layers: { name: string; op_type: string; params: number; ratio: number; scan: number[] }[];
    outcome: string;
}

export interface PruneReport {
    method: string;
    layers: PrunedLayer[];
    skipped: { name: string; op_type: string; graph?: string; reason: string }[];
    totals: {
        layers_pruned: number;
        params_before: number;
        params_after: number;
        nonzeros_before: number;
        nonzeros_after: number;
        sparsity: number;
        model_params_before: number;
        model_params_after: number;
    };
    flops?: { before: number; after: number };
    correction?: {
        method: string;
        /** "asked for", or why it ran by default. */
        chosen: string;
        /** False when the corrected outputs were further from the original's: not applied. */
        applied: boolean;
        /** Lowest output SQNR vs the original on the calibration samples, without / with it (null: exact or not measured). */
        output_sqnr_db_before: number | null;
        output_sqnr_db_after: number | null;
        samples: number;
        layers_corrected: number;
        inputs: string;
        error_metric: string;
    };
    /** Filter pruning: layers that lost input channels only, corrected to make up for them. */
    corrected_inputs?: { name: string; correction: LayerCorrection }[];
    auto?: AutoReport;
    notes: string[];
}

export interface BinarizeReport {
    activations: boolean;
    /** The binary activations' threshold (with `activations` only). */
    threshold?: "zero" | "calibrated";
    layers: {
        node: string;
        op_type: string;
        weight: string;
        weight_shape: number[];
        channel_axis: number;
        alpha_min: number;
        alpha_max: number;
        weight_sqnr_db: number | null;
        binary_input?: string;
        /** Calibrated thresholds: the input's scale a (x ≈ a·s + b), folded into the weight scales. */
        input_scale?: number;
        /** Calibrated thresholds: how many (one per tensor, or one per input channel). */
        input_thresholds?: number;
    }[];
    skipped: SkippedNode[];
    notes: string[];
}

/** What an opset conversion did (src/convert/report.rs). */
export interface ConvertReport {
    /** Opset of the default domain before and after. */
    from: number;
    to: number;
    ir_version_from: number;
    ir_version_to: number;
    /** Nodes changed, in graph order. */
    changes: { node: string; op_type: string; at_opset: number; change: string }[];
    nodes_added: number;
    /** Why the conversion ran, when a step asked for it. */
    reason?: string;
}

/** One step's report: the same key as the step. */
export type StepReport = { quantize: QuantizeReport } | { prune: PruneReport } | { binarize: BinarizeReport } | { opset: ConvertReport };

/** Where the bytes of one encoded model go. */
export interface ByteBreakdown {
    /** Weights per element type, largest first. */
    weights: { dtype: string; bytes: number; tensors: number }[];
    /** Scales and zero points read by QuantizeLinear/DequantizeLinear. */
    quantization_parameters: number;
    /** Nodes, names, shapes, metadata, protobuf framing. */
    graph: number;
}

/** What `compress` reports (`pare compress --report` writes it under "report"). */
export interface CompressReport {
    before: SizeReport;
    after: SizeReport;
    /** With two steps or more: the size after each step (the last equals `after`). */
    after_steps?: SizeReport[];
    steps: StepReport[];
    bytes_before: ByteBreakdown;
    bytes_after: ByteBreakdown;
    /** Opset upgrades compress made by itself before the step (index) that needed them. */
    upgrades?: { step: number; report: ConvertReport }[];
    /** What compress changed by itself besides the steps (e.g. weights freed from the inputs). */
    notes?: string[];
    /** Bytes of the model as given (what `ls -l` shows); `before` measures pare's re-encoding. */
    input_file_bytes?: number;
}

/** What `compress` returns: the compressed ONNX file, the report and the recipe as applied
 * (defaults filled in, modes with their API names). */
export interface CompressResult {
    model: Uint8Array;
    report: CompressReport;
    recipe: Recipe;
    /** One line per step (each automatic opset upgrade before its step), as `pare compress`
     * prints them. */
    steps: string[];
}

/** The sizes random samples get for a model's inputs, and how they were chosen
 * (pare::runtime::input_sizes): fixed by the model or the caller, stated in its metadata, or
 * searched with trial runs. */
export interface SizeChoice {
    source: "fixed" | "model" | "searched" | "unresolved";
    /** [input name, shape] for every input a caller feeds. */
    inputs: [string, number[]][];
    /** Open dims and the size each got: `height=320`, `x[2]=320`. */
    chosen: string[];
    /** Candidates that did not run, with the first line of their error. */
    tried: string[];
    /** Why no candidate ran, when none did. */
    failure?: string;
}

/** What `inputSizes` returns (and compressJob's `inputSizes`): the SizeChoice and one line
 * saying it: each input's full shape and how the sizes were chosen. */
export interface InputSizes extends SizeChoice {
    summary: string;
}

/** What `compressJob` returns: compress's result, the comparison (or why it failed: the
 * compressed model is there either way), the sizes random samples got, and warnings. */
export interface CompressJobResult extends CompressResult {
    compare?: CompareReport;
    /** Why the comparison failed; `model` is still the compressed model. */
    compareError?: string;
    /** Sizes of the random samples, when any were made. */
    inputSizes?: InputSizes;
    /** Things to tell the user (a failed comparison, a file that grew, …). */
    warnings: string[];
}

/** What `compressCommand` returns: files to write (only when the command succeeded), the text
 * for stdout, warnings for stderr, and the error when it failed (`usage`: the command line is
 * wrong, exit code 2; else exit code 1). */
export interface CommandOutput {
    files: [string, Uint8Array][];
    stdout: string;
    warnings: string[];
    error?: { usage: boolean; kind: PareErrorKind; message: string };
}

export interface TensorMetrics {
    elements: number;
    max_abs: number;
    mean_abs: number;
    cosine: number | null;
    sqnr_db: number | null;
    exact: boolean;
    nonfinite_mismatches: number;
}

export interface TensorComparison {
    name: string;
    dtype: string;
    shape: number[];
    metrics: TensorMetrics;
    /** For classifier-like outputs. */
    agreement?: {
        classes: number;
        rows: number;
        top1_matches: number;
        top1_rate: number;
        top5_matches: number | null;
        top5_rate: number | null;
    };
}

/** What `compare` reports (the JSON of `pare compare --json`). */
export interface CompareReport {
    input_source: string;
    samples: number;
    outputs: TensorComparison[];
    intermediates_compared: boolean;
    intermediates: TensorComparison[];
    intermediates_skipped: { name: string; reason: string }[];
}

/** What `pack` reports (bytes). */
export interface PackReport {
    onnxBytes: number;
    containerBytes: number;
    /** Tensor payloads cut out of the protobuf and coded on their own, and their bytes. */
    payloads: number;
    payloadBytes: number;
    /** The rest of the file (the skeleton), before and after coding. */
    skeletonBytes: number;
    skeletonCodedBytes: number;
}

/** What `pack` returns: the .pare container and its sizes. */
export interface PackResult {
    container: Uint8Array;
    report: PackReport;
}

/** What `inspect` reports. */
export interface ModelSummary {
    producer: string;
    ir_version: number;
    /** [domain ("" is ai.onnx), version]. */
    opsets: [string, number][];
    inputs: { name: string; type: string }[];
    outputs: { name: string; type: string }[];
    node_count: number;
    op_histogram: Record<string, number>;
}

export interface MemoryAccess {
    activation_read_bytes: number;
    weight_read_bytes: number;
    written_bytes: number;
    total_bytes: number;
}

/** Statistics of one layer's weight values. */
export interface WeightStats {
    min: number;
    max: number;
    mean: number;
    /** Population standard deviation. */
    std: number;
    /** Exact zeros (pruned weights) and their share of all values. */
    zeros: number;
    zero_fraction: number;
    /** NaN and ±Infinity, left out of everything else. */
    non_finite: number;
    /** Distinct values, counted up to 257 (257: more than 256). */
    levels: number;
    /** numpy.histogram's bins over [min, max]: `edges` has one more entry than `counts`. */
    histogram: { edges: number[]; counts: number[] };
}

/** The weights of one layer (Conv, Gemm, MatMul or their quantized forms). */
export interface LayerWeights {
    name: string;
    op_type: string;
    /** Where the node sits; absent for the main graph. */
    graph?: string;
    /** The stored tensor (the integer tensor of a dequantized weight). */
    weight: string;
    shape: number[];
    count: number;
    /** As stored: "float32", "int8"… */
    dtype: string;
    /** What `stats` summarizes. */
    values: "stored" | "dequantized" | "integer";
    /** "per-tensor" or "per-axis 0 (16 channels)" for quantized weights. */
    quantization?: string;
    /** Distinct stored integers of a quantized weight, counted up to 257. */
    stored_levels?: number;
    /** Absent when `error` says why (or no value is finite). */
    stats?: WeightStats;
    error?: string;
}

export interface LintFinding {
    rule: string;
    /** "note": worth knowing, nothing to change; "info": an inefficiency on some hardware;
     * "warning": on most hardware. */
    severity: "note" | "info" | "warning";
    nodes: string[];
    message: string;
}

/** What `analyze` reports (the JSON of `pare inspect --json`). */
export interface ModelAnalysis {
    summary: ModelSummary;
    shapes: {
        /** How the shapes were found (observed by running the model, or inferred). */
        source: string;
        note?: string;
        inputs: { name: string; dtype: string; shape: number[] }[];
        /** How the sizes of open input dims were chosen, when any was open. */
        sizes?: SizeChoice;
        defaulted_dims: string[];
        known_values: number;
        inferred_values: number;
        total_values: number;
    };
    params: {
        total_params: number;
        total_bytes: number;
        tensor_count: number;
        initializer_params: number;
        constant_params: number;
        by_dtype: { dtype: string; params: number; bytes: number; tensors: number }[];
    };
    totals: { flops: number; macs: number; memory: MemoryAccess; nodes_without_flops: number; nodes_with_unknown_shapes: number };
    structure: Record<string, number | Record<string, number>>;
    ops: { op_type: string; count: number; flops: number; macs: number; memory_bytes: number; flops_share: number }[];
    nodes: {
        /** The node name, or `OpType → first output` when unnamed. */
        name: string;
        op_type: string;
        domain?: string;
        /** Where the node sits; absent for the main graph. */
        graph?: string;
        category: string;
        input_shapes: (number[] | null)[];
        output_shapes: (number[] | null)[];
        /** The tensors the node writes (the names `compare` reports). */
        outputs: string[];
        flops: number;
        macs: number;
        params: number;
        memory: MemoryAccess;
        arithmetic_intensity: number | null;
        flops_counted: boolean;
        memory_complete: boolean;
        note?: string;
        /** Ids of the lint rules that fired on this node. */
        lint?: string[];
    }[];
    lint: { findings: LintFinding[]; rules: { id: string; title: string; reason: string }[] };
    /** Per layer with weights, main graph first. */
    weights: LayerWeights[];
}

// ---------------------------------------------------------------------------------------------
// Errors, loading
// ---------------------------------------------------------------------------------------------

/** What class of failure a PareError reports (src/error.rs ErrorKind, plus the loader's own):
 * - "not-onnx": the bytes are not an ONNX model;
 * - "external-data": the model keeps tensors in external files (pare reads single-file models);
 * - "invalid-model": ONNX but malformed (bad tensor or attribute, undefined value, cycle);
 * - "unsupported-op": an operator, or an opset of one, pare does not implement;
 * - "bad-input": tensors or samples that do not fit the model (name, dtype, shape);
 * - "bad-argument": an argument or option of the wrong type or value, or an unknown option key;
 * - "invalid-recipe": the recipe is not valid;
 * - "cannot-compress": a valid recipe that cannot apply to this model (nothing to quantize, old opset);
 * - "run-failed": a node failed while the model ran;
 * - "models-differ": compare was given models with different inputs or outputs;
 * - "too-large": a tensor or sample larger than pare allows;
 * - "bad-container": the bytes are not a .pare container pare can decode (wrong magic or
 *   version, truncated, or damaged: a checksum does not match);
 * - "not-ready": called before ready() resolved;
 * - "load-failed": the wasm or the worker could not be loaded (the message says where from);
 * - "wasm-trap": the WebAssembly module stopped (most often out of memory): inline, every later
 *   call fails the same way, so load pare afresh; in the package's worker, the next call gets a
 *   fresh worker;
 * - "aborted": an AbortSignal stopped the call;
 * - "model-freed": a Model used after free(). */
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
    | "bad-container"
    | "not-ready"
    | "load-failed"
    | "wasm-trap"
    | "aborted"
    | "model-freed";

/** Every PareErrorKind, in the order above. */
export const PARE_ERROR_KINDS: readonly PareErrorKind[];

/** What every function and Model method of this package throws or rejects with (an exception
 * thrown by your onProgress callback passes through unchanged). */
export class PareError extends Error {
    constructor(message: string, kind: PareErrorKind, options?: { cause?: unknown });
    readonly name: "PareError";
    readonly kind: PareErrorKind;
}

/** The wasm build in use: SIMD128 + relaxed SIMD, or SIMD128 alone. Results are bit-identical. */
export type SimdLevel = "relaxed" | "simd128";

/** A wasm URL: a string (a path in Node) or a URL object. */
export type WasmUrl = string | UrlLike;

/** Where the wasm comes from: one of these, or none (the file next to the package's module). */
export type WasmSource =
    | { wasmUrl?: undefined; wasmPaths?: undefined; wasmModule?: undefined }
    /** One build's URL (`import wasmUrl from "pare/wasm/simd128?url"`); which build it is, is read from the file. */
    | { wasmUrl: WasmUrl; wasmPaths?: undefined; wasmModule?: undefined }
    /** A folder URL holding pare_bg.wasm and pare_relaxed_bg.wasm, or each build's URL; ready()
     * picks one and fetches only that one. */
    | { wasmPaths: WasmUrl | { simd128?: WasmUrl; relaxed?: WasmUrl }; wasmUrl?: undefined; wasmModule?: undefined }
    /** A compiled module or the .wasm bytes. */
    | { wasmModule: WebAssembly.Module | ArrayBuffer | ArrayBufferView; wasmUrl?: undefined; wasmPaths?: undefined };

export type ReadyOptions = WasmSource & {
    /** "auto" (default): relaxed where the engine has it and its dot-add passes a known-answer
     * check, never in Node; "relaxed" forces it (fails if the engine lacks relaxed SIMD);
     * "simd128" forces the plain build. In Node the env var PARE_SIMD sets the default. */
    simd?: "auto" | SimdLevel;
    /** Whether compress, compare, run and analyze run in a worker pare manages: default true on
     * a page's main thread, false inside a worker and in Node (worker_threads when true). */
    worker?: boolean;
    /** The worker script to start instead of the package's own (a bundle of `pare/worker`). */
    workerUrl?: WasmUrl;
};

/** What ready() found and chose. */
export interface SimdInfo {
    level: SimdLevel;
    /** Why this build was chosen. */
    reason: string;
    /** The engine validates relaxed-SIMD code. */
    relaxedAvailable: boolean;
    /** The engine's i32x4.relaxed_dot_i8x16_i7x16_add_s gives the spec's result. */
    relaxedDotAddCorrect: boolean;
    /** Where the wasm came from (a URL, or what was given). */
    source: string;
}

/** A model parsed and prepared once, to run many times, synchronously on the calling thread. */
export class Model {
    /** Parses and prepares the model; throws a PareError if it is not ONNX or uses an op pare lacks. */
    constructor(bytes: ModelBytes);
    /** The same summary as `inspect`. */
    inspect(): ModelSummary;
    /** Runs the model once. */
    run(inputs: TensorsInput): Tensors;
    /** Names of the inputs a caller must feed. */
    readonly inputNames: string[];
    /** Names of the outputs `run` returns, in order. */
    readonly outputNames: string[];
    /** Frees the model's memory; using it afterwards throws a PareError of kind "model-freed". */
    free(): void;
}

/** Summarizes a model: producer, opsets, inputs and outputs with their types, op histogram. */
export function inspect(bytes: ModelBytes): ModelSummary;
/** Stores an ONNX file losslessly in a smaller .pare container (docs/container.md); "not-onnx"
 * for bytes that are not a model. Synchronous. */
export function pack(bytes: ModelBytes): PackResult;
/** The exact ONNX bytes a .pare container holds; "bad-container" when it is damaged, never a
 * wrong model. Synchronous. (`pare/container` has a ~9 KB-gzipped decoder of its own.) */
export function decode(container: Uint8Array | ArrayBuffer): Uint8Array;

/** Seeded random inputs for one run, as `pare run --random` makes them. */
export function randomInputs(bytes: ModelBytes, options?: RandomInputOptions): Tensors;

/** Whether a recipe reads calibration samples: the user's (`"given"`, the default) or random
 * ones pare makes (`"random"`: pruning then corrects only when a step sets `correct`). */
export function recipeNeedsCalibration(recipe: Recipe | string, samples?: "given" | "random"): boolean;

/** `pare compress ARGS…` (the arguments after `compress`), as the native CLI runs it: files are
 * read through `readFile`, progress lines go to `onLine`; nothing is written. The npm CLI's
 * whole compress command. */
export function compressCommand(argv: readonly string[], readFile: (path: string) => Uint8Array, onLine?: (line: string) => void): CommandOutput;

/** The build ready() loaded, or null before it resolved. */
export function simdLevel(): SimdLevel | null;

/** What ready() found and chose, or null before it resolved. */
export function simdInfo(): SimdInfo | null;
