//! `pare compress`: the job lives in the library (`pare::workflow`, shared with `npx pare`); this
//! reads the files the command line names, prints progress and the text the job returns, and
//! writes the files it returns — all of them, only once the whole job succeeded, each through a
//! temporary file renamed into place.

use std::time::Instant;

use pare::compress::Progress;
use pare::workflow::{Files, run_compress_command};

use crate::{CliError, human};

/// Files from the local disk.
struct Disk;

impl Files for Disk {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| crate::io_reason(&e))
    }
}

pub fn main(argv: &[String]) -> Result<(), CliError> {
    let started = Instant::now();
    let mut last_stage = String::new();
    let mut progress = |p: &Progress| {
        if p.stage != last_stage {
            eprintln!("pare: step {}/{}: {}…", p.step + 1, p.steps, p.stage);
            last_stage = p.stage.clone();
        }
    };
    let output = run_compress_command(argv, &mut Disk, &mut progress)?;
    for (path, _) in &output.files {
        crate::refuse_input_overwrite(path, argv)?;
    }
    for (path, bytes) in &output.files {
        crate::write_file(path, bytes)?;
    }
    print!("{}", output.stdout);
    for warning in &output.warnings {
        eprintln!("pare: warning: {warning}");
    }
    if !output.files.is_empty() {
        eprintln!("pare: done in {}", human::duration(started.elapsed()));
    }
    Ok(())
}
