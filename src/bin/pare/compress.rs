//! `pare compress`: apply a recipe (from a JSON file, or built from short flags) to a model,
//! write the compressed model, print what changed, and optionally write the full JSON report.

use std::path::Path;
use std::time::Instant;

use pare::compress::binarize::BinarizeSpec;
use pare::compress::quantize::{CalibrationMethod, Mode, QuantizeSpec};
use pare::compress::{CompressReport, Progress, Recipe, Step, StepReport, compress};
use pare::compare::{CompareOptions, TextOptions, compare_models, render_text};
use pare::ir::Model;
use pare::runtime::random_inputs::declared_inputs;
use pare::runtime::{Dataset, InputSet, RandomInputs, Session};

use crate::args::{self, OptionSpec, Parsed};
use crate::{CliError, command_help, human, load_model, parse_dims, parse_shapes, read_file};

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::value("o", "OUT.onnx"),
    OptionSpec::value("out", "OUT.onnx"),
    OptionSpec::value("recipe", "RECIPE.json"),
    OptionSpec::repeated("quantize", "KIND"),
    OptionSpec::repeated("prune", "METHOD:RATIO"),
    OptionSpec::repeated("prune-auto", "[METHOD:]TARGET[:MAX_ERROR]"),
    OptionSpec::flag("prune-global"),
    OptionSpec::repeated("binarize", "weights|xnor"),
    OptionSpec::value("prune-correct", "bias|lsq"),
    OptionSpec::flag("per-channel"),
    OptionSpec::flag("per-tensor"),
    OptionSpec::flag("symmetric"),
    OptionSpec::flag("asymmetric"),
    OptionSpec::value("calib-method", "METHOD"),
    OptionSpec::repeated("exclude", "NODE_OR_OPTYPE"),
    OptionSpec::value("calib", "FILE.npz"),
    OptionSpec::value("calib-random", "N"),
    OptionSpec::value("seed", "N"),
    OptionSpec::repeated("dim", "NAME=SIZE"),
    OptionSpec::repeated("shape", "INPUT=D0,D1,..."),
    OptionSpec::value("report", "FILE.json"),
    OptionSpec::flag("print-recipe"),
    OptionSpec::value("compare-inputs", "FILE.npz"),
    OptionSpec::flag("no-compare"),
];

/// Samples the comparison uses when neither --compare-inputs nor calibration data is given, and
/// at most how many calibration samples it reuses.
const COMPARE_SAMPLES: usize = 16;

