//! `pare compress`'s command line, parsed once for both CLIs: the options, the help, and the
//! short flags (`--quantize int8 --prune filter:0.25 --per-tensor …`) made into a recipe. The
//! native CLI and `npx pare` (through the wasm API) both call [`parse_compress_command`].

use super::args::{self, OptionSpec, Parsed, UsageError, command_help, parse_dims, parse_shapes};
use crate::compress::binarize::BinarizeSpec;
use crate::compress::prune::PruneSpec;
use crate::compress::quantize::{CalibrationMethod, IntType, KMeansInit, Mode, QuantizeSpec, Rounding};
use crate::compress::{Recipe, Step};

/// Where the recipe comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum RecipeSource {
    /// A JSON file to read (`--recipe`).
    File(String),
    /// Built from the short flags.
    Flags(Recipe),
}

/// Where calibration samples come from.
#[derive(Clone, Debug, PartialEq)]
pub enum CalibrationSource {
    None,
    /// An `.npz` file of stacked samples keyed by input name (`--calib`).
    File(String),
    /// This many seeded random samples (`--calib-random N`).
    Random(usize),
}

/// A parsed `pare compress` command line.
#[derive(Clone, Debug, PartialEq)]
pub struct CompressCommand {
    pub model: String,
    pub out: String,
    pub recipe: RecipeSource,
    pub calibration: CalibrationSource,
    pub seed: u64,
    pub dims: Vec<(String, usize)>,
    pub shapes: Vec<(String, Vec<usize>)>,
    pub compare_inputs: Option<String>,
    pub no_compare: bool,
    pub report: Option<String>,
    pub print_recipe: bool,
}

/// `None` when the command line asks for help (print [`compress_help`]).
pub fn parse_compress_command(argv: &[String]) -> Result<Option<CompressCommand>, UsageError> {
    let parsed = args::parse_groups("compress", &[OPTIONS, SAMPLE_OPTIONS, OUTPUT_OPTIONS], argv)?;
    if parsed.help {
        return Ok(None);
    }
    let model = match parsed.positionals.as_slice() {
        [model] => model.clone(),
        [] => return Err(UsageError("`pare compress` needs a MODEL file (see `pare compress --help`)".into())),
        [_, extra, ..] => {
            return Err(UsageError(format!(
                "unexpected argument `{extra}`: `pare compress` takes one MODEL (see `pare compress --help`)"
            )));
        }
    };
    let out = match (parsed.value("o"), parsed.value("out")) {
        (Some(_), Some(_)) => return Err(UsageError("give the output once: -o or --out".into())),
        (Some(o), None) | (None, Some(o)) => o.to_string(),
        (None, None) => return Err(UsageError("`pare compress` needs -o OUT.onnx".into())),
    };
    let recipe = recipe_from_flags(&parsed)?;
    let calibration = calibration_source(&parsed)?;
    let paths = [Some(model.as_str()), parsed.value("calib"), parsed.value("compare-inputs"), parsed.value("recipe")];
    if paths.iter().flatten().any(|p| *p == out) {
        return Err(UsageError(format!("-o `{out}` is one of the input files: write the compressed model elsewhere")));
    }
    if let Some(report) = parsed.value("report") {
        if paths.iter().flatten().any(|p| *p == report) || report == out {
            return Err(UsageError(format!("--report `{report}` is one of the input or output files")));
        }
    }
    Ok(Some(CompressCommand {
        model,
        out,
        recipe,
        calibration,
        seed: parsed.parsed::<u64>("seed", "a non-negative integer")?.unwrap_or(0),
        dims: parse_dims(&parsed.values("dim"))?,
        shapes: parse_shapes(&parsed.values("shape"))?,
        compare_inputs: parsed.value("compare-inputs").map(str::to_string),
        no_compare: parsed.flag("no-compare"),
        report: parsed.value("report").map(str::to_string),
        print_recipe: parsed.flag("print-recipe"),
    }))
}

/// `--calib FILE.npz` or `--calib-random N` (not both, N ≥ 1), parsed from
/// [`SAMPLE_OPTIONS`].
pub fn calibration_source(parsed: &Parsed) -> Result<CalibrationSource, UsageError> {
    let random = parsed.parsed::<usize>("calib-random", "a number of samples")?;
    Ok(match (parsed.value("calib"), random) {
        (Some(_), Some(_)) => return Err(UsageError("give --calib or --calib-random, not both".into())),
        (Some(path), None) => CalibrationSource::File(path.to_string()),
        (None, Some(0)) => return Err(UsageError("--calib-random needs at least 1 sample".into())),
        (None, Some(n)) => CalibrationSource::Random(n),
        (None, None) => CalibrationSource::None,
    })
}

