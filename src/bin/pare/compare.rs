//! `pare compare`: run two models (an original and its compressed version) on the same inputs —
//! from an .npz, or seeded random ones — and print how far the candidate's outputs and shared
//! intermediate tensors are from the reference's, as a table or JSON (`pare::compare`).

use std::path::Path;

use pare::compare::{CompareOptions, CompareReport, TextOptions, compare_models, render_text};
use pare::ir::Model;
use pare::runtime::random_inputs::declared_inputs;
use pare::runtime::{Dataset, InputSet, RandomInputs};

use crate::args::{self, OptionSpec, Parsed};
use crate::{CliError, about, command_help, load_model, parse_dims, parse_shapes, read_file};

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::value("inputs", "FILE.npz"),
    OptionSpec::flag("random"),
    OptionSpec::value("seed", "N"),
    OptionSpec::value("samples", "N"),
    OptionSpec::repeated("dim", "NAME=SIZE"),
    OptionSpec::repeated("shape", "INPUT=D0,D1,..."),
    OptionSpec::flag("json"),
    OptionSpec::flag("all-intermediates"),
];

/// Random samples when `--samples` is not given.
const DEFAULT_RANDOM_SAMPLES: usize = 8;
/// Intermediate tensors shown in the table without `--all-intermediates`.
const WORST_SHOWN: usize = 10;

fn help() -> String {
    command_help(
        "pare compare REFERENCE.onnx CANDIDATE.onnx [--inputs FILE.npz | --random [--seed N]] [--samples N]\n                    [--dim NAME=SIZE]... [--shape INPUT=D0,D1,...]... [--json] [--all-intermediates] [--threads N]",
        "Runs both models on the same samples and reports, for every output and every intermediate\n\
         tensor both compute (same name, same shape, float type), the error of CANDIDATE against\n\
         REFERENCE over all samples: max and mean absolute error, cosine similarity and SQNR in dB\n\
         (10·log10(Σref² / Σ(ref−cand)²); `exact` when identical). For classifier-like outputs (float,\n\
         last dim ≥ 2) it adds top-1 agreement (rows whose argmax matches) and top-5 agreement (rows\n\
         whose reference argmax is among the candidate's 5 highest scores, shown above 5 classes).\n\
         Without --inputs, the samples are seeded random data (as --random).",
        &[
            (
                "--inputs FILE.npz",
                "samples from an .npz whose arrays are named after the model inputs and\nwhose first axis indexes samples (np.savez(\"x.npz\", image=images))",
            ),
            ("--random", "seeded random samples: floats uniform in [-1, 1), integers in [0, 4)"),
            ("--seed N", "seed of the random samples (default 0; sample 0 is what `pare run --random` feeds)"),
            ("--samples N", "how many samples: random ones (default 8), or the first N of the .npz"),
            ("--dim NAME=SIZE", "size of symbolic dim NAME for random samples (default: sizes the model runs on)"),
            ("--shape INPUT=D0,D1,...", "whole shape of random input INPUT (for unnamed dims)"),
            ("--json", "print the full report as JSON (every intermediate; SQNR null when exact)"),
            (
                "--all-intermediates",
                "list every intermediate in execution order (default: the 10 with the lowest SQNR)",
            ),
            crate::threads::HELP,
            ("-h, --help", "this help"),
        ],
    )
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse("compare", OPTIONS, argv)?;
    if parsed.help {
        println!("{}", help());
        return Ok(());
    }
    let [reference_path, candidate_path] = &parsed.positionals[..] else {
        return Err(CliError::Usage(format!(
            "`pare compare` takes two models, REFERENCE.onnx and CANDIDATE.onnx; got {} (see `pare compare --help`)",
            parsed.positionals.len()
        )));
    };
    let samples = parsed.parsed::<usize>("samples", "a positive integer")?;
    if samples == Some(0) {
        return Err(CliError::Usage("--samples expects a positive integer, got `0`".into()));
    }
    let random = random_options(&parsed)?;
    let reference = load_model(reference_path)?;
    let candidate = load_model(candidate_path)?;
    let (inputs, input_source) = match (parsed.value("inputs"), random) {
        (Some(file), _) => npz_samples(file, &reference, samples)?,
        (None, mut random) => {
            let count = samples.unwrap_or(DEFAULT_RANDOM_SAMPLES);
            random.check_dims(&declared_inputs(&reference.graph)).map_err(|e| CliError::Usage(e.to_string()))?;
            // Open dims get sizes the reference runs on (pare::runtime::input_sizes), said on stderr.
            let (data, sizes) =
                pare::workflow::random_dataset(&reference, &mut random, count, pare::workflow::Interface::Cli)?;
            if sizes.source != pare::runtime::SizeSource::Fixed {
                eprintln!("pare: input sizes: {}", sizes.summary());
            }
            (data.samples, format!("random inputs, seed {}", random.seed))
        }
    };
    let options = CompareOptions { intermediates: true, input_source };
    let report =
        compare_models(&reference, &candidate, &inputs, &options)?;
    if parsed.flag("json") {
        print_json(reference_path, candidate_path, &report)
    } else {
        let worst_intermediates = if parsed.flag("all-intermediates") { None } else { Some(WORST_SHOWN) };
        println!("reference  {reference_path}\ncandidate  {candidate_path}");
        print!("{}", render_text(&report, &TextOptions { worst_intermediates }));
        Ok(())
    }
}

/// `--random --seed N --dim … --shape …`, refused together with `--inputs`.
fn random_options(parsed: &Parsed) -> Result<RandomInputs, CliError> {
    let seed = parsed.parsed::<u64>("seed", "a non-negative integer")?;
    let mut random = RandomInputs::new(seed.unwrap_or(0));
    random.dims.extend(parse_dims(&parsed.values("dim"))?);
    random.shapes.extend(parse_shapes(&parsed.values("shape"))?);
    if parsed.value("inputs").is_some() {
        let random_option = [
            ("--random", parsed.flag("random")),
            ("--seed", seed.is_some()),
            ("--dim", !random.dims.is_empty()),
            ("--shape", !random.shapes.is_empty()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name));
        if let Some(option) = random_option {
            return Err(CliError::Usage(format!("{option} is for random samples; it cannot go with --inputs")));
        }
    }
    Ok(random)
}

/// The samples of an .npz (the first `limit`, if given), cut for the reference's inputs.
fn npz_samples(file: &str, reference: &Model, limit: Option<usize>) -> Result<(Vec<InputSet>, String), CliError> {
    let bytes = read_file(Path::new(file), crate::input_files::InputKind::Npz)?;
    let arrays = pare::npz::read_npz(&bytes).map_err(|e| about(format!("`{file}`"), e))?;
    let dataset = Dataset::from_stacked(arrays, &declared_inputs(&reference.graph)).map_err(|e| about(format!("`{file}`"), e))?;
    let available = dataset.len();
    let mut samples = dataset.samples;
    if let Some(limit) = limit {
        samples.truncate(limit);
    }
    let source = if samples.len() < available {
        format!("the first {} of {available} in {file}", samples.len())
    } else {
        format!("from {file}")
    };
    Ok((samples, source))
}

fn print_json(reference: &str, candidate: &str, report: &CompareReport) -> Result<(), CliError> {
    #[derive(serde::Serialize)]
    struct Output<'a> {
        reference: &'a str,
        candidate: &'a str,
        #[serde(flatten)]
        report: &'a CompareReport,
    }
    let json = serde_json::to_string_pretty(&Output { reference, candidate, report })
        .map_err(|e| crate::json_error("the report", e))?;
    println!("{json}");
    Ok(())
}
