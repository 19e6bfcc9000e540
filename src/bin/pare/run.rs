//! `pare run`: run a model on .npy inputs (or seeded random ones), print a line per output
//! (shape, dtype, min/max/mean), write the outputs as .npy, and report the wall time on stderr.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pare::ir::Tensor;
use pare::runtime::{RandomInputs, Session, SessionOptions, SizeSource, resolve_sizes};

use crate::args::{self, OptionSpec};
use crate::staged_writes::{StagedWrites, refuse_overwriting_inputs};
use crate::{CliError, command_help, human, load_model, output_files, parse_dims, parse_shapes, read_file};

/// The most runs `--repeat` takes.
const MAX_REPEAT: usize = 1_000_000;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::repeated("input", "NAME=FILE.npy"),
    OptionSpec::flag("random"),
    OptionSpec::value("seed", "N"),
    OptionSpec::repeated("dim", "NAME=SIZE"),
    OptionSpec::repeated("shape", "INPUT=D0,D1,..."),
    OptionSpec::value("out", "DIR"),
    OptionSpec::value("repeat", "N"),
    OptionSpec::flag("float-qdq"),
];

fn help() -> String {
    let description = format!(
        "Runs MODEL with pare's interpreter. Prints one line per output (dtype, shape, min/max/mean),\n\
         and the wall time of the run on stderr (model loading and preparation shown apart).\n\n\
         A quantized (QDQ) model runs its quantized Conv/MatMul/Gemm layers on integer kernels, as\n\
         onnxruntime does; stderr says how many. --float-qdq runs the graph exactly as written instead.\n\n{}",
        output_files::RULE
    );
    command_help(
        "pare run MODEL [--input NAME=FILE.npy]... [--random [--seed N]] [--dim NAME=SIZE]...\n                [--shape INPUT=D0,D1,...]... [--out DIR] [--repeat N] [--float-qdq] [--threads N]",
        &description,
        &[
            (
                "--input NAME=FILE.npy",
                "feed input NAME from a NumPy .npy file (repeat per input);\na model with one input also takes --input FILE.npy",
            ),
            (
                "--random",
                "make seeded random data for every input not given with --input:\nfloats uniform in [-1, 1), integers in [0, 4), bools 50/50",
            ),
            ("--seed N", "seed of the random inputs (default 0)"),
            ("--dim NAME=SIZE", "size of symbolic dim NAME for random inputs (default: sizes the model runs on)"),
            (
                "--shape INPUT=D0,D1,...",
                "whole shape of random input INPUT, e.g. --shape x=1,3,48,192\n(for unnamed dims, which are searched otherwise)",
            ),
            ("--out DIR", "write each output as DIR/<name>.npy (DIR is created if needed)"),
            ("--repeat N", "run N times and report min/median/mean time (outputs of the last run)"),
            ("--float-qdq", "run QuantizeLinear/DequantizeLinear and the layers between them in float,\nas written (no integer execution)"),
            crate::threads::HELP,
            ("-h, --help", "this help"),
        ],
    )
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("run", OPTIONS, argv)?;
    if parsed.help {
        println!("{}", help());
        return Ok(());
    }
    let model_path = crate::model_argument("run", &parsed.positionals)?;
    let random = parsed.flag("random");
    let seed = parsed.parsed::<u64>("seed", "a non-negative integer")?;
    let dims = parse_dims(&parsed.values("dim"))?;
    let shapes = parse_shapes(&parsed.values("shape"))?;
    if !random && (seed.is_some() || !dims.is_empty() || !shapes.is_empty()) {
        let option = if seed.is_some() {
            "--seed"
        } else if dims.is_empty() {
            "--shape"
        } else {
            "--dim"
        };
        return Err(CliError::Usage(format!("{option} applies to random inputs: add --random")));
    }
    let repeat = parsed.parsed::<usize>("repeat", "a positive integer")?.unwrap_or(1);
    if repeat == 0 {
        return Err(CliError::Usage("--repeat expects a positive integer, got `0`".into()));
    }
    // A timing loop, not a workload: 2^40 runs would never end (and their time list alone
    // asked for 16 TB before the first run; issue 17's campaign).
    if repeat > MAX_REPEAT {
        return Err(CliError::Usage(format!("--repeat is at most {MAX_REPEAT}, got `{repeat}`")));
    }

    let started = Instant::now();
    let model = load_model(model_path)?;
    let loaded = started.elapsed();
    if let Some(dir) = parsed.value("out") {
        refuse_outputs_that_are_inputs(Path::new(dir), &model, model_path, &parsed.values("input"))?;
    }
    let started = Instant::now();
    let options = SessionOptions { integer: !parsed.flag("float-qdq"), ..SessionOptions::default() };
    let session = Session::with_options(&model, options)?;
    let prepared = started.elapsed();
    if !session.integer_layers().is_empty() {
        eprintln!("pare: {} layers run on integer kernels", session.integer_layers().len());
    }
    if session.folded_nodes() > 0 {
        eprintln!("pare: {} constant nodes evaluated once when preparing", session.folded_nodes());
    }

    let mut inputs = read_inputs(&parsed.values("input"), &session)?;
    if random {
        let mut generator = RandomInputs::new(seed.unwrap_or(0));
        generator.dims.extend(dims);
        generator.shapes.extend(shapes);
        generator.check_dims(session.inputs()).map_err(|e| CliError::Usage(e.to_string()))?;
        // Open dims get sizes the model runs on (pare::runtime::input_sizes); given inputs fix theirs.
        let given: Vec<(String, Vec<usize>)> = inputs.iter().map(|(n, t)| (n.clone(), t.shape().to_vec())).collect();
        let sizes = resolve_sizes(&session, &mut generator, &given, &model.metadata_props);
        if let Some(failure) = sizes.failure {
            return Err(pare::Error::Sizes(pare::workflow::wording::sizes_failure(&failure, pare::workflow::Interface::Cli)).into());
        }
        if sizes.source != SizeSource::Fixed {
            eprintln!("pare: input sizes: {}", sizes.summary());
        }
        inputs = generator.complete(session.inputs(), inputs)?;
    }
    if let Some(missing) = session.required_inputs().find(|spec| !inputs.iter().any(|(n, _)| n == &spec.name)) {
        let want = format!("{} (give it with --input {}=FILE.npy, or use --random)", missing.describe(), missing.name);
        return Err(pare::runtime::RunError::MissingInput { name: missing.name.clone(), want }.into());
    }

    let mut times: Vec<Duration> = Vec::with_capacity(repeat.min(1024));
    let mut outputs = Vec::new();
    for run in 0..repeat {
        let feed = if run + 1 == repeat { std::mem::take(&mut inputs) } else { inputs.clone() };
        let started = Instant::now();
        outputs = session.run(feed)?;
        times.push(started.elapsed());
    }

    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    let files = output_files::file_names(&names);
    if let Some(dir) = parsed.value("out") {
        write_outputs(Path::new(dir), &outputs, &files)?;
    }
    let name_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for ((name, tensor), file) in outputs.iter().zip(&files) {
        let pad = " ".repeat(name_width - name.chars().count());
        let destination = match parsed.value("out") {
            Some(dir) => format!("  → {}", Path::new(dir).join(file).display()),
            None => String::new(),
        };
        println!("{name}{pad}  {}{destination}", describe(tensor));
    }
    eprintln!("pare: {}", timing(&times, loaded, prepared));
    Ok(())
}