/// The options that choose samples, shared by every command that runs the model on them:
/// a file or seeded random ones ([`calibration_source`]), and the sizes of random ones.
pub const SAMPLE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::value("calib", "FILE.npz"),
    OptionSpec::value("calib-random", "N"),
    OptionSpec::value("seed", "N"),
    OptionSpec::repeated("dim", "NAME=SIZE"),
    OptionSpec::repeated("shape", "INPUT=D0,D1,..."),
];

/// The recipe's options ([`SAMPLE_OPTIONS`] and [`OUTPUT_OPTIONS`] follow).
const OPTIONS: &[OptionSpec] = &[
    OptionSpec::value("o", "OUT.onnx"),
    OptionSpec::value("out", "OUT.onnx"),
    OptionSpec::value("recipe", "RECIPE.json"),
    OptionSpec::repeated("quantize", "KIND"),
    OptionSpec::repeated("prune", "METHOD:RATIO"),
    OptionSpec::repeated("prune-auto", "[METHOD:]TARGET[:MAX_ERROR]"),
    OptionSpec::flag("prune-global"),
    OptionSpec::repeated("binarize", "weights|xnor|xnor:zero"),
    OptionSpec::value("prune-correct", "lsq|bias|none"),
    OptionSpec::value("prune-allocation", "uniform|adaptive"),
    OptionSpec::flag("per-channel"),
    OptionSpec::flag("per-tensor"),
    OptionSpec::flag("data-free"),
    OptionSpec::flag("float-fallback"),
    OptionSpec::flag("symmetric"),
    OptionSpec::flag("asymmetric"),
    OptionSpec::flag("reduce-range"),
    OptionSpec::flag("full-range"),
    OptionSpec::value("calib-method", "METHOD"),
    OptionSpec::value("min-sqnr", "DB"),
    OptionSpec::value("max-top1-drop", "PCT"),
    OptionSpec::value("block-size", "N"),
    OptionSpec::value("rounding", "nearest|learned"),
    OptionSpec::value("kmeans-init", "auto|linear|kmeans++"),
    OptionSpec::repeated("exclude", "NODE_OR_OPTYPE"),
];

/// What to write and compare on.
const OUTPUT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::value("report", "FILE.json"),
    OptionSpec::flag("print-recipe"),
    OptionSpec::value("compare-inputs", "FILE.npz"),
    OptionSpec::flag("no-compare"),
];


