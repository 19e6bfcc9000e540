//! `pare`, the command line: inspect a model (size, FLOPs, memory access, lint), run it on
//! .npy inputs, compress it with a recipe. A thin layer: parse arguments, call the library, turn errors into one line.
//!
//! Exit codes: 0 success, 1 the command failed (bad model, bad input file…), 2 the command
//! line is wrong.

mod args;
mod compress;
mod compare;
mod container;
mod convert;
mod human;
mod input_files;
mod inspect;
mod malloc_tuning;
mod output_files;
mod report_text;
mod run;
mod sensitivity;
mod staged_writes;
mod threads;

use std::path::Path;
use std::process::ExitCode;

use input_files::InputKind;
use pare::ir::Model;

const USAGE: &str = "\
pare — inspect, run and compress ONNX models

Usage:
  pare inspect MODEL [--json] [--dim NAME=SIZE]... [--shape INPUT=D0,D1,...]... [--seed N]
               [--no-run] [--top N]
  pare run MODEL [--input NAME=FILE.npy]... [--random [--seed N]] [--dim NAME=SIZE]...
           [--shape INPUT=D0,D1,...]... [--out DIR] [--repeat N]
  pare compress MODEL -o OUT.onnx (--recipe RECIPE.json | --quantize KIND | --prune M:R)...
                [--calib FILE.npz | --calib-random N] [--report FILE.json]
  pare compare REFERENCE CANDIDATE [--inputs FILE.npz | --random [--seed N]] [--samples N]
               [--dim NAME=SIZE]... [--json] [--all-intermediates]
  pare sensitivity MODEL [--method unstructured] [--calib FILE.npz | --calib-random N] [--json]
  pare convert MODEL -o OUT.onnx --opset N [--json]
  pare pack MODEL.onnx OUT.pare [--json]
  pare decode IN.pare OUT.onnx
  pare help [COMMAND]

Commands:
  inspect   parameters, FLOPs/MACs, memory access, structure and architecture lint
  run       run the model on .npy inputs (or random ones) and write the outputs as .npy
  compress  prune and quantize with a recipe; writes standard ONNX and a report
  compare   error of one model against another (outputs and intermediates) on the same inputs
  sensitivity  prune one layer at a time at several ratios and measure the output error
  convert   rewrite the model to a newer opset (7–22) with the same outputs
  pack      store the model losslessly in a smaller, entropy-coded .pare container
  decode    write the exact ONNX file a .pare container holds

Options for every command:
  -h, --help     help for the command
  -V, --version  pare's version

run, compress, compare and sensitivity also take --threads N (default: one thread per core;
--threads 1 runs on one thread; the results are the same bits for any N).

Run `pare COMMAND --help` for a command's options.";

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong (exit code 2).
    Usage(String),
    /// The command could not be carried out (exit code 1); printed with its kind,
    /// `pare: error[not-onnx]: …`, so a script can branch on it as npm callers do on `PareError.kind`.
    Failed(pare::Error),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) => f.write_str(m),
            CliError::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Every error of the library (and the command-line parser's `UsageError`) converts with `?`.
impl<E: Into<pare::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        let error: pare::Error = e.into();
        if error.is_usage() { CliError::Usage(error.to_string()) } else { CliError::Failed(error) }
    }
}

/// `error` about `context` (a file, an input): "{context}: {error}", its kind kept.
pub fn about(context: impl std::fmt::Display, error: impl Into<pare::Error>) -> CliError {
    CliError::from(error.into().context(context))
}

fn main() -> ExitCode {
    malloc_tuning::keep_freed_memory();
    // A panic is a bug in pare: say so in one line instead of Rust's multi-line report.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("pare: internal error (a bug in pare, please report it): {}{location}", one_line(&message));
    }));
    let args: Result<Vec<String>, _> = std::env::args_os().skip(1).map(|a| a.into_string()).collect();
    let outcome = match args {
        Ok(args) => set_memory_budget().and_then(|()| dispatch(&args)),
        Err(bad) => Err(CliError::Usage(format!("argument `{}` is not valid UTF-8", bad.to_string_lossy()))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("pare: {}", one_line(&message));
            ExitCode::from(2)
        }
        Err(CliError::Failed(error)) => {
            eprintln!("pare: error[{}]: {}", error.kind(), one_line(&error.to_string()));
            ExitCode::from(1)
        }
    }
}