/// `--input NAME=FILE.npy` (or `--input FILE.npy` for a one-input model) → named tensors.
fn read_inputs(values: &[&str], session: &Session) -> Result<Vec<(String, Tensor)>, CliError> {
    let mut inputs: Vec<(String, Tensor)> = Vec::new();
    for text in values {
        let (name, file) = input_argument(text, session)?;
        if inputs.iter().any(|(n, _)| n == name) {
            return Err(CliError::Usage(format!("input `{name}` is given twice")));
        }
        let bytes = read_file(Path::new(file), crate::input_files::InputKind::Npy)?;
        let tensor =
            pare::npy::read_npy(&bytes).map_err(|e| crate::about(format!("input `{name}`: `{file}`"), e))?;
        inputs.push((name.to_string(), tensor));
    }
    Ok(inputs)
}

fn input_argument<'a>(text: &'a str, session: &'a Session) -> Result<(&'a str, &'a str), CliError> {
    let known = |name: &str| session.inputs().iter().any(|i| i.name == name);
    if let Some((name, file)) = text.split_once('=') {
        if known(name) && !file.is_empty() {
            return Ok((name, file));
        }
    }
    let required: Vec<&str> = session.required_inputs().map(|i| i.name.as_str()).collect();
    if let ([only], false) = (required.as_slice(), text.contains('=')) {
        return Ok((only, text));
    }
    let list: Vec<String> = session.inputs().iter().map(|i| format!("`{}`", i.name)).collect();
    let name = text.split_once('=').map_or(text, |(n, _)| n);
    Err(CliError::Usage(format!(
        "--input `{text}`: the model has no input `{name}`; its inputs are {} (use --input NAME=FILE.npy)",
        if list.is_empty() { "none".to_string() } else { list.join(", ") }
    )))
}