/// `pare compress --help` (both CLIs).
pub fn compress_help() -> String {
    command_help(
        "pare compress MODEL -o OUT.onnx (--recipe RECIPE.json | --quantize KIND | --prune M:R)...\n                     [--calib FILE.npz | --calib-random N [--seed N]] [--report FILE.json]",
        "Compresses MODEL with a recipe: an ordered list of steps (prune, quantize) given as a JSON\n\
         file, or built from the short flags below in the order they are given. Writes standard\n\
         ONNX (QDQ form for quantization) that onnxruntime runs, and prints sizes and what each\n\
         step did. --report writes everything as JSON (recipe, sizes raw and gzip, layers, ranges).",
        &[
            ("-o, --out OUT.onnx", "where to write the compressed model (required)"),
            ("--recipe RECIPE.json", "the recipe: {\"steps\": [{\"quantize\": {\"mode\": \"static\"}}]} (see README)"),
            (
                "--quantize KIND",
                "int8-weights: int8 weights + DequantizeLinear, float compute\n\
                 int4-weights: 4-bit weights (int4, opset 21), float compute\n\
                 ternary: weights −α, 0, +α (α per output channel), stored as int8, float compute\n\
                 pow2: weights ±2^k on a power-of-two scale per channel (15 levels), stored as int8\n\
                 kmeans[:N]: N shared values per weight tensor (k-means, default 16), uint8 indices\n\
                 int8: static QDQ, weights and activations (needs --calib or --calib-random)\n\
                 a16w8: static QDQ with 16-bit activations (uint16, opset 21), int8 weights\n\
                 int8-dynamic: MatMul/Gemm with activations quantized at run time",
            ),
            ("--prune METHOD:RATIO", "unstructured:0.5, vector:0.3, kernel:0.3, filter:0.25, nm:2:4"),
            (
                "--prune-auto [METHOD:]TARGET[:MAX_ERROR]",
                "choose per-layer ratios: TARGET share of the weights pruned (e.g. 0.5), keeping\n\
                 the output's relative L2 error under MAX_ERROR (e.g. 0.1 ≈ 20 dB SQNR);\n\
                 METHOD unstructured (default), vector or kernel. Scans each layer on up to 32\n\
                 calibration samples (random ones without --calib); the report lists the ratios",
            ),
            ("--prune-global", "unstructured pruning with one threshold across layers"),
            (
                "--binarize weights|xnor|xnor:zero",
                "XNOR-Net: weights α·sign(w), α per output channel (first and last layers stay\n\
                 float); xnor also binarizes the layers' inputs, which pare runs on XOR + popcount:\n\
                 with --calib at a threshold fitted to the samples (x < t), else at 0 (constant\n\
                 after a ReLU); xnor:zero keeps 0 even with --calib",
            ),
            (
                "--prune-correct lsq|bias|none",
                "after each masking --prune step, correct from calibration data: bias shifts\n\
                 biases to the original mean outputs; lsq also refits the kept weights by\n\
                 least squares. Default: lsq with --calib, none without (or with\n\
                 --calib-random); never applied when it makes the outputs worse",
            ),
            (
                "--prune-allocation uniform|adaptive",
                "how an unstructured, vector, kernel or filter --prune ratio is shared among\n\
                 layers: uniform prunes every layer to it; adaptive prunes that share of all\n\
                 their weights (filter: channels) in total, layers that matter more less.\n\
                 Default: adaptive with --calib, uniform without (or with --calib-random)",
            ),
            ("--per-channel, --per-tensor", "weight scale granularity (default per-channel)"),
            (
                "--data-free",
                "--quantize int8 without calibration data (DFQ): folds BatchNormalization, equalizes\n\
                 the weight ranges of consecutive Conv/Gemm layers, absorbs and corrects biases from\n\
                 the normalization statistics and takes activation ranges from them (seeded random\n\
                 samples where a layer had none); best with --per-tensor. The report lists each step",
            ),
            (
                "--block-size N",
                "int4-weights: one scale per N weights along K of MatMul/Gemm weights (16..2048,\n\
                 a power of two; default 32), 0 for one per output channel; Conv is per channel",
            ),
            (
                "--rounding nearest|learned",
                "weight-only kinds (int8-weights, int4-weights, ternary, pow2, kmeans): learned rounds\n\
                 each weight up or down so that its layer's output on the calibration samples\n\
                 moves least (GPTQ, same scales as nearest; needs --calib or --calib-random);\n\
                 default nearest",
            ),
            (
                "--kmeans-init auto|linear|kmeans++",
                "kmeans: where the centroids start: spread evenly from the smallest to the largest\n\
                 weight (Deep Compression's choice), k-means++ seeding (fixed seed), or auto\n\
                 (default): both, keeping the codebook with the lower squared weight error",
            ),
            (
                "--symmetric, --asymmetric",
                "both weights and activations symmetric (zero point 0) or affine;\n\
                 default: symmetric int8 weights, affine uint8 activations",
            ),
            (
                "--full-range, --reduce-range",
                "int8 and int8-dynamic: 8-bit or 7-bit weights. Default 7-bit (--reduce-range):\n\
                 onnxruntime's x86 integer kernels on CPUs without VNNI (AVX2) add u8*s8 products\n\
                 in int16 with saturation, and 8-bit weights clip there (mtcnn_onet: 24.7 dB\n\
                 exact, 6.5 dB in onnxruntime); --full-range for files that run only where\n\
                 nothing saturates (VNNI, ARM, GPU, WebAssembly)",
            ),
            ("--calib-method METHOD", "minmax (default), percentile:99.99, entropy, mse, or auto: minmax, percentile\n                 and MSE with affine and symmetric activations measured on the calibration\n                 samples, another than minmax only when 1 dB better"),
            (
                "--min-sqnr DB",
                "quality target for --quantize int8: a quarter of the calibration samples is held\n\
                 back, and the activations and weights whose quantization costs most stay float\n\
                 until the output SQNR on them reaches DB (the report lists what fell back)",
            ),
            (
                "--float-fallback",
                "with a quality target: what it keeps goes to float only. By default it goes to\n\
                 16 bits first (int16/uint16 Q/DQ, opset 21: the model is upgraded) and to float\n\
                 only where 16 bits miss the target",
            ),
            (
                "--max-top1-drop PCT",
                "quality target for classifiers, alone or with --min-sqnr: at most PCT % of the rows\n\
                 of each class-score output may change their top-1 class on the same samples",
            ),
            ("--exclude NODE_OR_OPTYPE", "leave this node (or every node of this op type) alone in every step; repeatable"),
            ("--calib FILE.npz", "calibration samples: keys are input names, the first axis indexes samples"),
            ("--calib-random N", "N seeded random samples instead (a data-free try; real data is better)"),
            ("--seed N", "first seed of random samples (--calib-random, comparison; default 0)"),
            ("--dim NAME=SIZE", "size of a symbolic dim for random samples (default: sizes the model runs on; repeatable)"),
            ("--shape INPUT=D0,D1,...", "whole shape of a random input"),
            (
                "--compare-inputs FILE.npz",
                "compare the compressed model with the original on these samples\n\
                 (default: up to 16 calibration samples, else 16 seeded random ones)",
            ),
            ("--no-compare", "skip the comparison"),
            ("--report FILE.json", "write the full report as JSON (with the comparison)"),
            ("--print-recipe", "print the recipe as JSON (e.g. to save the short flags as a file)"),
            ("-h, --help", "this help"),
        ],
    )
}