fn help() -> String {
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
                 int8: static QDQ, weights and activations (needs --calib or --calib-random)\n\
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
                "--binarize weights|xnor",
                "XNOR-Net: weights α·sign(w), α per output channel (first and last layers stay\n\
                 float); xnor also binarizes the layers' inputs, which pare runs on XOR + popcount",
            ),
            (
                "--prune-correct bias|lsq",
                "after each masking --prune step, correct from calibration data: bias shifts\n\
                 biases to the original mean outputs; lsq also refits the kept weights by\n\
                 least squares (needs --calib or --calib-random)",
            ),
            ("--per-channel, --per-tensor", "weight scale granularity (default per-channel)"),
            (
                "--symmetric, --asymmetric",
                "both weights and activations symmetric (zero point 0) or affine;\n\
                 default: symmetric int8 weights, affine uint8 activations",
            ),
            ("--calib-method METHOD", "minmax (default), percentile:99.99, entropy or mse"),
            ("--exclude NODE_OR_OPTYPE", "leave this node (or every node of this op type) alone in every step; repeatable"),
            ("--calib FILE.npz", "calibration samples: keys are input names, the first axis indexes samples"),
            ("--calib-random N", "N seeded random samples instead (a data-free try; real data is better)"),
            ("--seed N", "first seed of random samples (--calib-random, comparison; default 0)"),
            ("--dim NAME=SIZE", "size of a symbolic dim for random samples (default 1; repeatable)"),
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

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("compress", OPTIONS, argv)?;
    if parsed.help {
        println!("{}", help());
        return Ok(());
    }
    let model_path = crate::model_argument("compress", &parsed.positionals)?;
    let out = match (parsed.value("o"), parsed.value("out")) {
        (Some(_), Some(_)) => return Err(CliError::Usage("give the output once: -o or --out".into())),
        (Some(o), None) | (None, Some(o)) => o,
        (None, None) => return Err(CliError::Usage("`pare compress` needs -o OUT.onnx".into())),
    };
    let recipe = recipe_from_arguments(&parsed)?;
    if parsed.flag("print-recipe") {
        println!("{}", recipe.to_json());
    }

    let started = Instant::now();
    let model = load_model(model_path)?;
    let calibration = calibration_data(&parsed, &model)?;
    let mut last_stage = String::new();
    let mut progress = |p: &Progress| {
        if p.stage != last_stage {
            eprintln!("pare: step {}/{}: {}…", p.step + 1, p.steps, p.stage);
            last_stage = p.stage.clone();
        }
    };
    let (compressed, report) =
        compress(&model, &recipe, calibration.as_ref(), &mut progress).map_err(|e| CliError::Failed(e.to_string()))?;
    let bytes = pare::onnx::encode_model(&compressed);
    std::fs::write(out, &bytes)
        .map_err(|e| CliError::Failed(format!("cannot write `{out}`: {}", crate::io_reason(&e))))?;
    print_summary(&report, out);
    let comparison = if parsed.flag("no-compare") {
        None
    } else {
        let (samples, input_source) = comparison_samples(&parsed, &model, calibration.as_ref())?;
        let options = CompareOptions { intermediates: true, input_source };
        let cmp = compare_models(&model, &compressed, &samples, &options).map_err(|e| CliError::Failed(e.to_string()))?;
        print!("{}", render_text(&cmp, &TextOptions { worst_intermediates: Some(5) }));
        Some(cmp)
    };
    if let Some(path) = parsed.value("report") {
        let json = serde_json::json!({
            "model": model_path,
            "output": out,
            "recipe": recipe,
            "calibration_samples": calibration.as_ref().map(Dataset::len),
            "report": report,
            "compare": comparison,
        });
        let text = serde_json::to_string_pretty(&json).map_err(|e| CliError::Failed(e.to_string()))?;
        std::fs::write(path, text)
            .map_err(|e| CliError::Failed(format!("cannot write `{path}`: {}", crate::io_reason(&e))))?;
        println!("report: {path}");
    }
    eprintln!("pare: done in {}", human::duration(started.elapsed()));
    Ok(())
}

/// The recipe from --recipe, or from the short flags in command-line order.
fn recipe_from_arguments(parsed: &Parsed) -> Result<Recipe, CliError> {
    let step_flags = parsed.ordered(&["quantize", "prune", "prune-auto", "binarize"]);
    let modifiers = ["per-channel", "per-tensor", "symmetric", "asymmetric", "prune-global"];
    let valued_modifiers = ["calib-method", "exclude", "prune-correct"];
    if let Some(path) = parsed.value("recipe") {
        if let Some((flag, _)) = step_flags.first() {
            return Err(CliError::Usage(format!("--{flag} and --recipe both describe steps: give one or the other")));
        }
        if let Some(m) = modifiers.iter().find(|m| parsed.flag(m)).or(valued_modifiers.iter().find(|m| parsed.value(m).is_some())) {
            return Err(CliError::Usage(format!("--{m} modifies the short flags; with --recipe, set it in the recipe file")));
        }
        let text = String::from_utf8(read_file(Path::new(path))?)
            .map_err(|_| CliError::Failed(format!("`{path}` is not UTF-8 text")))?;
        return Recipe::from_json(&text).map_err(|e| CliError::Failed(format!("`{path}`: {e}")));
    }
    if step_flags.is_empty() {
        return Err(CliError::Usage("nothing to do: give --quantize, --prune, --binarize or --recipe (see `pare compress --help`)".into()));
    }
    if parsed.flag("per-channel") && parsed.flag("per-tensor") {
        return Err(CliError::Usage("--per-channel and --per-tensor contradict each other".into()));
    }
    if parsed.flag("symmetric") && parsed.flag("asymmetric") {
        return Err(CliError::Usage("--symmetric and --asymmetric contradict each other".into()));
    }
    if parsed.value("prune-correct").is_some() && !step_flags.iter().any(|(f, _)| f.starts_with("prune")) {
        return Err(CliError::Usage("--prune-correct corrects --prune steps, but there is none".into()));
    }
    let mut steps = Vec::new();
    for (flag, value) in step_flags {
        steps.push(match flag {
            "quantize" => Step::Quantize(quantize_spec(value, parsed)?),
            "prune-auto" => Step::Prune(prune_auto_spec(value, parsed.value("prune-correct"), &parsed.values("exclude"))?),
            "binarize" => Step::Binarize(binarize_spec(value, &parsed.values("exclude"))?),
            _ => Step::Prune(prune_spec(value, parsed.flag("prune-global"), parsed.value("prune-correct"), &parsed.values("exclude"))?),
        });
    }
    let recipe = Recipe { steps };
    recipe.validate().map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(recipe)
}

