//! `pare compress`: the job lives in the library (`pare::workflow`, shared with `npx pare`); this
//! reads the files the command line names, prints progress and the text the job returns, and
//! writes the files it returns — all of them, only once the whole job succeeded, each through a
//! temporary file renamed into place (`staged_writes`). An output that is one of the inputs is
//! refused before any work.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pare::compress::Progress;
use pare::workflow::compress_command::{CalibrationSource, RecipeSource};
use pare::workflow::{Files, parse_compress_command, run_compress_command};

use crate::input_files::{InputKind, read_input};
use crate::staged_writes::{StagedWrites, refuse_overwriting_inputs};
use crate::{CliError, human};

/// Files from the local disk, each read as the kind the command line gives it (bounded:
/// `input_files`).
struct Disk {
    kinds: Vec<(String, InputKind)>,
}

impl Files for Disk {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        self.read_file(path).map_err(|e| e.to_string())
    }

    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, pare::Error> {
        let kind = self.kinds.iter().find(|(p, _)| p == path).map_or(InputKind::Model, |(_, k)| *k);
        read_input(Path::new(path), kind).map_err(|e| match e {
            CliError::Failed(error) => error,
            CliError::Usage(message) => pare::Error::file("read", path, message),
        })
    }
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    refuse_outputs_that_are_inputs(argv)?;
    let mut disk = Disk { kinds: input_kinds(argv) };
    let started = Instant::now();
    let mut last_stage = String::new();
    let mut progress = |p: &Progress| {
        if p.stage != last_stage {
            eprintln!("{}", pare::workflow::compress_job::progress_line(p));
            last_stage = p.stage.clone();
        }
    };
    let output = run_compress_command(argv, &mut disk, &mut progress)?;
    let mut writes = StagedWrites::new();
    for (path, bytes) in &output.files {
        writes.stage(path.as_ref(), bytes)?;
    }
    writes.commit()?;
    print!("{}", output.stdout);
    if matches!(parse_compress_command(argv), Ok(None)) {
        // The help above is the library's, shared with the npm CLI; threads are this CLI's.
        let (option, text) = crate::threads::HELP;
        let text = text.replace('\n', &format!("\n  {}  ", " ".repeat(option.len())));
        println!("\nNative CLI only:\n  {option}  {text}");
    }
    for warning in &output.warnings {
        eprintln!("pare: warning: {warning}");
    }
    if !output.files.is_empty() {
        eprintln!("pare: done in {}", human::duration(started.elapsed()));
    }
    Ok(())
}

/// `-o` and `--report` must not be the model, the recipe, the calibration or comparison samples
/// (nor each other); a command line that does not parse is left to the job to report.
fn refuse_outputs_that_are_inputs(argv: &[String]) -> Result<(), CliError> {
    let Ok(Some(command)) = parse_compress_command(argv) else { return Ok(()) };
    let named = |what: &str, path: &str| (what.to_string(), PathBuf::from(path));
    let mut outputs = vec![named("-o", &command.out)];
    outputs.extend(command.report.as_deref().map(|p| named("--report", p)));
    let mut inputs = vec![named("the model", &command.model)];
    if let RecipeSource::File(path) = &command.recipe {
        inputs.push(named("--recipe", path));
    }
    if let CalibrationSource::File(path) = &command.calibration {
        inputs.push(named("--calib", path));
    }
    inputs.extend(command.compare_inputs.as_deref().map(|p| named("--compare-inputs", p)));
    refuse_overwriting_inputs(&outputs, &inputs)
}

/// What each file the command line names holds.
fn input_kinds(argv: &[String]) -> Vec<(String, InputKind)> {
    let Ok(Some(command)) = parse_compress_command(argv) else { return Vec::new() };
    let mut kinds = vec![(command.model.clone(), InputKind::Model)];
    if let RecipeSource::File(path) = &command.recipe {
        kinds.push((path.clone(), InputKind::Recipe));
    }
    if let CalibrationSource::File(path) = &command.calibration {
        kinds.push((path.clone(), InputKind::Npz));
    }
    kinds.extend(command.compare_inputs.iter().map(|p| (p.clone(), InputKind::Npz)));
    kinds
}