/// The recipe: the --recipe file to read, or the short flags in command-line order made into
/// steps (`Recipe::from_flags` in the words).
pub fn recipe_from_flags(parsed: &Parsed) -> Result<RecipeSource, UsageError> {
    let step_flags = parsed.ordered(&["quantize", "prune", "prune-auto", "binarize"]);
    let modifiers = ["per-channel", "per-tensor", "symmetric", "asymmetric", "reduce-range", "full-range", "prune-global", "data-free", "float-fallback"];
    let valued_modifiers = ["calib-method", "min-sqnr", "max-top1-drop", "exclude", "prune-correct", "prune-allocation", "block-size", "rounding", "kmeans-init"];
    if let Some(path) = parsed.value("recipe") {
        if let Some((flag, _)) = step_flags.first() {
            return Err(UsageError(format!("--{flag} and --recipe both describe steps: give one or the other")));
        }
        if let Some(m) = modifiers.iter().find(|m| parsed.flag(m)).or(valued_modifiers.iter().find(|m| parsed.value(m).is_some())) {
            return Err(UsageError(format!("--{m} modifies the short flags; with --recipe, set it in the recipe file")));
        }
        return Ok(RecipeSource::File(path.to_string()));
    }
    if step_flags.is_empty() {
        return Err(UsageError("nothing to do: give --quantize, --prune, --binarize or --recipe (see `pare compress --help`)".into()));
    }
    if parsed.flag("per-channel") && parsed.flag("per-tensor") {
        return Err(UsageError("--per-channel and --per-tensor contradict each other".into()));
    }
    if parsed.flag("symmetric") && parsed.flag("asymmetric") {
        return Err(UsageError("--symmetric and --asymmetric contradict each other".into()));
    }
    if parsed.flag("reduce-range") && parsed.flag("full-range") {
        return Err(UsageError("--reduce-range and --full-range contradict each other".into()));
    }
    if (parsed.flag("reduce-range") || parsed.flag("full-range")) && !step_flags.iter().any(|&(f, v)| f == "quantize" && matches!(v, "int8" | "int8-dynamic")) {
        return Err(UsageError("--reduce-range / --full-range set the weight bits of --quantize int8 or int8-dynamic, but there is none".into()));
    }
    if parsed.value("min-sqnr").is_some() && !step_flags.iter().any(|&(f, v)| f == "quantize" && v == "int8") {
        return Err(UsageError("--min-sqnr is a quality target for --quantize int8 (static), but there is none".into()));
    }
    if parsed.value("max-top1-drop").is_some() && !step_flags.iter().any(|&(f, v)| f == "quantize" && v == "int8") {
        return Err(UsageError("--max-top1-drop is a quality target for --quantize int8 (static), but there is none".into()));
    }
    if parsed.flag("float-fallback") && parsed.value("min-sqnr").is_none() && parsed.value("max-top1-drop").is_none() {
        return Err(UsageError("--float-fallback says where a quality target's fallbacks go: give --min-sqnr or --max-top1-drop".into()));
    }
    if parsed.flag("data-free") && !step_flags.iter().any(|&(f, v)| f == "quantize" && v == "int8") {
        return Err(UsageError("--data-free makes --quantize int8 (static) need no calibration, but there is none".into()));
    }
    if parsed.flag("data-free") && (parsed.value("min-sqnr").is_some() || parsed.value("max-top1-drop").is_some()) {
        return Err(UsageError("--data-free has no samples to measure a quality target on: drop --min-sqnr / --max-top1-drop".into()));
    }
    if parsed.value("block-size").is_some() && !step_flags.iter().any(|&(f, v)| f == "quantize" && v == "int4-weights") {
        return Err(UsageError("--block-size sets the blocks of --quantize int4-weights, but there is none".into()));
    }
    if parsed.value("rounding").is_some()
        && !step_flags.iter().any(|&(f, v)| f == "quantize" && (matches!(v, "int4-weights" | "int8-weights" | "ternary" | "pow2" | "kmeans") || v.starts_with("kmeans:")))
    {
        return Err(UsageError("--rounding sets how a weight-only --quantize (int4-weights, int8-weights, ternary, pow2, kmeans) rounds, but there is none".into()));
    }
    if parsed.value("kmeans-init").is_some() && !step_flags.iter().any(|&(f, v)| f == "quantize" && (v == "kmeans" || v.starts_with("kmeans:"))) {
        return Err(UsageError("--kmeans-init sets where --quantize kmeans starts its centroids, but there is none".into()));
    }
    if parsed.value("prune-correct").is_some() && !step_flags.iter().any(|(f, _)| f.starts_with("prune")) {
        return Err(UsageError("--prune-correct corrects --prune steps, but there is none".into()));
    }
    if parsed.value("prune-allocation").is_some() && !step_flags.iter().any(|(f, _)| *f == "prune") {
        return Err(UsageError("--prune-allocation shares out the ratio of --prune steps, but there is none".into()));
    }
    let mut steps = Vec::new();
    for (flag, value) in step_flags {
        steps.push(match flag {
            "quantize" => Step::Quantize(quantize_spec(value, parsed)?),
            "prune-auto" => Step::Prune(prune_auto_spec(value, parsed.value("prune-correct"), &parsed.values("exclude"))?),
            "binarize" => Step::Binarize(binarize_spec(value, &parsed.values("exclude"))?),
            _ => Step::Prune(prune_spec(value, parsed.flag("prune-global"), parsed.value("prune-correct"), parsed.value("prune-allocation"), &parsed.values("exclude"))?),
        });
    }
    let recipe = Recipe { steps };
    recipe.validate().map_err(|e| UsageError(e.to_string()))?;
    Ok(RecipeSource::Flags(recipe))
}