/// `--binarize weights` (binary weights, float compute) or `--binarize xnor` (binary weights and
/// inputs: XOR + popcount in pare's runtime).
fn binarize_spec(kind: &str, exclude: &[&str]) -> Result<BinarizeSpec, CliError> {
    let activations = match kind {
        "weights" => false,
        "xnor" => true,
        other => return Err(CliError::Usage(format!("--binarize `{other}`: expected weights or xnor"))),
    };
    Ok(BinarizeSpec { activations, exclude: exclude.iter().map(|e| e.to_string()).collect(), ..BinarizeSpec::default() })
}

fn quantize_spec(kind: &str, parsed: &Parsed) -> Result<QuantizeSpec, CliError> {
    let mode = match kind {
        "int8-weights" => Mode::Weights,
        "int8" => Mode::Static,
        "int8-dynamic" => Mode::Dynamic,
        other => {
            return Err(CliError::Usage(format!("--quantize `{other}`: expected int8-weights, int8 or int8-dynamic")));
        }
    };
    let mut spec = QuantizeSpec::new(mode);
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
    if let Some(method) = parsed.value("calib-method") {
        let (name, arg) = method.split_once(':').map_or((method, None), |(n, a)| (n, Some(a)));
        spec.calibration.method = match name {
            "minmax" => CalibrationMethod::Minmax,
            "percentile" => CalibrationMethod::Percentile,
            "entropy" => CalibrationMethod::Entropy,
            "mse" => CalibrationMethod::Mse,
            _ => {
                return Err(CliError::Usage(format!(
                    "--calib-method `{method}`: expected minmax, percentile:P (e.g. percentile:99.99), entropy or mse"
                )));
            }
        };
        match (name, arg) {
            ("percentile", Some(p)) => {
                spec.calibration.percentile =
                    p.parse().map_err(|_| CliError::Usage(format!("--calib-method percentile:{p}: `{p}` is not a number")))?;
            }
            ("percentile", None) => {}
            (_, Some(_)) => return Err(CliError::Usage(format!("--calib-method {name} takes no `:` argument"))),
            _ => {}
        }
    }
    spec.exclude = parsed.values("exclude").iter().map(|s| s.to_string()).collect();
    Ok(spec)
}

/// `unstructured:0.5`, `filter:0.25`, `nm:2:4` → the prune step's JSON, checked by its spec.
fn prune_spec(
    text: &str,
    global: bool,
    correct: Option<&str>,
    exclude: &[&str],
) -> Result<pare::compress::prune::PruneSpec, CliError> {
    let parts: Vec<&str> = text.split(':').collect();
    let bad = || CliError::Usage(format!("--prune `{text}`: expected METHOD:RATIO (unstructured:0.5, vector:0.3, kernel:0.3, filter:0.25) or nm:N:M"));
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
    if let Some(c) = correct {
        if !["bias", "lsq"].contains(&c) {
            return Err(CliError::Usage(format!("--prune-correct `{c}`: expected bias or lsq")));
        }
        json.insert("correct".into(), c.into());
    }
    if !exclude.is_empty() {
        json.insert("exclude".into(), exclude.iter().map(|e| serde_json::Value::from(*e)).collect());
    }
    serde_json::from_value(serde_json::Value::Object(json)).map_err(|e| CliError::Usage(format!("--prune `{text}`: {e}")))
}

