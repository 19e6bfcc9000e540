//! `pare sensitivity`: prune one layer at a time at several ratios and print how far the model's
//! output moves (cosine, max |diff|, top-1 agreement), to choose per-layer pruning ratios.

use pare::compress::prune::Method;
use pare::compress::prune::sensitivity::{DEFAULT_RATIOS, SensitivityReport, scan};
use pare::runtime::random_inputs::declared_inputs;
use pare::runtime::{Dataset, RandomInputs};
use pare::workflow::compress_command::{CalibrationSource, SAMPLE_OPTIONS, calibration_source};

use crate::args::{self, OptionSpec};
use crate::{CliError, command_help, load_model, parse_dims, parse_shapes};

/// Taken with [`SAMPLE_OPTIONS`] between `--ratios` and `--json`.
const OPTIONS: &[OptionSpec] = &[OptionSpec::value("method", "METHOD"), OptionSpec::value("ratios", "R1,R2,...")];
const OUTPUT_OPTIONS: &[OptionSpec] = &[OptionSpec::flag("json")];

/// Random samples when neither --calib nor --calib-random is given.
const DEFAULT_SAMPLES: usize = 16;

fn help() -> String {
    command_help(
        "pare sensitivity MODEL [--method unstructured] [--ratios 0.25,0.5,0.75,0.9]\n                         [--calib FILE.npz | --calib-random N [--seed N]] [--json] [--threads N]",
        "Prunes each prunable layer alone at each ratio and measures the model's first output\n\
         against the original on the samples: cosine similarity, max |difference| and, for\n\
         classifiers, top-1 agreement. Layers that barely move can take higher ratios.",
        &[
            ("--method METHOD", "unstructured (default), vector or kernel"),
            ("--ratios R1,R2,...", "ratios in [0, 1) (default 0.25,0.5,0.75,0.9)"),
            ("--calib FILE.npz", "samples: keys are input names, the first axis indexes samples"),
            ("--calib-random N", "N seeded random samples (default: 16; real data is better)"),
            ("--seed N", "first seed of random samples (default 0)"),
            ("--dim NAME=SIZE", "size of a symbolic dim for random samples (default: sizes the model runs on)"),
            ("--shape INPUT=D0,D1,...", "whole shape of a random input"),
            ("--json", "print the report as JSON"),
            crate::threads::HELP,
            ("-h, --help", "this help"),
        ],
    )
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let parsed = args::parse_groups("sensitivity", &[OPTIONS, SAMPLE_OPTIONS, OUTPUT_OPTIONS], argv)?;
    if parsed.help {
        println!("{}", help());
        return Ok(());
    }
    let model_path = crate::model_argument("sensitivity", &parsed.positionals)?;
    let method = match parsed.value("method").unwrap_or("unstructured") {
        "unstructured" => Method::Unstructured,
        "vector" => Method::Vector,
        "kernel" => Method::Kernel,
        other => return Err(CliError::Usage(format!("--method `{other}`: expected unstructured, vector or kernel"))),
    };
    let ratios: Vec<f64> = match parsed.value("ratios") {
        None => DEFAULT_RATIOS.to_vec(),
        Some(text) => text
            .split(',')
            .map(|r| {
                r.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| (0.0..1.0).contains(v))
                    .ok_or_else(|| CliError::Usage(format!("--ratios `{text}`: `{r}` is not a ratio in [0, 1)")))
            })
            .collect::<Result<_, _>>()?,
    };
    let model = load_model(model_path)?;
    let seed = parsed.parsed::<u64>("seed", "a non-negative integer")?.unwrap_or(0);
    let mut random = RandomInputs::new(seed);
    random.dims.extend(parse_dims(&parsed.values("dim"))?);
    random.shapes.extend(parse_shapes(&parsed.values("shape"))?);
    let (samples, source) = match calibration_source(&parsed)? {
        CalibrationSource::File(path) => {
            let path = path.as_str();
            let bytes = crate::read_file(std::path::Path::new(path), crate::input_files::InputKind::Npz)?;
            let arrays = pare::npz::read_npz(&bytes).map_err(|e| crate::about(format!("`{path}`"), e))?;
            let data = Dataset::from_stacked(arrays, &declared_inputs(&model.graph))
                .map_err(|e| crate::about(format!("`{path}`"), e))?;
            let source = format!("{} samples from {path}", data.len());
            (data.samples, source)
        }
        calibration => {
            let n = match calibration {
                CalibrationSource::Random(n) => n,
                _ => DEFAULT_SAMPLES,
            };
            let (data, sizes) = pare::workflow::random_dataset(&model, &mut random, n, pare::workflow::Interface::Cli)?;
            (data.samples, format!("{n} random samples, seed {seed}, {}", sizes.summary()))
        }
    };
    let report = scan(&model, method, &ratios, &samples, &mut |_, _| {})?;
    if parsed.flag("json") {
        let json = serde_json::json!({ "model": model_path, "inputs": source, "report": report });
        println!("{}", serde_json::to_string_pretty(&json).map_err(|e| crate::json_error("the report", e))?);
    } else {
        print_table(&report, &source);
    }
    Ok(())
}

fn print_table(report: &SensitivityReport, source: &str) {
    println!(
        "sensitivity of output `{}` to {} pruning of one layer at a time ({source})",
        report.output, report.method
    );
    let header: Vec<String> = report.ratios.iter().map(|r| format!("{:>17}", format!("{:.0}%", r * 100.0))).collect();
    println!("{:24} {:>10} {}", "layer", "params", header.join(""));
    let has_top1 = report.layers.iter().any(|l| l.points.iter().any(|p| p.top1_agreement.is_some()));
    for layer in &report.layers {
        let cells: Vec<String> = layer
            .points
            .iter()
            .map(|p| {
                let cos = p.cosine.map_or("-".to_string(), |c| format!("{c:.4}"));
                let cell = match p.top1_agreement {
                    Some(t) => format!("{cos} {:.1}%", t * 100.0),
                    None => cos,
                };
                format!("{cell:>17}")
            })
            .collect();
        println!("{:24} {:>10} {}", layer.name, layer.params, cells.join(""));
    }
    println!("cells: cosine similarity of the output{}", if has_top1 { " and top-1 agreement" } else { "" });
    for (name, reason) in &report.skipped {
        println!("  not scanned: {name}: {reason}");
    }
}