/// `--binarize weights` (binary weights, float compute), `--binarize xnor` (binary weights and
/// inputs: XOR + popcount in pare's runtime; thresholds calibrated with `--calib`) or
/// `--binarize xnor:zero` (threshold 0 even with `--calib`).
fn binarize_spec(kind: &str, exclude: &[&str]) -> Result<BinarizeSpec, UsageError> {
    let (activations, threshold) = match kind {
        "weights" => (false, None),
        "xnor" => (true, None),
        "xnor:zero" => (true, Some(crate::compress::binarize::Threshold::Zero)),
        other => return Err(UsageError(format!("--binarize `{other}`: expected weights, xnor or xnor:zero"))),
    };
    Ok(BinarizeSpec { activations, threshold, exclude: exclude.iter().map(|e| e.to_string()).collect(), ..BinarizeSpec::default() })
}

fn quantize_spec(kind: &str, parsed: &Parsed) -> Result<QuantizeSpec, UsageError> {
    let (kind, clusters) = match kind.split_once(':') {
        Some(("kmeans", n)) => {
            let n: usize = n.parse().map_err(|_| UsageError(format!("--quantize kmeans:{n}: `{n}` is not a whole number of clusters (e.g. kmeans:16)")))?;
            ("kmeans", Some(n))
        }
        _ => (kind, None),
    };
    let mode = match kind {
        "int8-weights" => Mode::Weights,
        "int4-weights" => Mode::Int4Weights,
        "int8" | "a16w8" => Mode::Static,
        "int8-dynamic" => Mode::Dynamic,
        "ternary" => Mode::Ternary,
        "pow2" => Mode::Pow2,
        "kmeans" => Mode::KMeans,
        other => {
            return Err(UsageError(format!(
                "--quantize `{other}`: expected int8-weights, int4-weights, int8, a16w8, int8-dynamic, ternary, pow2 or kmeans[:N]"
            )));
        }
    };
    let mut spec = QuantizeSpec::new(mode);
    spec.clusters = clusters;
    if parsed.flag("per-tensor") {
        spec.per_channel = false;
    }
    if parsed.flag("symmetric") {
        spec.symmetric_weights = true;
        spec.symmetric_activations = true;
    }
    if parsed.flag("asymmetric") {
        spec.symmetric_weights = false;
        spec.symmetric_activations = false;
    }
    if kind == "a16w8" {
        spec.activation_type = if spec.symmetric_activations { IntType::Int16 } else { IntType::Uint16 };
    }
    if matches!(mode, Mode::Static | Mode::Dynamic) {
        if parsed.flag("reduce-range") {
            spec.reduce_range = Some(true);
        }
        if parsed.flag("full-range") {
            spec.reduce_range = Some(false);
        }
    }
    if let Some(method) = parsed.value("calib-method") {
        let (name, arg) = method.split_once(':').map_or((method, None), |(n, a)| (n, Some(a)));
        spec.calibration.method = match name {
            "minmax" => CalibrationMethod::Minmax,
            "percentile" => CalibrationMethod::Percentile,
            "entropy" => CalibrationMethod::Entropy,
            "mse" => CalibrationMethod::Mse,
            "auto" => CalibrationMethod::Auto,
            _ => {
                return Err(UsageError(format!(
                    "--calib-method `{method}`: expected minmax, percentile:P (e.g. percentile:99.99), entropy, mse or auto"
                )));
            }
        };
        match (name, arg) {
            ("percentile", Some(p)) => {
                spec.calibration.percentile =
                    p.parse().map_err(|_| UsageError(format!("--calib-method percentile:{p}: `{p}` is not a number")))?;
            }
            ("percentile", None) => {}
            (_, Some(_)) => return Err(UsageError(format!("--calib-method {name} takes no `:` argument"))),
            _ => {}
        }
    }
    if let (Some(db), Mode::Static) = (parsed.value("min-sqnr"), mode) {
        let db: f64 = db.parse().map_err(|_| UsageError(format!("--min-sqnr `{db}`: expected a number of dB, e.g. 30")))?;
        spec.min_sqnr_db = Some(db);
    }
    if let (Some(pct), Mode::Static) = (parsed.value("max-top1-drop"), mode) {
        let pct: f64 = pct.trim_end_matches('%').parse().map_err(|_| UsageError(format!("--max-top1-drop `{pct}`: expected a percentage, e.g. 1")))?;
        spec.max_top1_drop_pct = Some(pct);
    }
    if mode == Mode::Static && parsed.flag("float-fallback") {
        spec.fallback_16bit = Some(false);
    }
    if mode == Mode::Static && parsed.flag("data-free") {
        spec.data_free = true;
    }
    if let (Some(n), Mode::Int4Weights) = (parsed.value("block-size"), mode) {
        let n: usize = n.parse().map_err(|_| UsageError(format!("--block-size `{n}`: expected a whole number, e.g. 32")))?;
        spec.block_size = Some(n);
    }
    if let (Some(r), true) = (parsed.value("rounding"), mode.is_weight_only()) {
        spec.rounding = match r {
            "nearest" => Rounding::Nearest,
            "learned" => Rounding::Learned,
            other => return Err(UsageError(format!("--rounding `{other}`: expected nearest or learned"))),
        };
    }
    if let (Some(init), Mode::KMeans) = (parsed.value("kmeans-init"), mode) {
        spec.init = match init {
            "auto" => KMeansInit::Auto,
            "linear" => KMeansInit::Linear,
            "kmeans++" => KMeansInit::KMeansPlusPlus,
            other => return Err(UsageError(format!("--kmeans-init `{other}`: expected auto, linear or kmeans++"))),
        };
    }
    spec.exclude = parsed.values("exclude").iter().map(|s| s.to_string()).collect();
    Ok(spec)
}