/// Every output's `.npy` in `dir`, all or none (`staged_writes`): a failure leaves no file behind.
fn write_outputs(dir: &Path, outputs: &[(String, Tensor)], files: &[String]) -> Result<(), CliError> {
    let mut encoded = Vec::with_capacity(outputs.len());
    for (name, tensor) in outputs {
        encoded.push(pare::npy::write_npy(tensor).map_err(|e| crate::about(format!("output `{name}`"), e))?);
    }
    let mut writes = StagedWrites::new();
    writes.create_dir(dir)?;
    for (bytes, file) in encoded.iter().zip(files) {
        writes.stage(&dir.join(file), bytes)?;
    }
    writes.commit()
}

/// `--out DIR`'s files must not be the model or an `--input` file (checked before the run).
fn refuse_outputs_that_are_inputs(dir: &Path, model: &pare::ir::Model, model_path: &str, input_values: &[&str]) -> Result<(), CliError> {
    let names: Vec<&str> = model.graph.outputs.iter().map(|o| o.name.as_str()).collect();
    let outputs: Vec<(String, PathBuf)> =
        output_files::file_names(&names).into_iter().map(|file| ("--out".to_string(), dir.join(file))).collect();
    let mut inputs = vec![("the model".to_string(), PathBuf::from(model_path))];
    for value in input_values {
        // `NAME=FILE` or a bare `FILE`: either may be the path.
        for path in [Some(*value), value.split_once('=').map(|(_, f)| f)].into_iter().flatten().filter(|p| !p.is_empty()) {
            inputs.push(("--input".to_string(), PathBuf::from(path)));
        }
    }
    refuse_overwriting_inputs(&outputs, &inputs)
}

/// `float32 [1, 16]  min -0.5  max 0.75  mean 0.125` (NaNs counted apart).
fn describe(tensor: &Tensor) -> String {
    let head = format!("{} {}", tensor.type_name(), human::shape(&tensor.shape()));
    let Ok(values) = tensor.to_f64_vec() else { return head };
    let finite: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if finite.is_empty() {
        return if values.is_empty() { format!("{head}  (empty)") } else { format!("{head}  all NaN") };
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let nans = values.len() - finite.len();
    let nan_note = if nans > 0 { format!("  ({nans} NaN)") } else { String::new() };
    format!("{head}  min {}  max {}  mean {}{nan_note}", number(min), number(max), number(mean))
}

/// Six significant digits, without trailing zeros.
fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs();
    if !(1e-4..1e6).contains(&magnitude) {
        return format!("{v:.5e}");
    }
    let decimals = (5 - magnitude.log10().floor() as i32).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

fn timing(times: &[Duration], loaded: Duration, prepared: Duration) -> String {
    let setup = format!("(load {}, prepare {})", human::duration(loaded), human::duration(prepared));
    if let [single] = times {
        return format!("ran in {} {setup}", human::duration(*single));
    }
    let mut sorted = times.to_vec();
    sorted.sort();
    let mean = sorted.iter().sum::<Duration>() / sorted.len() as u32;
    format!(
        "ran {} times: min {}, median {}, mean {} {setup}",
        sorted.len(),
        human::duration(sorted[0]),
        human::duration(sorted[sorted.len() / 2]),
        human::duration(mean)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_six_significant_digits() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(-1.0), "-1");
        assert_eq!(number(123.456789), "123.457");
        assert_eq!(number(1e-7), "1.00000e-7");
        assert_eq!(number(2.5e9), "2.50000e9");
    }

    #[test]
    fn describe_summarises_values() {
        let t = Tensor::from_vec(&[2, 2], vec![-0.5f32, 0.75, f32::NAN, 0.25]).unwrap();
        assert_eq!(describe(&t), "float32 [2, 2]  min -0.5  max 0.75  mean 0.166667  (1 NaN)");
        let b = Tensor::from_vec(&[2], vec![true, false]).unwrap();
        assert_eq!(describe(&b), "bool [2]  min 0  max 1  mean 0.5");
    }
}