/// `0.5`, `0.5:0.1`, `kernel:0.6:0.05` → an auto prune step, checked by its spec.
fn prune_auto_spec(text: &str, correct: Option<&str>, exclude: &[&str]) -> Result<pare::compress::prune::PruneSpec, CliError> {
    let bad = |why: &str| CliError::Usage(format!("--prune-auto `{text}`: {why} (expected [METHOD:]TARGET[:MAX_ERROR], e.g. 0.5 or 0.5:0.1)"));
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
    if let Some(c) = correct {
        if !["bias", "lsq"].contains(&c) {
            return Err(CliError::Usage(format!("--prune-correct `{c}`: expected bias or lsq")));
        }
        json.insert("correct".into(), c.into());
    }
    if !exclude.is_empty() {
        json.insert("exclude".into(), exclude.iter().map(|e| serde_json::Value::from(*e)).collect());
    }
    let spec: pare::compress::prune::PruneSpec =
        serde_json::from_value(serde_json::Value::Object(json)).map_err(|e| bad(&e.to_string()))?;
    spec.validate().map_err(|e| bad(&e))?;
    Ok(spec)
}

/// Calibration samples from --calib FILE.npz or --calib-random N.
pub(crate) fn calibration_data(parsed: &Parsed, model: &Model) -> Result<Option<Dataset>, CliError> {
    let random = parsed.parsed::<usize>("calib-random", "a number of samples")?;
    let seed = parsed.parsed::<u64>("seed", "a non-negative integer")?;
    let dims = parse_dims(&parsed.values("dim"))?;
    let shapes = parse_shapes(&parsed.values("shape"))?;
    let session = Session::new(model).map_err(pare::Error::from)?;
    match (parsed.value("calib"), random) {
        (Some(_), Some(_)) => Err(CliError::Usage("give --calib or --calib-random, not both".into())),
        (Some(path), None) => {
            let bytes = read_file(Path::new(path))?;
            let arrays = pare::npz::read_npz(&bytes).map_err(|e| CliError::Failed(format!("`{path}`: {e}")))?;
            Dataset::from_stacked(arrays, session.inputs()).map(Some).map_err(|e| CliError::Failed(format!("`{path}`: {e}")))
        }
        (None, Some(0)) => Err(CliError::Usage("--calib-random needs at least 1 sample".into())),
        (None, Some(n)) => {
            let mut generator = RandomInputs::new(seed.unwrap_or(0));
            generator.dims.extend(dims);
            generator.shapes.extend(shapes);
            generator.check_dims(session.inputs()).map_err(|e| CliError::Usage(e.to_string()))?;
            Dataset::random(session.inputs(), n, &generator).map(Some).map_err(|e| CliError::Failed(e.to_string()))
        }
        (None, None) => Ok(None),
    }
}

/// What the original and the compressed model are compared on: --compare-inputs, else the
/// first calibration samples (said so, since they are not held-out data), else random ones.
fn comparison_samples(parsed: &Parsed, model: &Model, calibration: Option<&Dataset>) -> Result<(Vec<InputSet>, String), CliError> {
    if let Some(path) = parsed.value("compare-inputs") {
        let bytes = read_file(Path::new(path))?;
        let arrays = pare::npz::read_npz(&bytes).map_err(|e| CliError::Failed(format!("`{path}`: {e}")))?;
        let data = Dataset::from_stacked(arrays, &declared_inputs(&model.graph))
            .map_err(|e| CliError::Failed(format!("`{path}`: {e}")))?;
        return Ok((data.samples, format!("from {path}")));
    }
    if let Some(c) = calibration {
        let n = c.len().min(COMPARE_SAMPLES);
        return Ok((c.samples[..n].to_vec(), format!("{n} of the calibration samples (not held-out data)")));
    }
    let seed = parsed.parsed::<u64>("seed", "a non-negative integer")?.unwrap_or(0);
    let mut generator = RandomInputs::new(seed);
    generator.dims.extend(parse_dims(&parsed.values("dim"))?);
    generator.shapes.extend(parse_shapes(&parsed.values("shape"))?);
    let data = Dataset::random(&declared_inputs(&model.graph), COMPARE_SAMPLES, &generator).map_err(pare::Error::from)?;
    Ok((data.samples, format!("{COMPARE_SAMPLES} random samples, seed {seed}")))
}