/// `unstructured:0.5`, `filter:0.25`, `nm:2:4` → the prune step's JSON, checked by its spec.
fn prune_spec(
    text: &str,
    global: bool,
    correct: Option<&str>,
    allocation: Option<&str>,
    exclude: &[&str],
) -> Result<PruneSpec, UsageError> {
    let parts: Vec<&str> = text.split(':').collect();
    let bad = || UsageError(format!("--prune `{text}`: expected METHOD:RATIO (unstructured:0.5, vector:0.3, kernel:0.3, filter:0.25) or nm:N:M"));
    let mut json = serde_json::Map::new();
    match parts.as_slice() {
        ["nm", n, m] => {
            json.insert("method".into(), "nm".into());
            json.insert("n".into(), n.parse::<u64>().map_err(|_| bad())?.into());
            json.insert("m".into(), m.parse::<u64>().map_err(|_| bad())?.into());
        }
        [method, ratio] => {
            json.insert("method".into(), (*method).into());
            json.insert("ratio".into(), ratio.parse::<f64>().map_err(|_| bad())?.into());
            if global {
                json.insert("scope".into(), "global".into());
            }
        }
        _ => return Err(bad()),
    }
    if let Some(a) = allocation {
        if !["uniform", "adaptive"].contains(&a) {
            return Err(UsageError(format!("--prune-allocation `{a}`: expected uniform or adaptive")));
        }
        if parts.first() == Some(&"nm") {
            return Err(UsageError(format!("--prune-allocation applies to unstructured, vector, kernel and filter pruning, not `{text}`")));
        }
        json.insert("allocation".into(), a.into());
    }
    insert_correct_and_exclude(&mut json, correct, exclude)?;
    serde_json::from_value(serde_json::Value::Object(json)).map_err(|e| UsageError(format!("--prune `{text}`: {e}")))
}

