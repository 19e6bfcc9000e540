//! How the CLI writes files: all or nothing, and never over an input.
//!
//! - [`refuse_overwriting_inputs`] runs before any work: an output that resolves to the same file
//!   as an input (same device and inode, so through `..`, a symlink or a hard link too) or as
//!   another output is a usage error, and an output that is a directory a file error.
//! - [`StagedWrites`] writes each file to a temporary file in its target's directory
//!   (`.NAME.pare-PID-N.tmp`, created new, never followed through a symlink) and renames them all
//!   into place in [`StagedWrites::commit`], once the whole command succeeded. Dropped without a
//!   commit (an error, a panic unwinding), it removes its temporary files and the directories it
//!   created, so a failed command leaves nothing behind; an existing file is replaced whole or
//!   not at all, even on a full disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{CliError, io_reason};

/// Refuses, before any work, outputs that are one of the `inputs` (or each other): `outputs`
/// and `inputs` are `(what, path)` pairs, `what` naming the option in the message (`-o`,
/// `--report`, `the model`). Paths that do not exist yet cannot be an input.
pub fn refuse_overwriting_inputs(outputs: &[(String, PathBuf)], inputs: &[(String, PathBuf)]) -> Result<(), CliError> {
    let existing = |path: &Path| std::fs::metadata(path).ok();
    for (index, (what, path)) in outputs.iter().enumerate() {
        let Some(target) = existing(path) else { continue };
        if target.is_dir() {
            return Err(pare::Error::file("write", path.display(), "it is a directory").into());
        }
        let others = inputs.iter().map(|(w, p)| (w, p, "an input")).chain(outputs[..index].iter().map(|(w, p)| (w, p, "another output")));
        for (other_what, other, role) in others {
            if existing(other).is_some_and(|m| same_file(&target, &m)) {
                return Err(CliError::Usage(format!(
                    "{what} `{}` is the same file as {other_what} `{}` ({role}): write elsewhere, pare never overwrites its inputs",
                    path.display(),
                    other.display()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Files written to temporary names, renamed into place by [`StagedWrites::commit`].
#[derive(Default)]
pub struct StagedWrites {
    /// `(temporary, target)`, in the order staged.
    files: Vec<(PathBuf, PathBuf)>,
    /// Directories this created, parents first.
    created_dirs: Vec<PathBuf>,
}

impl StagedWrites {
    pub fn new() -> StagedWrites {
        StagedWrites::default()
    }

    /// Creates `dir` and its missing parents; the ones created are removed again if the command fails.
    pub fn create_dir(&mut self, dir: &Path) -> Result<(), CliError> {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_path_buf());
            at = d.parent();
        }
        for d in missing.into_iter().rev() {
            std::fs::create_dir(&d).map_err(|e| pare::Error::file("create", d.display(), io_reason(&e)))?;
            self.created_dirs.push(d);
        }
        Ok(())
    }

    /// Writes `bytes` to a new temporary file next to `target`.
    pub fn stage(&mut self, target: &Path, bytes: &[u8]) -> Result<(), CliError> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = target.with_file_name(format!(".{name}.pare-{}-{}.tmp", std::process::id(), self.files.len()));
        let fail = |e: std::io::Error| CliError::from(pare::Error::file("write", target.display(), io_reason(&e)));
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temporary).map_err(fail)?;
        self.files.push((temporary, target.to_path_buf()));
        file.write_all(bytes).and_then(|()| file.sync_all()).map_err(fail)
    }

    /// Renames every staged file into place. A target that became a directory meanwhile is
    /// refused before the first rename.
    pub fn commit(mut self) -> Result<(), CliError> {
        if let Some((_, target)) = self.files.iter().find(|(_, t)| t.is_dir()) {
            return Err(pare::Error::file("write", target.display(), "it is a directory").into());
        }
        while !self.files.is_empty() {
            let (temporary, target) = self.files.remove(0);
            if let Err(e) = std::fs::rename(&temporary, &target) {
                let _ = std::fs::remove_file(&temporary);
                return Err(pare::Error::file("write", target.display(), io_reason(&e)).into());
            }
        }
        self.created_dirs.clear();
        Ok(())
    }
}

impl Drop for StagedWrites {
    fn drop(&mut self) {
        for (temporary, _) in &self.files {
            let _ = std::fs::remove_file(temporary);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}