fn print_summary(report: &CompressReport, out: &str) {
    let (b, a) = (report.before, report.after);
    println!(
        "wrote {out}: {} → {} ({:.3}×), gzip {} → {} ({:.3}×)",
        human::bytes(b.bytes as u64),
        human::bytes(a.bytes as u64),
        a.bytes as f64 / b.bytes.max(1) as f64,
        human::bytes(b.gzip_bytes as u64),
        human::bytes(a.gzip_bytes as u64),
        a.gzip_bytes as f64 / b.gzip_bytes.max(1) as f64
    );
    for (i, step) in report.steps.iter().enumerate() {
        match step {
            StepReport::Quantize(q) => {
                let calib = q.calibration.as_ref().map(|c| format!(", {} activations calibrated on {} samples ({:?})", c.tensors, c.samples, c.method)).unwrap_or_default();
                println!("step {}: quantize {:?}: {} layers{calib}", i + 1, q.mode, q.layers.len());
                if !q.folded_activations.is_empty() {
                    println!("  folded into the quantized range: {}", q.folded_activations.join(", "));
                }
                for s in &q.skipped {
                    println!("  kept in float: {} ({}): {}", s.node, s.op_type, s.reason);
                }
                for n in &q.notes {
                    println!("  note: {n}");
                }
            }
            StepReport::Prune(p) => {
                let t = &p.totals;
                println!(
                    "step {}: prune {}: {} layers, {} → {} nonzero weights ({:.1}% sparsity in pruned layers), model params {} → {}",
                    i + 1,
                    p.method,
                    t.layers_pruned,
                    human::count(t.nonzeros_before as u64),
                    human::count(t.nonzeros_after as u64),
                    t.sparsity * 100.0,
                    human::count(t.model_params_before as u64),
                    human::count(t.model_params_after as u64)
                );
                if let Some(f) = &p.flops {
                    println!("  FLOPs {} → {}", human::count(f.before), human::count(f.after));
                }
                for s in &p.skipped {
                    println!("  not pruned: {} ({}): {}", s.name, s.op_type, s.reason);
                }
                if let Some(a) = &p.auto {
                    print_auto(a);
                }
                if let Some(c) = &p.correction {
                    println!("  correction {} on {} calibration samples ({} layers):", c.method, c.samples, c.layers_corrected);
                }
                for l in &p.layers {
                    let Some(c) = &l.correction else { continue };
                    match (c.output_rel_mse_before, c.output_rel_mse_after) {
                        (Some(b), Some(a)) => println!("    {}: {}: output relative MSE {b:.3e} → {a:.3e}", l.name, c.applied),
                        _ => println!("    {}: {}", l.name, c.applied),
                    }
                    if !c.note.is_empty() {
                        println!("      {}", c.note);
                    }
                }
                for n in &p.notes {
                    println!("  note: {n}");
                }
            }
            StepReport::Opset(c) => {
                println!("step {}: opset: {}", i + 1, c.summary());
            }
            StepReport::Binarize(b) => {
                println!("step {}: binarize{}: {} layers", i + 1, if b.activations { " (weights and inputs)" } else { " (weights)" }, b.layers.len());
                for l in &b.layers {
                    let sqnr = l.weight_sqnr_db.map(|d| format!("{d:.1} dB")).unwrap_or_else(|| "exact".into());
                    println!("  {} ({}): α {:.3e}…{:.3e}, weight SQNR {sqnr}", l.node, l.op_type, l.alpha_min, l.alpha_max);
                }
                for s in &b.skipped {
                    println!("  kept in float: {} ({}): {}", s.node, s.op_type, s.reason);
                }
                for n in &b.notes {
                    println!("  note: {n}");
                }
            }
        }
    }
}


/// The auto mode's per-layer table: chosen ratio and the single-layer scan.
fn print_auto(a: &pare::compress::prune::auto::AutoReport) {
    println!("  auto: target {:.1}%, metric {} on {} ({} samples, {})", a.target * 100.0, a.metric, a.output, a.samples, a.inputs);
    let grid: Vec<String> = a.grid.iter().map(|r| format!("{:>7}", format!("@{r}"))).collect();
    println!("    {:24} {:>10} {:>6}  error alone {}", "layer", "params", "ratio", grid.join(" "));
    for l in &a.layers {
        let scan: Vec<String> = l.scan.iter().map(|e| format!("{e:>7.4}")).collect();
        println!("    {:24} {:>10} {:>6.3}              {}", l.name, human::count(l.params as u64), l.ratio, scan.join(" "));
    }
    println!("    predicted error {:.4}, measured {:.4}; {}", a.predicted_error, a.measured_error, a.outcome);
    println!("    reuse as: \"ratios\": {}", serde_json::to_string(&a.ratios).unwrap_or_default());
}