/// `--prune-correct` and `--exclude` as the prune spec's `correct` and `exclude` fields (both
/// `--prune` and `--prune-auto` steps take them).
fn insert_correct_and_exclude(json: &mut serde_json::Map<String, serde_json::Value>, correct: Option<&str>, exclude: &[&str]) -> Result<(), UsageError> {
    if let Some(c) = correct {
        if !["lsq", "bias", "none"].contains(&c) {
            return Err(UsageError(format!("--prune-correct `{c}`: expected lsq, bias or none")));
        }
        json.insert("correct".into(), c.into());
    }
    if !exclude.is_empty() {
        json.insert("exclude".into(), exclude.iter().map(|e| serde_json::Value::from(*e)).collect());
    }
    Ok(())
}

/// `0.5`, `0.5:0.1`, `kernel:0.6:0.05` → an auto prune step, checked by its spec.
fn prune_auto_spec(text: &str, correct: Option<&str>, exclude: &[&str]) -> Result<PruneSpec, UsageError> {
    let bad = |why: &str| UsageError(format!("--prune-auto `{text}`: {why} (expected [METHOD:]TARGET[:MAX_ERROR], e.g. 0.5 or 0.5:0.1)"));
    let mut parts: Vec<&str> = text.split(':').collect();
    let method = match parts.first() {
        Some(first) if first.parse::<f64>().is_err() => parts.remove(0),
        _ => "unstructured",
    };
    let number = |s: &str, what: &str| s.parse::<f64>().map_err(|_| bad(&format!("{what} `{s}` is not a number")));
    let mut auto = serde_json::Map::new();
    match parts.as_slice() {
        [target] => {
            auto.insert("target".into(), number(target, "TARGET")?.into());
        }
        [target, max_error] => {
            auto.insert("target".into(), number(target, "TARGET")?.into());
            auto.insert("max_error".into(), number(max_error, "MAX_ERROR")?.into());
        }
        _ => return Err(bad("wrong number of `:` parts")),
    }
    let mut json = serde_json::Map::new();
    json.insert("method".into(), method.into());
    json.insert("auto".into(), serde_json::Value::Object(auto));
    insert_correct_and_exclude(&mut json, correct, exclude)?;
    let spec: PruneSpec =
        serde_json::from_value(serde_json::Value::Object(json)).map_err(|e| bad(&e.to_string()))?;
    spec.validate().map_err(|e| bad(&e))?;
    Ok(spec)
}