/// `PARE_MAX_MEMORY` (`512M`, `2G`, bytes), when set, replaces the default memory budget
/// (`pare::budget`: half the machine's memory).
fn set_memory_budget() -> Result<(), CliError> {
    let Some(value) = std::env::var_os("PARE_MAX_MEMORY") else { return Ok(()) };
    let text = value.to_string_lossy();
    match pare::budget::parse_size(&text) {
        Some(bytes) => {
            pare::budget::set_max_bytes(bytes);
            Ok(())
        }
        None => Err(CliError::Usage(format!("PARE_MAX_MEMORY `{text}`: expected a size in bytes, or like 512M or 2G"))),
    }
}

fn dispatch(args: &[String]) -> Result<(), CliError> {
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(());
    };
    match command.as_str() {
        "inspect" => inspect::main(rest),
        "run" => threads::run(rest, run::main),
        "compress" => threads::run(rest, compress::main),
        "compare" => threads::run(rest, compare::main),
        "sensitivity" => threads::run(rest, sensitivity::main),
        "convert" => convert::main(rest),
        "pack" => container::pack(rest),
        "decode" => container::decode(rest),
        "help" | "-h" | "--help" => match rest.first().map(String::as_str) {
            None => {
                println!("{USAGE}");
                Ok(())
            }
            Some("inspect") => inspect::main(&["--help".to_string()]),
            Some("run") => run::main(&["--help".to_string()]),
            Some("compress") => compress::main(&["--help".to_string()]),
            Some("compare") => compare::main(&["--help".to_string()]),
            Some("sensitivity") => sensitivity::main(&["--help".to_string()]),
            Some("convert") => convert::main(&["--help".to_string()]),
            Some("pack") => container::pack(&["--help".to_string()]),
            Some("decode") => container::decode(&["--help".to_string()]),
            Some(other) => {
                Err(CliError::Usage(format!("no command `{other}`; commands: inspect, run, compress, compare, sensitivity, convert, pack, decode")))
            }
        },
        "-V" | "--version" => {
            println!("pare {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        other if other.starts_with('-') => {
            Err(CliError::Usage(format!("unknown option `{other}`; a command comes first (see `pare --help`)")))
        }
        other => Err(CliError::Usage(format!("no command `{other}`; commands: inspect, run, compress, compare, sensitivity, convert, pack, decode (see `pare --help`)"))),
    }
}

/// A report that serde_json cannot encode (`what`: "the report", "the analysis").
pub fn json_error(what: &str, e: serde_json::Error) -> pare::Error {
    pare::Error::File { action: "encode", what: format!("{what} as JSON"), reason: e.to_string() }
}

/// Messages end up on one line: nested errors sometimes carry newlines.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads and decodes an ONNX file.
pub fn load_model(path: &str) -> Result<Model, CliError> {
    let bytes = read_file(Path::new(path), InputKind::Model)?;
    pare::onnx::decode_model(&bytes).map_err(|e| about(format!("`{path}`"), e))
}

/// Reads a file the command line names, expected to hold `kind` (bounded: `input_files`).
pub fn read_file(path: &Path, kind: InputKind) -> Result<Vec<u8>, CliError> {
    input_files::read_input(path, kind)
}

/// An io::Error without the "(os error 2)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The output path given as -o or --out (exactly once).
pub fn output_argument<'a>(parsed: &'a args::Parsed, command: &str) -> Result<&'a str, CliError> {
    match (parsed.value("o"), parsed.value("out")) {
        (Some(_), Some(_)) => Err(CliError::Usage("give the output once: -o or --out".into())),
        (Some(o), None) | (None, Some(o)) => Ok(o),
        (None, None) => Err(CliError::Usage(format!("`pare {command}` needs -o OUT.onnx"))),
    }
}

/// Writes `bytes` to `path` (the whole file or nothing: a temporary file renamed into place).
pub fn write_file(path: &str, bytes: &[u8]) -> Result<(), CliError> {
    let mut writes = staged_writes::StagedWrites::new();
    writes.stage(Path::new(path), bytes)?;
    writes.commit()
}

/// The single MODEL positional of a command.
pub fn model_argument<'a>(command: &str, positionals: &'a [String]) -> Result<&'a str, CliError> {
    match positionals {
        [model] => Ok(model),
        [] => Err(CliError::Usage(format!("`pare {command}` needs a MODEL file (see `pare {command} --help`)"))),
        [_, extra, ..] => Err(CliError::Usage(format!(
            "unexpected argument `{extra}`: `pare {command}` takes one MODEL (see `pare {command} --help`)"
        ))),
    }
}

pub use args::{command_help, parse_dims, parse_shapes};
